"""Starts a workspace's JupyterLab (``lab``) or its kernels (``kernel``) in an environment's
interpreter, with the Jupyter overlay importable *after* the environment's own packages, so the
environment wins any shared dependency and its venv (and digest) is never changed.

Usage: ``python -m kiln_sdk.workspace lab|kernel [jupyter args...]``; the overlay's site
directory is ``KILN_WORKSPACE_OVERLAY``. ``lab`` also sets KILN_WORKSPACE_METRICS_FILE (unless
set) to ``<root_dir>/.kiln/metrics.jsonl``: its kernels and terminals inherit it, so
``log_metric`` in a notebook records the point there for Kiln to store.
"""
import os
import site
import sys
from typing import List

from .metrics import WORKSPACE_METRICS_FILE_ENV, WORKSPACE_METRICS_PATH


def _add_overlay() -> None:
    overlay = os.environ.get("KILN_WORKSPACE_OVERLAY")
    if not overlay:
        raise SystemExit("kiln_sdk.workspace: KILN_WORKSPACE_OVERLAY is not set")
    # addsitedir appends: the environment's site-packages stay first on sys.path.
    site.addsitedir(overlay)


def _root_dir(args: List[str]) -> str:
    """JupyterLab's root directory: ``--ServerApp.root_dir=`` as both platforms pass it, else the cwd."""
    for arg in args:
        if arg.startswith("--ServerApp.root_dir="):
            return arg.split("=", 1)[1]
    return os.getcwd()


def set_metrics_file(args: List[str]) -> None:
    os.environ.setdefault(WORKSPACE_METRICS_FILE_ENV, os.path.join(os.path.abspath(_root_dir(args)), *WORKSPACE_METRICS_PATH.split("/")))


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("lab", "kernel"):
        raise SystemExit("usage: python -m kiln_sdk.workspace lab|kernel [args...]")
    command = sys.argv[1]
    _add_overlay()
    sys.argv = [sys.argv[0]] + sys.argv[2:]
    if command == "lab":
        set_metrics_file(sys.argv[1:])
        from jupyterlab.labapp import main as lab_main

        sys.exit(lab_main())
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    main()
