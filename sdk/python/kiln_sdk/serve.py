"""`python -m kiln_sdk.serve`: serves a saved model over HTTP with the standard library only,
so the serving venv needs nothing beyond the model's own dependencies.

GET /health -> {"status":"ok","model_dir":...}
POST /predict {"instances": [[...], ...] | [{"feature": value, ...}, ...]}
  -> {"predictions": [...], "prediction_ids": [...]} (each logged per prediction_log.py)
Prints `KILN_SERVING port=<n>` once listening (KILN_SERVE_PORT=0 picks a free port).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List

from .contract import RUN_CONTRACT_ENV, ContractError, optional_int_env, require_env
from .entrypoint import load_entrypoint_target, parse_entrypoint
from .prediction_log import PredictionLog

MAX_BODY_BYTES = 16 * 1024 * 1024


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


def _to_json(value: Any) -> Any:
    # Models often return numpy arrays/scalars; both expose tolist() without importing numpy here.
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def make_server(
    model: Any, model_dir: str, host: str = "127.0.0.1", port: int = 0, prediction_log: Any = None
) -> ThreadingHTTPServer:
    # User models need not be thread-safe; predictions are cheap next to HTTP, so run one at a time.
    predict_lock = threading.Lock()
    log = prediction_log or PredictionLog(None, "0")

    class Handler(BaseHTTPRequestHandler):
        server_version = "kiln-serve"

        def _send(self, status: int, payload: Any) -> None:
            body = json.dumps(payload, default=_to_json).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/health":
                self._send(200, {"status": "ok", "model_dir": model_dir, "prediction_log": log.stats()})
            elif self.path == "/predict":
                self._send(405, {"error": "method not allowed: use POST /predict"})
            else:
                self._send(404, {"error": f"not found: {self.path}"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/predict":
                self._send(404 if self.path != "/health" else 405, {"error": f"no POST {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or "-1")
            except ValueError:
                length = -1
            if length < 0:
                self._send(411, {"error": "body: Content-Length required"})
                return
            if length > MAX_BODY_BYTES:
                self._send(413, {"error": f"body: larger than {MAX_BODY_BYTES} bytes"})
                return
            try:
                instances = parse_instances(self.rfile.read(length))
                with predict_lock:
                    predictions = model.predict(instances)
                answers = predictions.tolist() if hasattr(predictions, "tolist") else list(predictions)
                if len(answers) != len(instances):
                    raise RuntimeError(f"predict returned {len(answers)} predictions for {len(instances)} instances")
                self._send(200, {"predictions": answers, "prediction_ids": log.record(instances, answers)})
            except (BadRequest, ValueError) as e:
                # ValueError from predict() means the input was wrong (see KilnModel.predict).
                self._send(400, {"error": str(e)})
            except Exception as e:
                traceback.print_exc()
                self._send(500, {"error": f"predict failed: {type(e).__name__}: {e}"})

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True  # an in-flight request must not hold up shutdown
    return server


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


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiln_sdk.serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args(argv)
    sys.dont_write_bytecode = True  # keep the source snapshot unchanged (see stage.py)
    try:
        port = optional_int_env(os.environ, "servePort", 0) or 0
        model, model_dir = load_model_from_env(os.environ)
        prediction_log = PredictionLog.from_env(os.environ)
        server = make_server(model, model_dir, args.host, port, prediction_log)
    except ContractError as e:
        print(f"kiln: {e}", file=sys.stderr, flush=True)
        return 2
    except Exception:
        traceback.print_exc()
        return 1

    def stop(signum: int, frame: Any) -> None:
        # shutdown() waits for serve_forever() to return, so it cannot run on this (its) thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"KILN_SERVING port={server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        prediction_log.close()
    print("kiln: server stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
