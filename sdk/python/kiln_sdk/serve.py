"""`python -m kiln_sdk.serve`: serves a saved model over HTTP/1.1 with the standard library only,
so the serving venv needs nothing beyond the model's own dependencies.

GET /health -> {"status":"ok","model_dir":...,"prediction_log":{...},"server":{...}}
POST /predict {"instances": [[...], ...] | [{"feature": value, ...}, ...]}
  -> {"predictions": [...], "prediction_ids": [...]} (each logged per prediction_log.py)
POST /predict/many: several /predict bodies, one per line -> their answers (serve_many.py)
Prints `KILN_SERVING port=<n>` once listening (KILN_SERVE_PORT=0 picks a free port).

One event loop reads and answers requests on keep-alive connections (serve_http.py); the model
predicts one call at a time, merging the requests that wait into one `predict` call, on the loop
when its calls are quick and on a thread of its own when they are not (serve_batch.py). Settings,
all optional (Kiln sets them from the project's `serve`, core/specs/serve-settings.ts):
  KILN_SERVE_WORKERS            processes sharing the port, each with its own model (default 1)
  KILN_SERVE_MAX_BATCH          instances merged into one predict call at most (default 256; 1: never merge)
  KILN_SERVE_BATCH_WAIT_MS      how long a lone request waits for others to merge with (default 0)
  KILN_SERVE_MAX_IN_FLIGHT      requests waiting or predicting per worker; more get 503 + Retry-After (default 256)
  KILN_SERVE_MAX_CONNECTIONS    open connections per worker; more get 503 and are closed (default 1024)
  KILN_SERVE_HEADER_TIMEOUT_S   a request's headers must arrive within (default 10)
  KILN_SERVE_REQUEST_TIMEOUT_S  and all of it within (default 30); else 408 and the connection closes
  KILN_SERVE_IDLE_TIMEOUT_S     an idle keep-alive connection closes after (default 15)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import traceback
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, List, Mapping, Optional

from .contract import RUN_CONTRACT_ENV, ContractError, optional_int_env, require_env
from .entrypoint import load_entrypoint_target, parse_entrypoint
from .prediction_log import PredictionLog
from .serve_batch import MicroBatcher, Outcome
from .serve_http import RETRY_AFTER, Connection, HttpServer, Limits
from .serve_many import MAX_PARTS, Answer, ManyAnswer, split_parts

MAX_BODY_BYTES = 16 * 1024 * 1024
LISTEN_BACKLOG = 2048
DRAIN_SECONDS = 5.0


class BadRequest(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_instances(body: bytes) -> List[Any]:
    try:
        # NaN/Infinity are Python extensions to JSON; models should never see them.
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest(f"body: invalid JSON ({e})") from None
    if not isinstance(data, dict):
        raise BadRequest("body: expected a JSON object with an instances field")
    if "instances" not in data:
        raise BadRequest("instances: required")
    instances = data["instances"]
    if not isinstance(instances, list) or not instances:
        raise BadRequest("instances: expected a non-empty list")
    for i, inst in enumerate(instances):
        if not isinstance(inst, (list, dict)):
            raise BadRequest(f"instances[{i}]: expected a list or an object")
    return instances


def _number_env(env: Mapping[str, str], name: str, default: float, low: float, high: float, integer: bool) -> Any:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise ContractError(f"{name}: expected {kind} from {low:g} to {high:g}, got {raw!r}")
    return value


@dataclass(frozen=True)
class ServeSettings:
    workers: int = 1
    max_batch: int = 256
    batch_wait_ms: float = 0.0
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "ServeSettings":
        def num(name: str, default: float, low: float, high: float, integer: bool = True) -> Any:
            return _number_env(env, f"KILN_SERVE_{name}", default, low, high, integer)

        limits = Limits(
            max_body_bytes=MAX_BODY_BYTES,
            max_in_flight=num("MAX_IN_FLIGHT", 256, 1, 1_000_000),
            max_connections=num("MAX_CONNECTIONS", 1024, 1, 1_000_000),
            header_timeout=num("HEADER_TIMEOUT_S", 10.0, 0.1, 3600, integer=False),
            request_timeout=num("REQUEST_TIMEOUT_S", 30.0, 0.1, 3600, integer=False),
            idle_timeout=num("IDLE_TIMEOUT_S", 15.0, 0.1, 3600, integer=False),
        )
        return cls(
            workers=num("WORKERS", 1, 1, 64),
            max_batch=num("MAX_BATCH", 256, 1, 1_000_000),
            batch_wait_ms=num("BATCH_WAIT_MS", 0.0, 0, 1000, integer=False),
            limits=limits,
        )


class ModelApp:
    """Routes one worker's requests: /health answers at once, /predict and /predict/many go to the batcher."""

    def __init__(self, model_dir: str, log: Any, batcher: MicroBatcher, limits: Limits, worker: int, workers: int = 1) -> None:
        self.model_dir = model_dir
        self.log = log
        self.batcher = batcher
        self.max_in_flight = limits.max_in_flight
        self.worker = worker
        self.in_flight = 0
        self.overloaded = 0
        self.many_requests = 0
        # Kiln's API keeps about two requests in flight per worker process (api/prediction-coalescer.ts).
        self.workers_header = b"X-Kiln-Workers: %d\r\n" % workers if workers > 1 else b""

    def dispatch(self, conn: Connection, method: str, path: str, body: Optional[bytes]) -> None:
        path = path.partition("?")[0]
        if path in ("/predict", "/predict/many"):
            if method != "POST":
                conn.respond(405, {"error": f"method not allowed: use POST {path}"})
            elif body is None:
                conn.respond(411, {"error": "body: Content-Length required"})
            elif path == "/predict":
                self._predict(body, lambda status, payload, headers: conn.respond(status, payload, headers + self.workers_header))
            else:
                self._predict_many(conn, body)
        elif path == "/health":
            if method == "GET":
                conn.respond(200, self.health())
            else:
                conn.respond(405, {"error": f"no {method} {path}"})
        else:
            conn.respond(404, {"error": f"not found: {method} {path}"})

    def _predict(self, body: bytes, answer: Answer) -> None:
        if self.in_flight >= self.max_in_flight:
            self.overloaded += 1
            answer(503, {"error": f"overloaded: {self.in_flight} requests in flight, retry"}, RETRY_AFTER)
            return
        try:
            instances = parse_instances(body)
        except BadRequest as e:
            answer(400, {"error": str(e)}, b"")
            return
        self.in_flight += 1
        self.batcher.submit(instances, lambda outcome: self._answer(answer, outcome))

    def _predict_many(self, conn: Connection, body: bytes) -> None:
        parts = split_parts(body)
        if parts is None:
            conn.respond(400, {"error": f"body: expected 1 to {MAX_PARTS} lines, each a /predict body"})
            return
        self.many_requests += 1
        many = ManyAnswer(conn, len(parts), self.workers_header)
        for index, part in enumerate(parts):
            self._predict(part, partial(many.settle, index))

    def health(self) -> Any:
        server = {"worker": self.worker, "pid": os.getpid(), "in_flight": self.in_flight, "overloaded": self.overloaded, "many_requests": self.many_requests}
        server.update(self.batcher.stats)
        return {"status": "ok", "model_dir": self.model_dir, "prediction_log": self.log.stats(), "server": server}

    def _answer(self, answer: Answer, outcome: Outcome) -> None:
        self.in_flight -= 1
        if isinstance(outcome, ValueError):
            # ValueError from predict() means the input was wrong (see KilnModel.predict).
            answer(400, {"error": str(outcome)}, b"")
        elif isinstance(outcome, BaseException):
            answer(500, {"error": f"predict failed: {type(outcome).__name__}: {outcome}"}, b"")
        else:
            answer(200, {"predictions": outcome[0], "prediction_ids": outcome[1]}, b"")


def load_model_from_env(env: Any) -> Any:
    spec = require_env(env, "entrypoint")
    model_dir = require_env(env, "modelDir")
    source_dir = env.get(RUN_CONTRACT_ENV["sourceDir"]) or os.getcwd()
    ep = parse_entrypoint(spec, source_dir)
    if ep.attr is None:
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: serving needs \"file.py:ModelClass\", got {spec!r}")
    cls = load_entrypoint_target(ep, source_dir)
    if not callable(getattr(cls, "load_model", None)):
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: {ep.attr} has no load_model (subclass KilnModel)")
    if not os.path.isdir(model_dir):
        raise ContractError(f"{RUN_CONTRACT_ENV['modelDir']}: {model_dir} is not a directory")
    return cls.load_model(model_dir), os.path.abspath(model_dir)


def listen_socket(host: str, port: int, reuse_port: bool = False, listen: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(LISTEN_BACKLOG)
    sock.setblocking(False)
    return sock


def serve_socket(
    sock: socket.socket,
    model: Any,
    model_dir: str,
    prediction_log: Any,
    settings: ServeSettings,
    worker: int = 0,
    ready: Optional[Callable[[], None]] = None,
) -> None:
    """Serves on `sock` until SIGTERM or SIGINT, then lets in-flight predictions finish (a few seconds at most)."""

    async def run() -> None:
        loop = asyncio.get_running_loop()
        batcher = MicroBatcher(model, prediction_log, loop, settings.max_batch, settings.batch_wait_ms / 1000)
        app = ModelApp(model_dir, prediction_log, batcher, settings.limits, worker, settings.workers)
        http = HttpServer(loop, app.dispatch, settings.limits)
        server = await loop.create_server(http.protocol, sock=sock, backlog=LISTEN_BACKLOG)
        http.start_sweeping()
        stopped = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopped.set)
        if ready is not None:
            ready()
        await stopped.wait()
        server.close()
        drain_until = loop.time() + DRAIN_SECONDS
        while app.in_flight and loop.time() < drain_until:
            await asyncio.sleep(0.02)
        http.stop()
        batcher.close()

    asyncio.run(run())


def run_server(settings: ServeSettings, listen: Callable[[], socket.socket], ready: Callable[[int], None], worker: int = 0) -> int:
    """Loads the model, listens and serves until SIGTERM; `ready(port)` once it answers. The exit
    status: 0 stopped, 2 a contract error (named on stderr), 1 the model failed to load."""
    try:
        model, model_dir = load_model_from_env(os.environ)
        prediction_log = PredictionLog.from_env(os.environ)
        sock = listen()
    except ContractError as e:
        print(f"kiln: {e}", file=sys.stderr, flush=True)
        return 2
    except Exception:
        traceback.print_exc()
        return 1
    try:
        serve_socket(sock, model, model_dir, prediction_log, settings, worker, lambda: ready(sock.getsockname()[1]))
    finally:
        prediction_log.close()
    return 0


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiln_sdk.serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args(argv)
    sys.dont_write_bytecode = True  # keep the source snapshot unchanged (see stage.py)
    try:
        settings = ServeSettings.from_env(os.environ)
        port = optional_int_env(os.environ, "servePort", 0) or 0
    except ContractError as e:
        print(f"kiln: {e}", file=sys.stderr, flush=True)
        return 2
    if settings.workers > 1:
        from .serve_workers import run_workers

        return run_workers(args.host, port, settings)
    code = run_server(
        settings, lambda: listen_socket(args.host, port), lambda bound: print(f"KILN_SERVING port={bound}", flush=True)
    )
    if code == 0:
        print("kiln: server stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
