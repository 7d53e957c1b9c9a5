"""`python -m kiln_sdk.stage`: runs one pipeline stage of the user's code per the run contract.

Exit codes: 0 success; 2 the stage was started wrongly or the params are invalid (the
message alone on stderr, as `kiln: ...`, since a traceback would only hide it); 1 the user's
code failed (traceback on stderr). A script entrypoint's own sys.exit code passes through.
"""
from __future__ import annotations

import inspect
import json
import math
import numbers
import os
import runpy
import signal
import sys
import threading
import time
import traceback
from typing import Any, Dict

from .contract import RUN_CONTRACT_ENV, STAGES, Context, ContractError
from .entrypoint import Entrypoint, load_entrypoint_target, parse_entrypoint
from .metrics import log_metrics
from .model import KilnModel
from .tracing import span

METRICS_FILE = "metrics.json"
PARENT_POLL_SECONDS = 0.5


def _watch_parent(parent: int, poll_seconds: float = PARENT_POLL_SECONDS) -> None:
    """Kills this stage's process group once the worker that started it is gone.

    Kiln starts each stage as its own process group, so a SIGKILLed worker would leave it
    training, unseen, on its own; this makes the stage die with its worker within a poll.
    """
    while os.getppid() == parent:
        time.sleep(poll_seconds)
    try:
        print(f"kiln: worker process {parent} is gone; stopping this stage", file=sys.stderr, flush=True)
    except OSError:
        pass  # the worker held the other end of stderr: usually a broken pipe by now
    if os.getpgid(0) == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


def start_parent_watchdog() -> None:
    parent = os.getppid()
    # Started by init, or already orphaned: there is no parent to outlive.
    if parent > 1:
        threading.Thread(target=_watch_parent, args=(parent,), name="kiln-parent-watchdog", daemon=True).start()


def _check_metrics(result: Any, origin: str) -> Dict[str, float]:
    if not isinstance(result, dict):
        raise TypeError(f"{origin} must return a dict of metric name -> number, got {type(result).__name__}")
    for name, value in result.items():
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
        if not isinstance(name, str) or not ok:
            raise ValueError(f"{origin}: metric {name!r} must map a name to a finite number, got {value!r}")
    return {name: float(value) for name, value in result.items()}


def _record_metrics(ctx: Context, metrics: Dict[str, float]) -> None:
    log_metrics(metrics)
    # Also as a file: it travels with the stage's outputs, so a run's results survive without its log.
    with open(os.path.join(ctx.output_dir, METRICS_FILE), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)


def run_model_stage(cls: type, ctx: Context) -> None:
    if ctx.stage == "preprocess":
        cls().preprocess(ctx)
    elif ctx.stage == "train":
        model = cls()
        model.train(ctx)
        model.save_model(ctx.output_dir)
    else:
        model = cls.load_model(ctx.input_dir("train"))
        _record_metrics(ctx, _check_metrics(model.evaluate(ctx), f"{cls.__name__}.evaluate"))


def run_stage(ctx: Context) -> None:
    if ctx.stage not in STAGES:
        raise ContractError(f"{RUN_CONTRACT_ENV['stage']}: expected one of {', '.join(STAGES)}, got {ctx.stage!r}")
    os.makedirs(ctx.output_dir, exist_ok=True)
    os.makedirs(ctx.checkpoint_dir, exist_ok=True)
    ep = parse_entrypoint(ctx.entrypoint, ctx.source_dir)
    # One span per stage's user code (preprocess, train, evaluate), below the worker's stage span.
    with span(ctx.stage):
        _run_entrypoint(ep, ctx)


def _run_entrypoint(ep: Entrypoint, ctx: Context) -> None:
    if ep.attr is None:
        # A plain script reads the contract itself (Context.from_env()); its argv is just its path.
        sys.argv = [ep.path]
        if ctx.source_dir not in sys.path:
            sys.path.insert(0, ctx.source_dir)
        runpy.run_path(ep.path, run_name="__main__")
        return
    target = load_entrypoint_target(ep, ctx.source_dir)
    if inspect.isclass(target) and issubclass(target, KilnModel):
        run_model_stage(target, ctx)
    elif callable(target) and not inspect.isclass(target):
        result = target(ctx)
        if ctx.stage == "evaluate" and result is not None:
            _record_metrics(ctx, _check_metrics(result, f"{ep.attr}()"))
    else:
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: {ep.attr} must be a function or a KilnModel subclass")


def main() -> int:
    # The source dir is a content-addressed snapshot: importing user code must not add __pycache__ to it.
    sys.dont_write_bytecode = True
    # Line-buffered so user prints and metric lines reach Kiln in order and promptly.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True)
    start_parent_watchdog()
    raw = {key: os.environ.get(RUN_CONTRACT_ENV[key]) or "?" for key in ("stage", "attempt", "entrypoint")}
    print(f"kiln: stage {raw['stage']} attempt {raw['attempt']} entrypoint {raw['entrypoint']}", flush=True)
    try:
        run_stage(Context.from_env())
    except ContractError as e:
        print(f"kiln: {e}", file=sys.stderr, flush=True)
        return 2
    except Exception:  # user code: anything it raises fails the stage, with its traceback
        traceback.print_exc()
        sys.stderr.flush()
        return 1
    return 0


def _record_exit(code: int) -> None:
    # In a pod, the sidecar that stores outputs learns from this file whether the stage succeeded.
    path = os.environ.get("KILN_EXIT_FILE")
    if path:
        with open(path + ".tmp", "w") as f:
            f.write(str(code))
        os.replace(path + ".tmp", path)


if __name__ == "__main__":
    code = main()
    _record_exit(code)
    sys.exit(code)
