"""The model server's prediction log: what each prediction was asked and answered, kept off
the request path.

`record()` gives every prediction an id (`<version>-<ms since epoch, hex>-<64 random bits>`: the
time finds the hour partition) and puts the sampled ones on a bounded queue; a writer thread
wakes five times a second and appends what piled up as JSON lines to segment files in a spool
directory, one folder per UTC hour, and renames a segment to `*.jsonl` once it is closed (every
few seconds, or when full). A line holds what one `record()` call logged, as columns:
`{"ts": ..., "ids": [...], "inputs": [...], "predictions": [...]}` (one JSON encoding per predict
call rather than per prediction is most of what logging costs); a call whose values JSON cannot
encode is written one prediction per line, `{"id", "ts", "input", "prediction"}`, without them.
Readers accept both (core/monitoring/prediction-log/read-predictions.ts).
Kiln ships closed segments to the artifact store and deletes them (prediction-log-shipper.ts).
A full queue or a full spool drops records and counts them: logging never delays or fails a
prediction.

Configured by the environment (all optional but the directory):
  KILN_PREDICTION_LOG_DIR         the spool directory; unset: nothing is logged, ids are still given
  KILN_MODEL_VERSION              the served version, the first part of every id
  KILN_PREDICTION_LOG_SAMPLE      share of predictions logged, 0-1 (default 1)
  KILN_PREDICTION_LOG_MAX_PER_S   records logged per second at most (default 2000)
  KILN_PREDICTION_LOG_SPOOL_MB    unshipped spool size at which records are dropped (default 256)
"""
from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple

SEGMENT_SECONDS = 2.0
SEGMENT_RECORDS = 5000
QUEUE_RECORDS = 20000
SPOOL_CHECK_SECONDS = 1.0
# The writer wakes this often and writes what piled up in one go: waking it per record would
# hand the GIL back and forth with the request threads on every prediction.
WRITE_EVERY_SECONDS = 0.2


def hour_of(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H", time.gmtime(now))


class RateCap:
    """A token bucket: at most `per_second` records, with a one-second burst."""

    def __init__(self, per_second: float, clock: Callable[[], float]) -> None:
        self.per_second = per_second
        self.tokens = per_second
        self.clock = clock
        self.last = clock()

    def take(self, now: float, wanted: int = 1) -> int:
        """How many of `wanted` records may be logged now (all or some of them)."""
        self.tokens = min(self.per_second, self.tokens + (now - self.last) * self.per_second)
        self.last = now
        granted = min(wanted, int(self.tokens))
        self.tokens -= granted
        return granted


class PredictionLog:
    def __init__(
        self,
        directory: Optional[str],
        version: str,
        sample: float = 1.0,
        max_per_second: float = 2000,
        spool_bytes: int = 256 * 1024 * 1024,
        clock: Callable[[], float] = time.time,
        rng: Optional[random.Random] = None,
    ) -> None:
        self.directory = directory
        self.version = version
        self.sample = sample
        self.spool_bytes = spool_bytes
        self.clock = clock
        self.rng = rng or random.Random()
        self.cap = RateCap(max_per_second, clock)
        self.counts = {"logged": 0, "sampled_out": 0, "rate_limited": 0, "dropped": 0}
        self._lock = threading.Lock()
        # Bounded by record(): appends and pops of a deque need no lock of their own.
        # (time, ids, inputs, predictions) of one record() call.
        self._pending: "Deque[Tuple[float, List[str], List[Any], List[Any]]]" = deque()
        self._queued = 0
        self._closing = threading.Event()
        self._spool_full = False
        self._writer: Optional[threading.Thread] = None
        if directory:
            os.makedirs(directory, exist_ok=True)
            self._writer = threading.Thread(target=self._write_loop, name="kiln-prediction-log", daemon=True)
            self._writer.start()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "PredictionLog":
        return cls(
            env.get("KILN_PREDICTION_LOG_DIR") or None,
            env.get("KILN_MODEL_VERSION") or "0",
            sample=float(env.get("KILN_PREDICTION_LOG_SAMPLE") or 1.0),
            max_per_second=float(env.get("KILN_PREDICTION_LOG_MAX_PER_S") or 2000),
            spool_bytes=int(float(env.get("KILN_PREDICTION_LOG_SPOOL_MB") or 256) * 1024 * 1024),
        )

    def record(self, instances: List[Any], predictions: List[Any]) -> List[str]:
        """An id for each prediction; the sampled ones are queued for the writer, never waited on."""
        now = self.clock()
        stamp = f"{self.version}-{int(now * 1000):x}-"
        bits = random.getrandbits
        ids = [f"{stamp}{bits(64):016x}" for _ in predictions]
        if not self.directory:
            return ids
        with self._lock:
            counts = self.counts
            if self.sample < 1:
                draw, share = self.rng.random, self.sample
                kept = [i for i in range(len(ids)) if draw() < share]
                counts["sampled_out"] += len(ids) - len(kept)
                ids_kept = [ids[i] for i in kept]
                instances = [instances[i] for i in kept]
                predictions = [predictions[i] for i in kept]
            else:
                ids_kept = ids
            wanted = len(ids_kept)
            allowed = self.cap.take(now, wanted)
            counts["rate_limited"] += wanted - allowed
            room = 0 if self._spool_full else max(0, QUEUE_RECORDS - self._queued)
            counts["dropped"] += max(0, allowed - room)
            taken = min(allowed, room)
            if taken:
                if taken < wanted:
                    ids_kept, instances, predictions = ids_kept[:taken], instances[:taken], predictions[:taken]
                # One entry per call, not per prediction: the request path stays a few list operations.
                self._pending.append((now, ids_kept, instances, predictions))
                self._queued += taken
        return ids

    def stats(self) -> Dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def close(self, timeout: float = 5.0) -> None:
        """Writes what is queued and closes the open segment (on shutdown)."""
        if self._writer:
            self._closing.set()
            self._writer.join(timeout)

    def _write_loop(self) -> None:
        segment: Optional[Any] = None
        segment_path = ""
        segment_hour = ""
        opened_at = 0.0
        written = 0
        sequence = 0
        checked_at = 0.0
        pending = self._pending
        # One encoder for every record: json.dumps with options builds a new one per call.
        encode = json.JSONEncoder(default=_plain, separators=(",", ":")).encode

        def close_segment() -> None:
            nonlocal segment
            if segment is not None:
                segment.close()
                os.replace(segment_path, segment_path[: -len(".part")])
                segment = None

        while True:
            closing = self._closing.wait(WRITE_EVERY_SECONDS)
            now = self.clock()
            if now - checked_at >= SPOOL_CHECK_SECONDS:
                checked_at = now
                self._spool_full = spool_size(self.directory or "") >= self.spool_bytes
            if segment is not None and (now - opened_at >= SEGMENT_SECONDS or written >= SEGMENT_RECORDS):
                close_segment()
            lines: List[str] = []
            counted: List[int] = []  # records on each line
            logged = dropped = 0

            def write_lines() -> None:
                # One write per batch; flushed, so what is written reaches the file (and the spool's measured size).
                nonlocal lines, counted, logged, dropped
                if segment is not None and lines:
                    try:
                        segment.write("".join(lines))
                        segment.flush()
                        logged += sum(counted)
                    except OSError:
                        dropped += sum(counted)
                lines, counted = [], []

            while pending:
                ts, ids, inputs, predictions = pending.popleft()
                with self._lock:
                    self._queued -= len(ids)
                hour = hour_of(ts)
                if segment is not None and (hour != segment_hour or written >= SEGMENT_RECORDS):
                    write_lines()
                    close_segment()
                if segment is None:
                    sequence += 1
                    folder = os.path.join(self.directory or "", hour)
                    os.makedirs(folder, exist_ok=True)
                    segment_path = os.path.join(folder, f"{os.getpid()}-{int(now * 1000):x}-{sequence}.jsonl.part")
                    segment = open(segment_path, "a", encoding="utf-8")
                    segment_hour, opened_at, written = hour, now, 0
                try:
                    lines.append(encode({"ts": ts, "ids": ids, "inputs": inputs, "predictions": predictions}) + "\n")
                    counted.append(len(ids))
                    written += len(ids)
                except (TypeError, ValueError):
                    # Some value JSON cannot encode: log the others one per line, drop that one.
                    for pid, instance, prediction in zip(ids, inputs, predictions):
                        try:
                            lines.append(encode({"id": pid, "ts": ts, "input": instance, "prediction": prediction}) + "\n")
                            counted.append(1)
                            written += 1
                        except (TypeError, ValueError):
                            dropped += 1
            write_lines()
            with self._lock:
                self.counts["logged"] += logged
                self.counts["dropped"] += dropped
            if closing:
                close_segment()
                return


def spool_size(directory: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def _plain(value: Any) -> Any:
    # numpy arrays and scalars, as the server's own JSON encoding does.
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
