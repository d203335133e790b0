"""Peak activation memory by liveness, as MCUNet defines it for microcontrollers.

Walk the operators in execution order; a buffer is allocated when an operator first produces
it and freed after its last reader. The peak is the largest total size of live buffers at any
operator (inputs of that operator still alive, its outputs allocated). Weights are excluded,
the network input is included, the network outputs live to the end.

Two deployment facts are modelled, because a runtime for a microcontroller does them:

* elementwise operators (folded batch norm, activations, residual adds) write into a dying
  input of the same size instead of a new buffer;
* optionally (``inplace_depthwise``) a depthwise convolution overwrites its input, as
  TinyEngine does, so it needs no second buffer.

An operator may also need ``scratch`` elements only while it runs: attention's score matrix
(batch x heads x queries x keys), which a fused kernel hides from the graph but a runtime
without one materialises, counts at the attention call.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OpEvent", "peak_activation"]


@dataclass(frozen=True, slots=True)
class OpEvent:
    """One operator call reduced to what liveness needs: which buffers it reads and makes."""

    row: int
    reads: tuple[int, ...]
    makes: tuple[tuple[int, int], ...]  # (buffer key, elements)
    elementwise: bool
    depthwise: bool
    scratch: int = 0


def peak_activation(
    inputs: dict[int, int],
    events: list[OpEvent],
    outputs: set[int],
    *,
    inplace_depthwise: bool = False,
) -> tuple[int, int]:
    """Return ``(peak elements, index of the event at the peak or -1 for the input)``."""
    end = len(events)
    last_use: dict[int, int] = {}
    for i, event in enumerate(events):
        for key in event.reads:
            last_use[key] = i
    for key in outputs:
        last_use[key] = end

    live: dict[int, int] = {}
    owner: dict[int, int] = {}
    free_after: dict[int, int] = {}
    frees: dict[int, list[int]] = {}

    def schedule(buf: int, last: int) -> None:
        free_after[buf] = last
        frees.setdefault(last, []).append(buf)

    key_size = dict(inputs)
    for key, size in inputs.items():
        live[key] = size
        owner[key] = key
        schedule(key, last_use.get(key, -1))
    peak, peak_at = sum(live.values()), -1
    total = peak
    for buf in frees.pop(-1, []):  # an input nobody reads counts at the start, then is gone
        total -= live.pop(buf)

    for i, event in enumerate(events):
        for key, size in event.makes:
            key_size[key] = size
            target = None
            if event.elementwise or (inplace_depthwise and event.depthwise):
                for read in event.reads:
                    buf = owner.get(read)
                    if buf is None or buf not in live or free_after[buf] != i:
                        continue
                    if event.depthwise or key_size.get(read) == size:
                        target = buf
                        break
            if target is None:
                owner[key] = key
                live[key] = size
                total += size
                schedule(key, last_use.get(key, i))
            else:
                owner[key] = target
                schedule(target, last_use.get(key, i))
        if total + event.scratch > peak:
            peak, peak_at = total + event.scratch, i
        for buf in frees.pop(i, []):
            if buf in live and free_after[buf] == i:
                total -= live.pop(buf)
    return peak, peak_at
