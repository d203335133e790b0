"""A dense-prediction task without downloads: scenes composed from classification images.

Each scene is a canvas with two or three items (digits or Fashion-MNIST pictures) pasted at
random places, later items on top; every pixel is labelled with the class of the item that
covers it (class + 1) or 0 for background. Items for the test scenes come only from the source's
test images, so no item is seen in training and test. Composition is deterministic in the seed.
Scores: pixel accuracy and mean intersection-over-union (`confusion`, `mean_iou`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["compose_scenes", "confusion", "mean_iou", "ITEM_FRACTION", "MAX_SCENES"]

ITEM_FRACTION = 7 / 16  # an item's side as a share of the canvas (28 px items on a 64 px canvas)
FOREGROUND = 0.2  # an item covers the pixels where its intensity (0..1) is above this
MAX_SCENES = 6000  # scenes per pool at most: 64 px scenes take 16 KB each


def compose_scenes(images: np.ndarray, labels: np.ndarray, count: int, canvas: int, seed: int,
                   items: tuple[int, int] = (2, 3)) -> tuple[np.ndarray, np.ndarray]:
    """``count`` scenes (N, 1, canvas, canvas) float32 in [0, 1] and their per-pixel labels
    (N, canvas, canvas) int64, from single-channel ``images`` (M, 1, h, w) in [0, 1]."""
    rng = np.random.default_rng(seed)
    side = max(4, round(ITEM_FRACTION * canvas))
    resized = F.interpolate(torch.as_tensor(images, dtype=torch.float32), size=(side, side), mode="bilinear",
                            align_corners=False).clamp_(0, 1)[:, 0].numpy()
    x = np.zeros((count, 1, canvas, canvas), dtype=np.float32)
    y = np.zeros((count, canvas, canvas), dtype=np.int64)
    for n in range(count):
        for _ in range(int(rng.integers(items[0], items[1] + 1))):
            k = int(rng.integers(len(resized)))
            top, left = (int(v) for v in rng.integers(0, canvas - side + 1, size=2))
            mask = resized[k] > FOREGROUND
            window = (slice(top, top + side), slice(left, left + side))
            x[n, 0][window][mask] = resized[k][mask]
            y[n][window][mask] = int(labels[k]) + 1
    return x, y


def confusion(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Pixel counts (true class, predicted class), summed over a batch."""
    index = target.reshape(-1) * num_classes + pred.reshape(-1)
    return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def mean_iou(matrix: torch.Tensor) -> float:
    """Mean over classes that occur (in truth or prediction) of intersection / union."""
    matrix = matrix.double()
    inter = matrix.diag()
    union = matrix.sum(0) + matrix.sum(1) - inter
    present = union > 0
    return float((inter[present] / union[present]).mean()) if present.any() else 0.0
