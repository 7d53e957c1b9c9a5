"""Resolves an entrypoint (`file.py:Name` or `script.py`, relative to the source dir) to code."""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Optional

from .contract import RUN_CONTRACT_ENV, ContractError

# Same pattern as core/specs/project.ts, so a spec Kiln accepted is one the SDK can load.
_ENTRYPOINT = re.compile(r"^([\w./-]+\.py)(?::([A-Za-z_]\w*))?$")


@dataclass(frozen=True)
class Entrypoint:
    path: str  # absolute path of the file
    module_name: str  # dotted name it is imported as (`pkg/model.py` -> `pkg.model`)
    attr: Optional[str]  # None: run the file as a script


def parse_entrypoint(spec: str, source_dir: str) -> Entrypoint:
    m = _ENTRYPOINT.match(spec)
    if not m:
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: {spec!r} must be \"file.py\" or \"file.py:Name\"")
    rel, attr = m.group(1), m.group(2)
    root = os.path.realpath(source_dir)
    path = os.path.realpath(os.path.join(root, rel))
    if os.path.commonpath([root, path]) != root:
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: {rel} is outside the source directory")
    if not os.path.isfile(path):
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: {rel} not found in {root}")
    module_name = os.path.relpath(path, root)[: -len(".py")].replace(os.sep, ".")
    return Entrypoint(path=path, module_name=module_name, attr=attr)


def import_entrypoint_module(ep: Entrypoint, source_dir: str) -> ModuleType:
    # The source dir goes on sys.path and the module is registered under its plain name so
    # the user's sibling imports work and pickled models (which record `model.Foo`) unpickle
    # in another process (serve) that loads the same file the same way.
    root = os.path.realpath(source_dir)
    if root not in sys.path:
        sys.path.insert(0, root)
    existing = sys.modules.get(ep.module_name)
    if existing is not None and os.path.realpath(getattr(existing, "__file__", "") or "") == ep.path:
        return existing
    spec = importlib.util.spec_from_file_location(ep.module_name, ep.path)
    if spec is None or spec.loader is None:
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: cannot import {ep.path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[ep.module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[ep.module_name]
        raise
    return module


def load_entrypoint_target(ep: Entrypoint, source_dir: str) -> Any:
    """The named class or function of a `file.py:Name` entrypoint."""
    module = import_entrypoint_module(ep, source_dir)
    try:
        return getattr(module, ep.attr or "")
    except AttributeError:
        raise ContractError(f"{RUN_CONTRACT_ENV['entrypoint']}: {os.path.basename(ep.path)} defines no {ep.attr!r}") from None
