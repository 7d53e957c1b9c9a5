"""Kiln's Python SDK: the run contract (Context, Params), the one metric format, checkpoints,
and the common model interface. Standard library only: stages run in a venv holding just the
project's dependencies, with this package put on PYTHONPATH by the executor."""
from .checkpoint import load_latest_checkpoint, save_checkpoint
from .contract import RUN_CONTRACT_ENV, Context, ContractError, Params, ParamsError
from .metrics import log_metric, log_metrics
from .model import KilnModel, instances_to_rows, read_csv, split_features_target

__version__ = "0.1.0"
__all__ = [
    "RUN_CONTRACT_ENV",
    "Context",
    "ContractError",
    "KilnModel",
    "Params",
    "ParamsError",
    "instances_to_rows",
    "load_latest_checkpoint",
    "log_metric",
    "log_metrics",
    "read_csv",
    "save_checkpoint",
    "split_features_target",
]
