"""Imports what the tests and the commands they start import, in one process, so that its
bytecode is written once (`make test` runs this before the suite on a fresh virtual
environment). Without it the two test workers and every command they start compile the same
few thousand files of PyTorch, Ray, SciPy and SymPy side by side: ~40 s of the first run on a
fresh clone."""

import hypothesis  # noqa: F401
import matplotlib.pyplot  # noqa: F401
import onnx  # noqa: F401
import onnxruntime  # noqa: F401
import pytest  # noqa: F401
import ray  # noqa: F401
import scipy.stats  # noqa: F401
import selenium.webdriver  # noqa: F401
import sklearn.ensemble  # noqa: F401
import sklearn.linear_model  # noqa: F401
import sympy  # noqa: F401
import torch.func  # noqa: F401
import torch.onnx  # noqa: F401
import xdist  # noqa: F401

import edgenas.cli  # noqa: F401
import edgenas.estimate  # noqa: F401
import edgenas.experiment  # noqa: F401
import edgenas.hardware  # noqa: F401
