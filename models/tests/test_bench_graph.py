"""bench_graph: the FLOP counter and the weight stripping behind the full-size GPU benchmark."""
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
import numpy as np

from musev_export.optimize.bench_graph import ALIGN, INLINE_BYTES, FlopCounter, strip_weights, _factories_on_meta


def test_flop_counter_counts_linear_conv_and_batched_matmul_on_meta():
    lin = torch.nn.Linear(64, 32).to("meta")
    conv = torch.nn.Conv2d(8, 16, 3, padding=1, groups=2).to("meta")
    with torch.no_grad(), _factories_on_meta(), FlopCounter() as c:
        lin(torch.empty(5, 7, 64, device="meta"))
        conv(torch.empty(2, 8, 10, 12, device="meta"))
        torch.bmm(torch.empty(3, 4, 6, device="meta"), torch.empty(3, 6, 9, device="meta"))
        assert torch.arange(3).device.type == "meta"
    assert c.flops == {"matmul": 2 * 35 * 64 * 32, "conv": 2 * (2 * 16 * 10 * 12) * (4 * 3 * 3), "batched matmul": 2 * 3 * 4 * 6 * 9}
    assert torch.arange(3).device.type == "cpu"  # the factories are restored


def test_strip_weights_declares_large_float_initializers_external_and_keeps_small_ones():
    big = numpy_helper.from_array(np.ones((16, 40), np.float16), "big")  # 1280 B
    big32 = numpy_helper.from_array(np.ones((300,), np.float32), "big32")  # 1200 B
    small = numpy_helper.from_array(np.ones((4,), np.float32), "small")
    shape = numpy_helper.from_array(np.array([16, 40] * 100, np.int64), "shape")  # int64: always kept
    g = helper.make_graph([], "g", [], [], initializer=[big, big32, small, shape])
    m = helper.make_model(g)
    ranges = strip_weights(m, "w.data")
    assert [(r["name"], r["offset"], r["length"], r["dtype"]) for r in ranges] == [
        ("big", 0, 1280, "float16"), ("big32", 1280, 1200, "float32")]
    assert 1280 % ALIGN == 0 and INLINE_BYTES <= 1200
    inits = {t.name: t for t in m.graph.initializer}
    assert inits["big"].data_location == TensorProto.EXTERNAL and not inits["big"].raw_data
    assert {e.key: e.value for e in inits["big32"].external_data} == {"location": "w.data", "offset": "1280", "length": "1200"}
    assert inits["small"].data_location == TensorProto.DEFAULT and inits["shape"].data_location == TensorProto.DEFAULT
