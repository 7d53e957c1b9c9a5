"""`KILN_SERVE_WORKERS` > 1: the model server as several processes on one port (serve.py).

The parent forks the workers before anything is loaded (no thread, no model state crosses a
fork), reserves the port with a bound but not listening socket, and each worker listens on
its own SO_REUSEPORT socket, so the kernel spreads new connections evenly across them. Each
worker loads the model and keeps its own prediction log (segment names carry the pid). The
parent prints `KILN_SERVING` once every worker is ready, starts a worker again if one dies,
and passes SIGTERM/SIGINT on; a worker that fails before it is ready ends the server with its
exit status (2 for a contract error, as with one worker).
"""
from __future__ import annotations

import os
import select
import signal
import socket
import sys
import time
from typing import TYPE_CHECKING, Dict, Optional

if TYPE_CHECKING:  # serve.py imports this module when it runs workers
    from .serve import ServeSettings

RESTART_DELAY_S = 1.0


def _worker(index: int, host: str, port: int, settings: "ServeSettings", ready_fd: int, shared: Optional[socket.socket]) -> int:
    from .serve import listen_socket, run_server

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    # Without SO_REUSEPORT every worker accepts on the parent's socket.
    listen = (lambda: shared) if shared is not None else (lambda: listen_socket(host, port, reuse_port=True))

    def ready(_port: int) -> None:
        os.write(ready_fd, b"r")

    return run_server(settings, listen, ready, index)


def run_workers(host: str, port: int, settings: "ServeSettings") -> int:
    reuse_port = hasattr(socket, "SO_REUSEPORT")
    from .serve import listen_socket

    # Without SO_REUSEPORT the workers share one listening socket instead.
    reserved = listen_socket(host, port, reuse_port=reuse_port, listen=not reuse_port)
    port = reserved.getsockname()[1]
    ready_read, ready_write = os.pipe()
    workers: Dict[int, int] = {}  # pid -> worker index
    stopping = []

    def start(index: int) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(ready_read)
                code = _worker(index, host, port, settings, ready_write, None if reuse_port else reserved)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        workers[pid] = index

    def stop(signum: int, frame: object) -> None:
        stopping.append(signum)
        for pid in list(workers):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    count = settings.workers
    for index in range(count):
        start(index)

    ready = 0
    while ready < count and not stopping:
        readable, _, _ = select.select([ready_read], [], [], 0.2)
        if readable:
            ready += len(os.read(ready_read, 64))
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            workers.pop(pid, None)
            stop(signal.SIGTERM, None)
            _reap(workers)
            code = os.waitstatus_to_exitcode(status)
            return code if code > 0 else 1
    if not stopping:
        print(f"KILN_SERVING port={port}", flush=True)
    while workers:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        index = workers.pop(pid, None)
        if index is not None and not stopping:
            print(f"kiln: worker {index} exited ({os.waitstatus_to_exitcode(status)}); starting it again", file=sys.stderr, flush=True)
            time.sleep(RESTART_DELAY_S)
            if not stopping:
                start(index)
    reserved.close()
    print("kiln: server stopped", flush=True)
    return 0


def _reap(workers: Dict[int, int]) -> None:
    while workers:
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        workers.pop(pid, None)
