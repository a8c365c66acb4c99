"""Graph-level post-processing of exported packs (issue 3, "packs that fit a browser").

- `fp16.convert_to_fp16`: fp16 weights and compute, LayerNorm/InstanceNorm/Softmax kept in fp32,
  graph I/O kept float32 (casts at the boundary);
- `int8.quantize_int8`: per-output-channel symmetric int8 weights of MatMul/Gemm + DequantizeLinear;
- `mha.fuse_attention`: MatMul-Softmax-MatMul -> com.microsoft MultiHeadAttention;
- `external.save_sharded`: external data in shards;
- `split.split_model`: a graph over the per-session ceiling cut into consecutive parts;
- `pack.optimize_pack`: all of the above on a written pack, with an honest manifest.

They work on ONNX graphs only (no torch), so they apply to every graph the exporter writes.
"""
from .pack import OptimizeOptions, optimize_pack, optimize_pack_in_place, variant_suffix  # noqa: F401
