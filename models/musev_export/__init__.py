"""MuseV Web exporter: PyTorch re-implementations of MuseV's networks with MuseV's exact
state-dict layout, ONNX export (opset 17) and the model-pack writer (format v1).

Run the demo export with `bash models/make-demo-pack.sh`; see models/README.md.
"""
