"""Spans around a stage's user code, reported as stdout lines `KILN_SPAN {...}`
(core/tracing/stage-span.ts) under the parent that Kiln passes in `TRACEPARENT` (W3C).

Why lines, not an OpenTelemetry exporter: a stage's environment holds only the project's own
dependencies and often has no route to the collector, while Kiln already reads the stage's
stdout (metric lines) locally and from the pod's log; the worker turns these lines into real
spans with the ids chosen here. Without a TRACEPARENT, or with its sampled flag off, nothing is
printed.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import contextmanager
from typing import Iterator, NamedTuple, Optional

from .metrics import _lock

SPAN_LINE_PREFIX = "KILN_SPAN "
TRACEPARENT_ENV = "TRACEPARENT"
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")


class TraceParent(NamedTuple):
    trace_id: str
    span_id: str
    sampled: bool


def parse_traceparent(value: Optional[str]) -> Optional[TraceParent]:
    """The parent a traceparent names; None when malformed (core/tracing/traceparent.ts applies the same rules)."""
    match = _TRACEPARENT.match((value or "").strip())
    if not match:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest is not None):
        return None
    if set(trace_id) == {"0"} or set(span_id) == {"0"}:
        return None
    return TraceParent(trace_id, span_id, int(flags, 16) & 1 == 1)


def _emit(record: dict) -> None:
    line = SPAN_LINE_PREFIX + json.dumps(record, separators=(",", ":"))
    # Same lock as metric lines: a span line must never interleave with one.
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


@contextmanager
def span(name: str) -> Iterator[None]:
    """Records `name` as a child of the stage's span; an exception marks it failed (by class name only) and propagates."""
    parent = parse_traceparent(os.environ.get(TRACEPARENT_ENV))
    if parent is None or not parent.sampled:
        yield
        return
    record = {"name": name, "trace_id": parent.trace_id, "span_id": os.urandom(8).hex(), "parent_span_id": parent.span_id}
    start = time.time_ns()
    status, error_type = "ok", None
    try:
        yield
    except BaseException as e:  # SystemExit from a script included: the span still ends
        failed = not (isinstance(e, SystemExit) and e.code in (None, 0))
        status, error_type = ("error", type(e).__name__) if failed else ("ok", None)
        raise
    finally:
        # Nanoseconds as strings: JSON numbers lose precision past 2**53 in JavaScript.
        record.update(start_unix_nano=str(start), end_unix_nano=str(time.time_ns()), status=status)
        if error_type:
            record["error_type"] = error_type
        _emit(record)
