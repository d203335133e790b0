"""`edgenas train`: train one architecture of a space from scratch."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path

import typer

from edgenas.cli._common import (
    app,
    check_output,
    console,
    parse_arch,
    parse_json_object,
    print_json,
    progress,
)

__all__ = ["train", "SMALL_IMAGES"]

SMALL_IMAGES = {"resolutions": [32], "widths": [0.5]}  # mbconv sized for Fashion-MNIST / CIFAR images


@app.command("train")
def train(
    space: str = typer.Option("mbconv"),
    arch: str = typer.Option("default", help="the space's string form (JSON for mbconv), random:SEED, or default "
                             "(the first value of every choice)"),
    dataset: str = typer.Option("fashion-mnist", help="fashion-mnist[:DIR], digits, scenes[:SOURCE] (segmentation), "
                                 "cifar10:PATH, imagefolder:PATH, npz:PATH"),
    epochs: int = typer.Option(10, min=1),
    lr: float = typer.Option(0.05),
    optimizer: str = typer.Option("sgd", help="sgd or adamw"),
    batch_size: int = typer.Option(64, min=1),
    label_smoothing: float = typer.Option(0.1, min=0, max=1),
    seed: int = typer.Option(0, min=0),
    space_config: str = typer.Option(None, help='space options as JSON (mbconv default: '
                                     '\'{"resolutions": [32], "widths": [0.5]}\', sized for 28-32 px images)'),
    checkpoint: Path = typer.Option(None, help="checkpoint every epoch here; an existing one is resumed"),
    save_weights: Path = typer.Option(None, help="write the trained network (weights, space, arch) here, for "
                                      "`edgenas export --weights`"),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Train ARCH on DATASET with the cosine schedule; checkpointed and resumable."""
    import torch

    from edgenas.data import check_dataset, load_dataset
    from edgenas.estimate.train import TrainConfig, Trainer
    from edgenas.spaces import create_space

    if space_config is None:
        space_config = jsonlib.dumps(SMALL_IMAGES) if space == "mbconv" else "{}"
    kwargs = parse_json_object(space_config, "--space-config")
    if checkpoint is not None:
        check_output(checkpoint, "--checkpoint")
    if save_weights is not None:
        check_output(save_weights, "--save-weights", (".pt",))
    config = TrainConfig(epochs=epochs, lr=lr, optimizer=optimizer, batch_size=batch_size,
                         label_smoothing=label_smoothing, seed=seed)
    check_dataset(dataset)
    sp = create_space(space, **kwargs)
    a = parse_arch(sp, arch)
    shape = sp.input_shape(a)
    data = load_dataset(dataset, resolution=shape[-1], channels=shape[1], seed=seed)
    data.expect(sp.task, f"the {sp.name} space's network")
    torch.manual_seed(seed)
    model = sp.build(a, num_classes=data.num_classes)
    with progress(f"training {epochs} epochs", json) as bar:
        task = bar.add_task("t", total=epochs)
        result = Trainer(config, checkpoint).fit(
            model, data, progress=lambda e, t, row: bar.update(task, completed=e))
    if save_weights is not None:
        from edgenas.atomic import atomic_write

        saved = {"space": sp.name, "space_config": kwargs, "arch": sp.format(a), "num_classes": data.num_classes,
                 "dataset": dataset, "state_dict": model.state_dict()}
        atomic_write(save_weights, lambda tmp: torch.save(saved, tmp))
    out = {"arch": sp.format(a), "val_accuracy": 100 * result.val_accuracy,
           "test_accuracy": 100 * result.test_accuracy, "seconds": result.seconds, "history": result.history}
    if result.val_miou is not None:
        out |= {"val_miou": 100 * result.val_miou, "test_miou": 100 * result.test_miou}
    if json:
        print_json(out)
        return
    for row in result.history:
        console.print(f"epoch {row['epoch']:>3}: loss {row['loss']:.4f}  val {100 * row['val_accuracy']:.2f}%")
    scores = (f"validation mIoU {out['val_miou']:.2f}%, test mIoU {out['test_miou']:.2f}% (pixel accuracy "
              f"{out['test_accuracy']:.2f}%)" if "val_miou" in out
              else f"validation {out['val_accuracy']:.2f}%, test {out['test_accuracy']:.2f}%")
    console.print(f"{sp.format(a)}\n{scores} ({result.seconds:.1f} s)")
