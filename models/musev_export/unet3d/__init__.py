"""UNet3DConditionModel in MuseV's `musev` / `musev_referencenet(_pose)` configurations (see model.py)."""
from .model import UNet3DConditionModel, UNetGraph, unet_input_names  # noqa: F401
