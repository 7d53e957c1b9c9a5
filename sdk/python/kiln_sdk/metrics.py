"""The one metric log format (core/runner/metric-line.ts): a stdout line
`KILN_METRIC {"name":"loss","value":0.31,"step":120,"epoch":2}`. Kiln parses these lines
out of the stage's output, so nothing else is needed to record a metric."""
from __future__ import annotations

import json
import math
import numbers
import sys
import threading
from typing import Mapping, Optional

METRIC_LINE_PREFIX = "KILN_METRIC "
_MAX_NAME = 200  # metric-line.ts rejects longer names
# One write per line under a lock: lines logged from several threads must never interleave.
_lock = threading.Lock()


def _check_index(label: str, value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"metric {label}: expected an integer >= 0, got {value!r}")
    return int(value)


def format_metric_line(name: str, value: float, step: Optional[int] = None, epoch: Optional[int] = None) -> str:
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
    return METRIC_LINE_PREFIX + json.dumps(point, separators=(",", ":"), allow_nan=False)


def log_metric(name: str, value: float, step: Optional[int] = None, epoch: Optional[int] = None) -> None:
    line = format_metric_line(name, value, step, epoch)
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log_metrics(values: Mapping[str, float], step: Optional[int] = None, epoch: Optional[int] = None) -> None:
    # Validate all first so a bad value does not leave half of the batch logged.
    lines = [format_metric_line(name, value, step, epoch) for name, value in values.items()]
    with _lock:
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()
