"""Datasets from local sources only, with deterministic train / validation / test splits.

* ``digits`` (default): scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10
  classes), upsampled (bilinear) to the requested resolution and replicated to the requested
  channels, scaled to [0, 1] and standardised.
* ``fashion-mnist`` or ``fashion-mnist:DIR``: Zalando's Fashion-MNIST (70,000 28x28 images, 10
  classes) from the four idx files (``train-images-idx3-ubyte[.gz]`` ...), by default where
  Debian's ``dataset-fashion-mnist`` package puts them. Its official 10,000-image test set is
  the test split. The default where accuracy decides: small CNNs reach 88-94%, and
  networks differ.
* ``cifar10:PATH``: the standard CIFAR-10 python batches (``data_batch_1..5``, ``test_batch``)
  in a local folder, read by an unpickler that admits only what the format holds.
* ``imagefolder:PATH``: one sub-folder per class of image files (needs Pillow).
* ``npz:PATH``: arrays ``x`` (N, C, H, W) or (N, H, W[, C]) and ``y`` (N,).
* ``scenes[:SOURCE]``: a segmentation task (per-pixel labels, class 0 background) composed
  from ``digits`` (default) or ``fashion-mnist[:DIR]`` items on a canvas of the requested
  resolution (default 64), see `edgenas.data.scenes`.

A bare existing path is recognised by its contents. Nothing is ever downloaded: a missing or
malformed path is a `DataError` saying what was expected.
"""

from __future__ import annotations

import gzip
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from edgenas.errors import ConfigError, DataError

__all__ = ["Dataset", "load_dataset", "check_dataset", "dataset_kind", "proxy_batch", "FASHION_MNIST_DIR", "DATASETS"]

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
DATASETS = "digits, fashion-mnist[:DIR], scenes[:digits|fashion-mnist[:DIR]], cifar10:PATH, imagefolder:PATH, npz:PATH"


@dataclass
class Dataset:
    """Tensors of a split dataset: ``x_*`` float (N, C, H, W), ``y_*`` long (N,) for
    classification or (N, H, W) for segmentation (one class per pixel)."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def task(self) -> str:
        """``classification`` or ``segmentation`` (labels per pixel)."""
        return "segmentation" if self.y_train.dim() == 3 else "classification"

    def expect(self, task: str, what: str) -> None:
        """Fail in one line where ``what`` (a network, a supernet) is built for the other task:
        a classifier fed per-pixel labels, or the reverse, fails deep inside the loss."""
        if task != self.task:
            fix = "scenes:fashion-mnist or scenes:digits" if task == "segmentation" else "fashion-mnist or digits"
            raise ConfigError(f"{what} {'labels every pixel' if task == 'segmentation' else 'classifies images'}, "
                              f"but {self.name} is a {self.task} dataset; give {fix}")

    def batch(self, size: int, seed: int = 0, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
        """A deterministic random batch of ``size`` examples from a split."""
        x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
        idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:size]
        return x[idx], y[idx]


def _resize(x: torch.Tensor, resolution: int | None, channels: int | None) -> torch.Tensor:
    if resolution is not None and x.shape[-1] != resolution:
        x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
    if channels is not None and x.shape[1] != channels:
        if x.shape[1] != 1:
            raise DataError(f"cannot turn {x.shape[1]}-channel images into {channels} channels")
        x = x.expand(-1, channels, -1, -1)  # a view: batches are copied when indexed
    return x


def _split(name: str, x: np.ndarray, y: np.ndarray, seed: int, val_fraction: float, test_fraction: float,
           resolution: int | None, channels: int | None, test: tuple[np.ndarray, np.ndarray] | None = None,
           ) -> Dataset:
    if len(x) != len(y) or len(x) == 0:
        raise DataError(f"{name}: {len(x)} images but {len(y)} labels")
    for what, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < value < 1:
            raise DataError(f"{name}: {what} must be between 0 and 1, got {value}")
    y = _labels(name, y)
    if test is not None:
        test = (test[0], _labels(f"{name} test set", test[1]))
    if not np.isfinite(x).all():
        raise DataError(f"{name}: the images contain NaN or infinite values; clean the data first")
    xt = torch.as_tensor(x, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.long)
    order = torch.randperm(len(xt), generator=torch.Generator().manual_seed(seed))
    n_test = 0 if test is not None else int(round(test_fraction * len(xt)))
    n_val = int(round(val_fraction * len(xt)))
    if min(n_val, len(xt) - n_test - n_val) < 1 or (test is None and n_test < 1):
        raise DataError(f"{name}: {len(xt)} samples are too few for train / validation / test splits "
                        f"({val_fraction:g} / {test_fraction:g} of them); give more samples")
    te, va, tr = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    if test is not None:
        x_test, y_test = torch.as_tensor(test[0], dtype=torch.float32), torch.as_tensor(test[1], dtype=torch.long)
    else:
        x_test, y_test = xt[te], yt[te]
    mean = xt[tr].mean(dim=(0, 2, 3), keepdim=True)
    std = xt[tr].std(dim=(0, 2, 3), keepdim=True) + 1e-6

    def prep(t: torch.Tensor) -> torch.Tensor:
        return _resize((t - mean) / std, resolution, channels)

    classes = int(max(yt.max(), y_test.max())) + 1
    return Dataset(name, prep(xt[tr]), yt[tr], prep(xt[va]), yt[va], prep(x_test), y_test, classes)


def _labels(name: str, y: np.ndarray) -> np.ndarray:
    """Integer class labels 0..K-1, or a `DataError` naming the first bad one."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{name}: labels must be one integer per sample, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.issubdtype(y.dtype, np.floating) or not np.isfinite(y).all() or (y != np.round(y)).any():
            bad = next((v for v in y.tolist() if not isinstance(v, (int, float)) or v != round(v)), y[0])
            raise DataError(f"{name}: labels must be integer class indices, found {bad!r}; "
                            "store class numbers 0..K-1, not scores or one-hot rows")
    y = y.astype(np.int64)
    if len(y) and y.min() < 0:
        raise DataError(f"{name}: label {int(y.min())} is negative; classes are numbered 0..K-1")
    return y


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return (bunch.images[:, None] / 16.0).astype(np.float32), bunch.target


class _CifarUnpickler(pickle.Unpickler):
    """Admits only what a CIFAR batch holds: containers, bytes, numbers and numpy arrays.

    Any other global (``os.system``, ``builtins.eval``...) is refused, so a planted file
    cannot run code when it is opened."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
        ("builtins", "list"), ("builtins", "dict"), ("builtins", "bytes"), ("builtins", "bytearray"),
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise DataError(f"refusing {module}.{name}: a CIFAR-10 batch holds only arrays, lists and numbers")


def safe_unpickle(raw: bytes) -> object:
    """Load pickled *plain data* (see `_CifarUnpickler`); anything that would run code is refused."""
    return _CifarUnpickler(io.BytesIO(raw), encoding="bytes").load()


def _cifar10(path: Path) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    files = [path / f"data_batch_{i}" for i in range(1, 6)]
    if not all(f.is_file() for f in files) or not (path / "test_batch").is_file():
        raise DataError(f"{path} does not hold the CIFAR-10 python batches (data_batch_1..5, test_batch)")

    def read(f: Path) -> tuple[np.ndarray, np.ndarray]:
        try:
            d = safe_unpickle(f.read_bytes())
            return np.asarray(d[b"data"], dtype=np.float32).reshape(-1, 3, 32, 32) / 255.0, np.asarray(d[b"labels"])
        except DataError as exc:
            raise DataError(f"{f}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - a broken file is a data error
            raise DataError(f"{f} is not a CIFAR-10 batch ({type(exc).__name__})") from None

    parts = [read(f) for f in files]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), read(path / "test_batch")


_IDX = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _read_idx(folder: Path, stem: str, dims: int) -> np.ndarray:
    """One idx file (plain or .gz): magic 0x0000 0x08 dims, big-endian sizes, uint8 data."""
    candidates = [folder / f"{stem}.gz", folder / stem]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise DataError(f"Fashion-MNIST file {stem}[.gz] is missing in {folder}; install it with "
                        "`apt-get install dataset-fashion-mnist` or give fashion-mnist:DIR")
    try:
        raw = path.read_bytes()
        raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"{path} cannot be read ({exc}); reinstall dataset-fashion-mnist") from None
    if len(raw) < 4 + 4 * dims or raw[:3] != b"\x00\x00\x08" or raw[3] != dims:
        raise DataError(f"{path} is not an idx file of {dims}-d uint8 data (bad header)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    body = raw[4 + 4 * dims:]
    if len(body) != int(np.prod(shape)):
        raise DataError(f"{path} is truncated: header says {shape} but holds {len(body)} bytes")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def _fashion_mnist(folder: Path) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    parts = {}
    for split, (images, labels) in _IDX.items():
        x, y = _read_idx(folder, images, 3), _read_idx(folder, labels, 1)
        if len(x) != len(y):
            raise DataError(f"{folder}: {len(x)} {split} images but {len(y)} labels")
        parts[split] = ((x[:, None] / 255.0).astype(np.float32), y.astype(np.int64))
    return (*parts["train"], parts["test"])


def _npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        data = np.load(path, allow_pickle=False)
        x, y = data["x"], data["y"]
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"{path} is not an .npz with arrays 'x' and 'y' ({type(exc).__name__}: {exc})") from None
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    if x.ndim != 4:
        raise DataError(f"{path}: x must be (N, C, H, W) or (N, H, W[, C]), got shape {x.shape}")
    if not (np.issubdtype(x.dtype, np.number) and np.issubdtype(y.dtype, np.number)):
        raise DataError(f"{path}: x and y must be numeric arrays, got {x.dtype} and {y.dtype}")
    x = x.astype(np.float32)
    if x.size and np.nanmax(x) > 1.5:
        x = x / 255.0
    return x, y  # labels are checked with the split


def _imagefolder(path: Path, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        from PIL import Image
    except ImportError:
        raise DataError("reading an ImageFolder needs Pillow: pip install pillow") from None
    classes = sorted(d for d in path.iterdir() if d.is_dir())
    if not classes:
        raise DataError(f"{path} has no class sub-folders (expected PATH/CLASS/IMAGE.png)")
    xs, ys = [], []
    for label, folder in enumerate(classes):
        for f in sorted(folder.iterdir()):
            if f.suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp"):
                continue
            try:
                img = Image.open(f).convert("RGB").resize((resolution, resolution))
            except (OSError, ValueError) as exc:  # PIL's UnidentifiedImageError is an OSError
                raise DataError(f"{f} is not a readable image ({type(exc).__name__}); remove it or replace it") from None
            xs.append(np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0)
            ys.append(label)
    if not xs:
        raise DataError(f"{path}: no images found in its class folders")
    return np.stack(xs), np.array(ys)


def _resolve(spec: str) -> tuple[str, Path | None]:
    """(kind, path) named by ``spec``, or a one-line `DataError` when it names nothing here.
    A bare path is recognised by its contents. Cheap: looks at paths, reads no data."""
    kind, _, rest = spec.partition(":")
    if kind == "digits" and not rest:
        return "digits", None
    if kind == "scenes":
        source = _resolve(rest or "digits")
        if source[0] not in ("digits", "fashion-mnist"):
            raise DataError(f"dataset {spec!r}: scenes are composed from digits or fashion-mnist[:DIR], "
                            f"not {source[0]}")
        return "scenes", source[1]
    if kind == "fashion-mnist":
        folder = Path(rest or FASHION_MNIST_DIR)
        if not any(folder.glob("train-images-idx3-ubyte*")):
            raise DataError(f"Fashion-MNIST is not in {folder}; install it with `apt-get install "
                            "dataset-fashion-mnist` (as root) or give fashion-mnist:DIR with the four idx files")
        return kind, folder
    if not rest:
        path = Path(spec)
        if not path.exists():
            raise DataError(f"dataset {spec!r}: no such file or folder (give {DATASETS} or an existing path); "
                            "edgenas never downloads data")
        return ("npz" if path.suffix == ".npz" else "cifar10" if (path / "data_batch_1").exists()
                else "fashion-mnist" if any(path.glob("train-images-idx3-ubyte*")) else "imagefolder"), path
    if kind not in ("cifar10", "npz", "imagefolder"):
        raise DataError(f"dataset {spec!r}: unknown kind {kind!r}; use {DATASETS}")
    if not Path(rest).exists():
        raise DataError(f"dataset path {rest!r} does not exist; edgenas never downloads data")
    return kind, Path(rest)


def check_dataset(spec: str) -> str:
    """Fail now, not at the first evaluation, when ``spec`` names no dataset that exists here."""
    _resolve(spec)
    return spec


def dataset_kind(spec: str) -> str | None:
    """Which images ``spec`` names, whatever their folder (``fashion-mnist`` and
    ``fashion-mnist:DIR`` alike; scenes with their source): to tell a network's training data
    from other data. None where that cannot be told here (a path this machine lacks)."""
    try:
        kind, _ = _resolve(spec)
    except DataError:
        return None
    if kind == "scenes":
        return f"scenes:{dataset_kind(spec.partition(':')[2] or 'digits')}"
    return kind


def load_dataset(spec: str = "digits", *, resolution: int | None = None, channels: int | None = 3,
                 seed: int = 0, val_fraction: float = 0.15, test_fraction: float = 0.15) -> Dataset:
    """Load ``spec`` (see module docstring) with a split determined by ``seed``."""
    kind, path = _resolve(spec)
    split = dict(seed=seed, val_fraction=val_fraction, test_fraction=test_fraction,
                 resolution=resolution, channels=channels)
    if kind == "digits":
        x, y = _digits()
        return _split("digits", x, y, **split)
    if kind == "fashion-mnist":
        x, y, test = _fashion_mnist(path)
        return _split("fashion-mnist", x, y, test=test, **split)
    if kind == "cifar10":
        x, y, test = _cifar10(path)
        return _split("cifar10", x, y, test=test, **split)
    if kind == "npz":
        x, y = _npz(path)
        return _split(path.name, x, y, **split)
    if kind == "scenes":
        return _scenes(spec, path, resolution or 64, channels, seed, val_fraction, test_fraction)
    x, y = _imagefolder(path, resolution or 32)
    return _split(path.name, x, y, **split)


def _scenes(spec: str, path: Path | None, canvas: int, channels: int | None, seed: int, val_fraction: float,
            test_fraction: float) -> Dataset:
    """Scenes from the source's training items (train and validation) and, separately, from its
    test items (the official test set, or a held-out ``test_fraction`` of digits)."""
    from edgenas.data.scenes import MAX_SCENES, compose_scenes

    if path is None:
        x, y = _digits()
        order = np.random.default_rng(seed).permutation(len(x))
        n_test = max(1, round(test_fraction * len(x)))
        x, y, test = x[order[n_test:]], y[order[n_test:]], (x[order[:n_test]], y[order[:n_test]])
    else:
        x, y, test = _fashion_mnist(path)
    n_train, n_test = min(len(x), MAX_SCENES), min(len(test[0]), MAX_SCENES // 6)
    n_val = round(val_fraction * n_train)
    if canvas < 8 or n_val < 1 or n_train - n_val < 1:
        raise DataError(f"{spec}: {n_train} scenes of {canvas} px are too few or too small; "
                        "use a resolution of 8 or more and more source images")
    xs, ys = compose_scenes(x, y, n_train, canvas, seed)
    xt, yt = compose_scenes(test[0], test[1], n_test, canvas, seed + 1)
    xs, ys, xt, yt = (torch.as_tensor(a) for a in (xs, ys, xt, yt))
    mean, std = xs[n_val:].mean(), xs[n_val:].std() + 1e-6

    def prep(t: torch.Tensor) -> torch.Tensor:
        return _resize((t - mean) / std, None, channels)

    classes = int(max(y.max(), test[1].max())) + 2  # items' classes + 1, and background 0
    return Dataset(spec, prep(xs[n_val:]), ys[n_val:], prep(xs[:n_val]), ys[:n_val], prep(xt), yt, classes)


def proxy_batch(source: str, size: int, shape: tuple[int, int, int], seed: int = 0,
                num_classes: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch for zero-cost proxies: ``noise`` (Gaussian images, random labels) or a dataset."""
    gen = torch.Generator().manual_seed(seed)
    if source == "noise":
        return torch.randn(size, *shape, generator=gen), torch.randint(0, num_classes, (size,), generator=gen)
    data = load_dataset(source, resolution=shape[-1], channels=shape[0], seed=0)
    x, y = data.batch(size, seed=seed)
    return x, y % num_classes
