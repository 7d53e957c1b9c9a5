"""Checkpoints in KILN_CHECKPOINT_DIR, so a retried or resumed stage can continue.

Files are `checkpoint-<step:08d>.json` (dict state) or `.bin` (bytes state), each written to a
temp file and renamed into place, so a process killed mid-write (timeout, cancel) never
leaves a torn checkpoint that the next attempt would trust. `latest` names the newest one.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from typing import Any, Optional, Tuple, Union

from .contract import RESUME_CHECKPOINT_ENV, RUN_CONTRACT_ENV, ContractError

LATEST = "latest"
_NAME = re.compile(r"^checkpoint-(\d{8,})\.(json|bin)$")

State = Union[dict, bytes]


def _checkpoint_dir(directory: Optional[str]) -> str:
    if directory:
        return directory
    name = RUN_CONTRACT_ENV["checkpointDir"]
    value = os.environ.get(name)
    if not value:
        raise ContractError(f"{name}: required environment variable is not set")
    return value


def _write_atomic(directory: str, name: str, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        final = os.path.join(directory, name)
        os.replace(tmp, final)
        return final
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_checkpoint(state: State, step: int, directory: Optional[str] = None, keep: int = 3) -> str:
    """Writes the checkpoint for `step` and returns its path; keeps only the newest `keep`."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"checkpoint step: expected an integer >= 0, got {step!r}")
    if isinstance(state, (bytes, bytearray)):
        data, ext = bytes(state), "bin"
    elif isinstance(state, dict):
        # Serialise before touching the directory: a non-JSON state must not half-replace anything.
        data, ext = json.dumps(state, allow_nan=False).encode("utf-8"), "json"
    else:
        raise TypeError(f"checkpoint state: expected dict or bytes, got {type(state).__name__}")
    directory = _checkpoint_dir(directory)
    os.makedirs(directory, exist_ok=True)
    name = f"checkpoint-{step:08d}.{ext}"
    path = _write_atomic(directory, name, data)
    _write_atomic(directory, LATEST, (name + "\n").encode("utf-8"))
    if keep > 0:
        _prune(directory, keep, name)
    return path


def _list(directory: str):
    found = []
    for name in os.listdir(directory):
        m = _NAME.match(name)
        if m:
            found.append((int(m.group(1)), name))
    return sorted(found)


def _prune(directory: str, keep: int, current: str) -> None:
    for _, name in _list(directory)[:-keep]:
        if name != current:
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                pass


def _read(directory: str, name: str) -> Tuple[int, Any]:
    m = _NAME.match(name)
    assert m, name
    with open(os.path.join(directory, name), "rb") as f:
        data = f.read()
    state = json.loads(data.decode("utf-8")) if m.group(2) == "json" else data
    return int(m.group(1)), state


def resume_dir() -> Optional[str]:
    """Where a resumed stage should read from: KILN_RESUME_CHECKPOINT, else its own checkpoint dir."""
    return os.environ.get(RESUME_CHECKPOINT_ENV) or os.environ.get(RUN_CONTRACT_ENV["checkpointDir"]) or None


def load_latest_checkpoint(directory: Optional[str] = None) -> Optional[Tuple[int, Any]]:
    """Returns (step, state) of the newest checkpoint, or None when there is none."""
    directory = directory or resume_dir()
    if not directory or not os.path.isdir(directory):
        return None
    try:
        with open(os.path.join(directory, LATEST), encoding="utf-8") as f:
            pointed = f.read().strip()
        if _NAME.match(pointed) and os.path.isfile(os.path.join(directory, pointed)):
            return _read(directory, pointed)
    except FileNotFoundError:
        pass
    # No usable pointer (killed between the two renames, or copied without it): newest file wins.
    found = _list(directory)
    return _read(directory, found[-1][1]) if found else None
