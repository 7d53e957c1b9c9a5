"""The one metric log format (core/runner/metric-line.ts): a stdout line
`KILN_METRIC {"name":"loss","value":0.31,"step":120,"epoch":2}`. Kiln parses these lines
out of the stage's output, so nothing else is needed to record a metric.

In a workspace (KILN_WORKSPACE_METRICS_FILE set, by `kiln_sdk.workspace lab` for its kernels)
each point is also appended to that file as one JSON line, the same point plus `time` (epoch
ms): core/workspaces/notebook-metrics.ts reads it into the metadata store."""
from __future__ import annotations

import json
import math
import numbers
import os
import sys
import threading
import time
from typing import List, Mapping, Optional

METRIC_LINE_PREFIX = "KILN_METRIC "
# Must match core/workspaces/notebook-metrics.ts.
WORKSPACE_METRICS_FILE_ENV = "KILN_WORKSPACE_METRICS_FILE"
WORKSPACE_METRICS_PATH = ".kiln/metrics.jsonl"
_MAX_NAME = 200  # metric-line.ts rejects longer names
# One write per line under a lock: lines logged from several threads must never interleave.
_lock = threading.Lock()


def _check_index(label: str, value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"metric {label}: expected an integer >= 0, got {value!r}")
    return int(value)


def _metric_point(name: str, value: float, step: Optional[int], epoch: Optional[int]) -> dict:
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        raise ValueError(f"metric name: expected a non-empty string of at most {_MAX_NAME} characters, got {name!r}")
    # numbers.Real also admits numpy scalars, which training code hands over all the time.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"metric {name}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"metric {name}: value must be finite, got {value!r}")
    point = {"name": name, "value": value}
    step, epoch = _check_index("step", step), _check_index("epoch", epoch)
    if step is not None:
        point["step"] = step
    if epoch is not None:
        point["epoch"] = epoch
    return point


def _dumps(point: dict) -> str:
    return json.dumps(point, separators=(",", ":"), allow_nan=False)


def format_metric_line(name: str, value: float, step: Optional[int] = None, epoch: Optional[int] = None) -> str:
    return METRIC_LINE_PREFIX + _dumps(_metric_point(name, value, step, epoch))


def _append_to_workspace_file(points: List[dict]) -> None:
    path = os.environ.get(WORKSPACE_METRICS_FILE_ENV)
    if not path:
        return
    now = int(time.time() * 1000)
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        # O_APPEND and one write per line: a line is never torn or interleaved with another
        # process's (a second kernel), and a reader never sees half of it followed by more.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            for point in points:
                os.write(fd, (_dumps({**point, "time": now}) + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as error:
        # The printed line stands; a full disk must not stop the notebook's training loop.
        sys.stderr.write(f"kiln_sdk: could not record metrics in {path}: {error}\n")


def _log(points: List[dict]) -> None:
    with _lock:
        sys.stdout.write("".join(METRIC_LINE_PREFIX + _dumps(point) + "\n" for point in points))
        sys.stdout.flush()
        _append_to_workspace_file(points)


def log_metric(name: str, value: float, step: Optional[int] = None, epoch: Optional[int] = None) -> None:
    _log([_metric_point(name, value, step, epoch)])


def log_metrics(values: Mapping[str, float], step: Optional[int] = None, epoch: Optional[int] = None) -> None:
    # Validate all first so a bad value does not leave half of the batch logged.
    _log([_metric_point(name, value, step, epoch) for name, value in values.items()])
