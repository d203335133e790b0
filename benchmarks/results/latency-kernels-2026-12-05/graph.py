"""Node types of four NB201 networks before and after ONNX Runtime's optimisation on this machine."""

import collections
import os
import tempfile

import onnx
import onnxruntime as ort
import torch

from edgenas.hardware.export import onnx_bytes
from edgenas.spaces import create_space

space = create_space("nb201")
CELLS = ["|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
         "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
         "|avg_pool_3x3~0|+|none~0|nor_conv_1x1~1|+|nor_conv_1x1~0|none~1|nor_conv_1x1~2|",
         "|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_1x1~1|avg_pool_3x3~2|"]
for cell in CELLS:
    data = onnx_bytes(space.build(space.parse(cell), num_classes=100).eval(), torch.randn(1, 3, 32, 32))
    raw = collections.Counter(n.op_type for n in onnx.load_from_string(data).graph.node)
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.log_severity_level = 1, 3
    with tempfile.TemporaryDirectory() as folder:
        options.optimized_model_filepath = os.path.join(folder, "m.onnx")
        ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        optimised = collections.Counter(n.op_type for n in onnx.load(options.optimized_model_filepath).graph.node)
    print(cell, "\n  raw", dict(raw), "\n  optimised", dict(optimised))
