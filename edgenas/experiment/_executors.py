"""Where candidates are evaluated: in this process, or in parallel on a Ray cluster."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edgenas.errors import ConfigError, DataError, EdgeNASError
from edgenas.spaces import Arch

__all__ = ["Outcome", "LocalExecutor", "RayExecutor", "create_executor"]

EvaluateFn = Callable[[Arch], dict[str, float]]


@dataclass
class Outcome:
    number: int
    metrics: dict[str, float]
    error: str | None
    attempts: int


# Errors that would fail every candidate alike: they stop the run instead of being stored.
FATAL = (ConfigError, DataError)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


class LocalExecutor:
    """One candidate at a time, in this process."""

    capacity = 1

    def __init__(self, evaluate: EvaluateFn) -> None:
        self.evaluate = evaluate
        self.queue: list[tuple[int, Arch]] = []

    def submit(self, number: int, arch: Arch) -> None:
        self.queue.append((number, arch))

    def wait(self) -> Outcome:
        number, arch = self.queue.pop(0)
        try:
            return Outcome(number, self.evaluate(arch), None, 1)
        except (KeyboardInterrupt, *FATAL):
            raise
        except Exception as exc:  # noqa: BLE001 - a failed candidate is stored, not fatal
            return Outcome(number, {}, _describe(exc), 1)

    def close(self) -> None:
        pass


def _ray_evaluate(evaluate: EvaluateFn, arch_json: str) -> tuple[dict[str, float], str | None, bool]:
    try:
        return evaluate(Arch.from_json(arch_json)), None, False
    except Exception as exc:  # noqa: BLE001 - reported back as a failed candidate
        return {}, _describe(exc) if not isinstance(exc, FATAL) else str(exc), isinstance(exc, FATAL)


QUIET_RAY: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}


def local_ray_options(workers: int) -> dict[str, Any]:
    """``ray.init`` options of the local instance the executor starts. Ray lowers its workers'
    priority (niceness 15) by default; here evaluating is the whole job, and a niced worker
    beside any other busy process waited ~50 s for a share of the CPU (measured on 2 cores)."""
    return QUIET_RAY | {"num_cpus": workers, "_system_config": {"worker_niceness": 0}}


class RayExecutor:
    """Up to ``workers`` candidates in flight as Ray tasks.

    ``address=None`` starts a local Ray instance with ``workers`` CPUs; ``"auto"`` (or a
    ``ray://`` URL) joins a running cluster. A task whose worker process dies is resubmitted
    (up to ``max_retries`` times) so its candidate is not lost.
    """

    def __init__(self, evaluate: EvaluateFn, *, workers: int = 2, address: str | None = None,
                 max_retries: int = 3) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError("the ray executor needs Ray: pip install 'edgenas[ray]'") from None
        self.ray = ray
        if not ray.is_initialized():
            kwargs = local_ray_options(workers) if address is None else dict(QUIET_RAY)
            try:
                ray.init(address=address, **kwargs)
            except Exception as exc:  # noqa: BLE001 - any failure to reach Ray is a user error
                raise EdgeNASError(f"cannot start or join Ray (address={address!r}): {_describe(exc)}") from None
        self.capacity = workers
        self.max_retries = max_retries
        self.task = ray.remote(num_cpus=1, max_retries=0)(_ray_evaluate)
        self.evaluate_ref = ray.put(evaluate)
        self.inflight: dict[Any, tuple[int, Arch, int]] = {}

    def submit(self, number: int, arch: Arch, attempt: int = 1) -> None:
        ref = self.task.remote(self.evaluate_ref, arch.to_json())
        self.inflight[ref] = (number, arch, attempt)

    def wait(self) -> Outcome:
        ray = self.ray
        while True:
            ready, _ = ray.wait(list(self.inflight), num_returns=1)
            ref = ready[0]
            number, arch, attempt = self.inflight.pop(ref)
            try:
                metrics, error, fatal = ray.get(ref)
                if fatal:
                    raise ConfigError(error)
                return Outcome(number, metrics, error, attempt)
            except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError) as exc:
                # the process evaluating it died: evaluate the same candidate again
                if attempt > self.max_retries:
                    return Outcome(number, {}, f"worker died {attempt} times: {_describe(exc)}", attempt)
                time.sleep(0.1)
                self.submit(number, arch, attempt + 1)
            except ray.exceptions.RayError as exc:  # e.g. the evaluator cannot be unpickled there
                return Outcome(number, {}, _describe(exc), attempt)

    def close(self) -> None:
        for ref in list(self.inflight):
            self.ray.cancel(ref, force=True)
        self.inflight.clear()


def create_executor(name: str, evaluate: EvaluateFn, *, workers: int = 2,
                    address: str | None = None) -> LocalExecutor | RayExecutor:
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    if name == "local":
        return LocalExecutor(evaluate)
    if name == "ray":
        return RayExecutor(evaluate, workers=workers, address=address)
    raise ConfigError(f"unknown executor {name!r}; choose local or ray")
