"""`python -m kiln_sdk.fork_server SOCKET IMPORTS_JSON`: warm stage starts for one environment.

Imports the environment's declared modules once, then forks a fresh process per stage, so a
stage skips interpreter start-up and those imports. The child is made to look like
`python -m kiln_sdk.stage` started cold: its own session (process group), exactly the
requested environment variables and working directory, stdin /dev/null, stdout/stderr on
the caller's sockets, no other inherited file descriptor, default signal handlers, fresh
random seeds.

Protocol (Unix stream socket, one JSON line per message). A stage opens three connections
carrying the same `id`: `{"op": "run", "id", "env", "cwd", "module"}` (control),
`{"op": "stdout", "id"}` and `{"op": "stderr", "id"}`. Once all three are in, the server forks
and answers on the control connection `{"pid": n}`, then `{"code": c, "signal": s}` when the
child ends. The server prints `ready` on its stdout once it listens, and exits when its parent
(the worker) is gone, killing the process groups of the stages it started, or after
`KILN_FORK_SERVER_IDLE_SECONDS` (argv[3]) with nothing running.
"""
from __future__ import annotations

import importlib
import json
import os
import selectors
import signal
import socket
import sys
import time
import warnings
from typing import Any, Dict, List, Optional

POLL_SECONDS = 0.5
DEFAULT_IDLE_SECONDS = 600.0
ROLES = ("run", "stdout", "stderr")


def preload(modules: List[str]) -> None:
    # Best effort: a module that fails to import is simply not warm, the stage imports it itself.
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException as e:  # noqa: BLE001 - any import failure, SystemExit included
            print(f"kiln fork server: could not preload {name}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)


def _exit_code(e: SystemExit) -> int:
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


def _reseed() -> None:
    # The random module reseeds itself after fork; numpy's legacy global state does not.
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        try:
            numpy_random.seed()
        except Exception:  # noqa: BLE001 - a broken numpy must not stop the stage from starting
            pass


def run_child(request: Dict[str, Any], out_fd: int, err_fd: int) -> None:
    """In the forked child: become a cold-started stage process, run it, and never return."""
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        # The server's listening socket, other stages' connections, anything an import opened.
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # As `python -m` sets it: the working directory first.
        sys.path[0] = os.getcwd()
        sys.argv[:] = ["-m"]
        _reseed()
        import runpy

        try:
            runpy.run_module(request.get("module", "kiln_sdk.stage"), run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as e:
            code = _exit_code(e)
        except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught exception
            import traceback

            traceback.print_exc()
            code = 1
        # What interpreter shutdown does before exiting: wait for threads, run atexit handlers.
        try:
            import threading

            threading._shutdown()  # type: ignore[attr-defined]
            import atexit

            atexit._run_exitfuncs()  # type: ignore[attr-defined]
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(code)


class Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.header: Optional[Dict[str, Any]] = None


class ForkServer:
    def __init__(self, path: str, idle_seconds: float) -> None:
        self.path = path
        self.idle_seconds = idle_seconds
        self.parent = os.getppid()
        self.selector = selectors.DefaultSelector()
        self.pending: Dict[str, Dict[str, Connection]] = {}
        # pid -> control connection of the stage it runs
        self.children: Dict[int, Connection] = {}
        self.last_busy = time.monotonic()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    def listen(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        os.chmod(self.path, 0o600)
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: self.shutdown(0))
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select(POLL_SECONDS):
                if key.data == "accept":
                    self.accept()
                elif key.data == "wake":
                    self.drain_wakeups()
                else:
                    self.read(key.data)
            self.reap()
            if os.getppid() != self.parent:
                self.shutdown(1)
            busy = self.children or self.pending
            if busy:
                self.last_busy = time.monotonic()
            elif time.monotonic() - self.last_busy > self.idle_seconds:
                self.shutdown(0)

    def accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ, Connection(sock))
        self.last_busy = time.monotonic()

    def drain_wakeups(self) -> None:
        try:
            while os.read(self.wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def read(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.drop(conn)
            return
        if conn.header is not None:
            return  # nothing more is expected from a started stage's connections
        conn.buffer += data
        if b"\n" not in conn.buffer:
            return
        line = conn.buffer.split(b"\n", 1)[0]
        try:
            header = json.loads(line)
            op, ident = header["op"], str(header["id"])
        except (ValueError, KeyError, TypeError):
            self.drop(conn)
            return
        if op not in ROLES:
            self.drop(conn)
            return
        conn.header = header
        group = self.pending.setdefault(ident, {})
        group[op] = conn
        if all(role in group for role in ROLES):
            del self.pending[ident]
            self.start(group)

    def drop(self, conn: Connection) -> None:
        try:
            self.selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()
        if conn.header is not None:
            group = self.pending.get(str(conn.header.get("id")))
            if group is not None and group.get(conn.header["op"]) is conn:
                for other in group.values():
                    if other is not conn:
                        self.drop(other)
                self.pending.pop(str(conn.header.get("id")), None)

    def start(self, group: Dict[str, Connection]) -> None:
        control, out, err = group["run"], group["stdout"], group["stderr"]
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        # Python 3.12+ warns about fork with threads (imports such as OpenBLAS start some); the
        # child runs only Python code of this thread, and libraries that pool threads reset at fork.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            out.sock.setblocking(True)
            err.sock.setblocking(True)
            run_child(control.header or {}, out.sock.fileno(), err.sock.fileno())
        for conn in (out, err):
            self.selector.unregister(conn.sock)
            conn.sock.close()
        self.children[pid] = control
        self.send(control, {"pid": pid})

    def send(self, conn: Connection, message: Dict[str, Any]) -> None:
        try:
            conn.sock.setblocking(True)
            conn.sock.sendall((json.dumps(message) + "\n").encode())
            conn.sock.setblocking(False)
        except OSError:
            pass  # the caller went away; it kills the stage's group itself

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            control = self.children.pop(pid, None)
            if control is None:
                continue
            if os.WIFSIGNALED(status):
                result = {"code": None, "signal": signal.Signals(os.WTERMSIG(status)).name}
            else:
                result = {"code": os.WEXITSTATUS(status), "signal": None}
            self.send(control, result)
            self.drop(control)

    def shutdown(self, code: int) -> None:
        for pid in list(self.children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os._exit(code)


def main(argv: List[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m kiln_sdk.fork_server SOCKET IMPORTS_JSON [IDLE_SECONDS]", file=sys.stderr)
        return 2
    path, modules = argv[1], json.loads(argv[2])
    idle = float(argv[3]) if len(argv) > 3 else DEFAULT_IDLE_SECONDS
    # The package the stage entry runs in; not kiln_sdk.stage itself, which runpy must execute fresh.
    preload(["kiln_sdk", *modules])
    server = ForkServer(path, idle)
    server.listen()
    print("ready", flush=True)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
