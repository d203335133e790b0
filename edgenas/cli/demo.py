"""`edgenas demo`: the main job on the embedded defaults."""

from __future__ import annotations

from rich.table import Table

from edgenas.cli._common import app, console
from edgenas.cli.profile_cmd import blocks_cmd, build_model

__all__ = ["demo"]


@app.command("demo")
def demo() -> None:
    """Profile the reference zoo at 224x224, then compare the building blocks."""
    from edgenas.profile import profile
    from edgenas.zoo import list_models

    table = Table(title="Reference zoo at 1x3x224x224 (MACs: conv/linear/matmul/attention, bias excluded)")
    for col in ("model", "MACs", "params", "other ops", "peak act. int8 (bytes)", "peak at"):
        table.add_column(col, justify="left" if col in ("model", "peak at") else "right")
    for name in list_models():
        p = profile(build_model(name), (1, 3, 224, 224))
        table.add_row(name, f"{p.macs:,}", f"{p.params:,}", f"{p.other_ops:,}",
                      f"{p.peak_memory_bytes:,}", p.peak_layer)
    console.print(table)
    blocks_cmd(resolution=14, nasnet_ops=13, nasnet_combiners=2, nasnet_blocks=5, json=False)
