"""Adaptive micro-batching for the model server (serve.py): the requests that wait while the
model predicts are merged into its next `predict` call, and each gets its own share back.

One call at a time (user models need not be thread-safe). A model whose recent calls took under
INLINE_PREDICT_S is called on the event loop itself: handing each call to a thread and the
answer back costs more than such a call, and requests that arrive meanwhile wait in the socket
buffers and join the next call. A slower model is called on a thread of its own, so the event
loop keeps reading requests (and answering 503s and health checks) while it predicts. There is
no fixed window: under light load a request is predicted alone at once, under heavy load the batch grows to what arrived during
the previous call, up to `max_batch` instances (`wait_s` > 0 holds a lone request that long
for company). A model whose `predict` must see one request's instances alone sets
`batchable = False` (see KilnModel): its requests are predicted one by one, in order.
"""
from __future__ import annotations

import asyncio
import queue
import threading
import time
import traceback
from collections import deque
from typing import Any, Callable, Deque, List, Optional, Tuple, Union

Answer = Tuple[List[Any], List[str]]
# A request's outcome: its predictions and their ids, or the exception that answers it.
Outcome = Union[Answer, BaseException]
Deliver = Callable[[Outcome], None]


# A call that took less (on average, recently) stays on the event loop; one that took more moves to the thread.
INLINE_PREDICT_S = 0.002


class PredictionCountError(RuntimeError):
    pass


def predict_all(model: Any, instances: List[Any]) -> List[Any]:
    predictions = model.predict(instances)
    answers = predictions.tolist() if hasattr(predictions, "tolist") else list(predictions)
    if len(answers) != len(instances):
        raise PredictionCountError(f"predict returned {len(answers)} predictions for {len(instances)} instances")
    return answers


class MicroBatcher:
    """`submit(instances, deliver)` from the event loop's thread; `deliver` is called there too."""

    def __init__(
        self,
        model: Any,
        prediction_log: Any,
        loop: asyncio.AbstractEventLoop,
        max_batch: int = 256,
        wait_s: float = 0.0,
    ) -> None:
        self.model = model
        self.log = prediction_log
        self.loop = loop
        self.max_batch = max(1, max_batch)
        self.wait_s = wait_s
        self.batchable = bool(getattr(model, "batchable", True)) and self.max_batch > 1
        self.stats = {"requests": 0, "instances": 0, "predict_calls": 0}
        self._pending: Deque[Tuple[List[Any], Deliver]] = deque()
        self._pending_instances = 0
        self._busy = False
        self._timer: Optional[asyncio.TimerHandle] = None
        # Seconds a call took, averaged over the last few; unknown (so on the thread) until the first call.
        self._recent_call_s = float("inf")
        self._jobs: "queue.SimpleQueue[Optional[List[Tuple[List[Any], Deliver]]]]" = queue.SimpleQueue()
        # A daemon thread: a predict that never returns must not keep the process from exiting.
        self._thread = threading.Thread(target=self._predict_loop, name="kiln-predict", daemon=True)
        self._thread.start()

    def submit(self, instances: List[Any], deliver: Deliver) -> None:
        self._pending.append((instances, deliver))
        self._pending_instances += len(instances)
        if self._busy:
            return
        if self.wait_s > 0 and self.batchable and self._pending_instances < self.max_batch:
            if self._timer is None:
                self._timer = self.loop.call_later(self.wait_s, self._send)
            return
        self._busy = True
        # call_soon, not now: requests read in this same turn of the loop join the batch.
        self.loop.call_soon(self._send)

    def close(self) -> None:
        self._jobs.put(None)

    def _send(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._busy = True
        batch = [self._pending.popleft()]
        size = len(batch[0][0])
        while self._pending and self.batchable and size + len(self._pending[0][0]) <= self.max_batch:
            size += len(self._pending[0][0])
            batch.append(self._pending.popleft())
        self._pending_instances -= size
        if self._recent_call_s >= INLINE_PREDICT_S:
            self._jobs.put(batch)
            return
        outcomes = self._timed_predict_batch(batch)
        for (_, deliver), outcome in zip(batch, outcomes):
            deliver(outcome)
        if self._pending:
            # After the loop's next turn: requests read meanwhile join the rest.
            self.loop.call_soon(self._send)
        else:
            self._busy = False

    def _delivered(self, batch: List[Tuple[List[Any], Deliver]], outcomes: List[Outcome]) -> None:
        for (_, deliver), outcome in zip(batch, outcomes):
            deliver(outcome)
        if self._pending:
            self._send()
        else:
            self._busy = False

    def _predict_loop(self) -> None:
        while True:
            batch = self._jobs.get()
            if batch is None:
                return
            outcomes = self._timed_predict_batch(batch)
            try:
                self.loop.call_soon_threadsafe(self._delivered, batch, outcomes)
            except RuntimeError:
                return  # the loop is closed: the server is shutting down

    def _timed_predict_batch(self, batch: List[Tuple[List[Any], Deliver]]) -> List[Outcome]:
        started = time.perf_counter()
        outcomes = self._predict_batch([instances for instances, _ in batch])
        took = time.perf_counter() - started
        self._recent_call_s = took if self._recent_call_s == float("inf") else 0.75 * self._recent_call_s + 0.25 * took
        return outcomes

    def _predict_batch(self, requests: List[List[Any]]) -> List[Outcome]:
        if len(requests) == 1 or not self.batchable:
            return [self._predict_one(instances) for instances in requests]
        merged = [instance for instances in requests for instance in instances]
        try:
            answers = self._predict(merged)
        except Exception:
            # One request's bad input fails the merged call: predicting each alone gives every
            # request its own answer or its own error, with its own instance numbers.
            return [self._predict_one(instances) for instances in requests]
        self._count(len(requests), len(merged))
        ids = self.log.record(merged, answers)
        outcomes: List[Outcome] = []
        start = 0
        for instances in requests:
            end = start + len(instances)
            outcomes.append((answers[start:end], ids[start:end]))
            start = end
        return outcomes

    def _predict_one(self, instances: List[Any]) -> Outcome:
        try:
            answers = self._predict(instances)
        except Exception as e:
            if not isinstance(e, ValueError):
                traceback.print_exc()
            return e
        self._count(1, len(instances))
        return answers, self.log.record(instances, answers)

    def _predict(self, instances: List[Any]) -> List[Any]:
        self.stats["predict_calls"] += 1
        return predict_all(self.model, instances)

    def _count(self, requests: int, instances: int) -> None:
        self.stats["requests"] += requests
        self.stats["instances"] += instances
