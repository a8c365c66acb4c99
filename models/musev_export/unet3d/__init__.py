"""UNet3DConditionModel in MuseV's `musev` configuration (see model.py)."""
from .model import UNet3DConditionModel, UNetGraph  # noqa: F401
