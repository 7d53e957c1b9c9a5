"""Starts a workspace's JupyterLab (``lab``) or its kernels (``kernel``) in an environment's
interpreter, with the Jupyter overlay importable *after* the environment's own packages, so the
environment wins any shared dependency and its venv (and digest) is never changed.

Usage: ``python -m kiln_sdk.workspace lab|kernel [jupyter args...]``; the overlay's site
directory is ``KILN_WORKSPACE_OVERLAY``.
"""
import os
import site
import sys


def _add_overlay() -> None:
    overlay = os.environ.get("KILN_WORKSPACE_OVERLAY")
    if not overlay:
        raise SystemExit("kiln_sdk.workspace: KILN_WORKSPACE_OVERLAY is not set")
    # addsitedir appends: the environment's site-packages stay first on sys.path.
    site.addsitedir(overlay)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("lab", "kernel"):
        raise SystemExit("usage: python -m kiln_sdk.workspace lab|kernel [args...]")
    command = sys.argv[1]
    _add_overlay()
    sys.argv = [sys.argv[0]] + sys.argv[2:]
    if command == "lab":
        from jupyterlab.labapp import main as lab_main

        sys.exit(lab_main())
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    main()
