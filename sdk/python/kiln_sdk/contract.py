"""The run contract, Python side: env var names mirrored from core/runner/run-contract.ts
(the source of truth; a unit test fails when the two drift) and the stage Context."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from .errors import ContractError, ParamsError
from .params import Params

# Same keys as RUN_CONTRACT_ENV in run-contract.ts so the mirror test can compare them whole.
RUN_CONTRACT_ENV = {
    "runId": "KILN_RUN_ID",
    "stage": "KILN_STAGE",
    "attempt": "KILN_ATTEMPT",
    "entrypoint": "KILN_ENTRYPOINT",
    "paramsFile": "KILN_PARAMS_FILE",
    "datasetDir": "KILN_DATASET_DIR",
    "inputsDir": "KILN_INPUTS_DIR",
    "outputDir": "KILN_OUTPUT_DIR",
    "checkpointDir": "KILN_CHECKPOINT_DIR",
    "sourceDir": "KILN_SOURCE_DIR",
    "metricsSink": "KILN_METRICS_SINK",
    "modelDir": "KILN_MODEL_DIR",
    "servePort": "KILN_SERVE_PORT",
    "resumeCheckpoint": "KILN_RESUME_CHECKPOINT",
}
DATASET_FILES = {"train": "train.csv", "test": "test.csv", "manifest": "dataset.json"}
# Set by the executor only when a retried stage resumes from a checkpoint (auto_resume).
RESUME_CHECKPOINT_ENV = RUN_CONTRACT_ENV["resumeCheckpoint"]

STAGES = ("preprocess", "train", "evaluate")
__all__ = ["RUN_CONTRACT_ENV", "DATASET_FILES", "RESUME_CHECKPOINT_ENV", "STAGES",
           "Context", "ContractError", "Params", "ParamsError"]


def require_env(env: Mapping[str, str], key: str) -> str:
    name = RUN_CONTRACT_ENV[key]
    value = env.get(name, "")
    if not value:
        raise ContractError(f"{name}: required environment variable is not set")
    return value


def optional_int_env(env: Mapping[str, str], key: str, minimum: int) -> Optional[int]:
    name = RUN_CONTRACT_ENV[key]
    raw = env.get(name, "")
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ContractError(f"{name}: expected an integer >= {minimum}, got {raw!r}")
    return value


@dataclass(frozen=True)
class Context:
    """Everything a stage gets from Kiln. Paths are absolute strings."""

    run_id: str
    stage: str
    attempt: int
    entrypoint: str
    params: Params
    dataset_dir: str
    dataset: Dict[str, Any]
    inputs_dir: str
    output_dir: str
    checkpoint_dir: str
    source_dir: str
    model_dir: Optional[str] = None
    serve_port: Optional[int] = None

    @property
    def train_path(self) -> str:
        return os.path.join(self.dataset_dir, DATASET_FILES["train"])

    @property
    def test_path(self) -> str:
        return os.path.join(self.dataset_dir, DATASET_FILES["test"])

    @property
    def target_column(self) -> str:
        return self.dataset["target_column"]

    def input_dir(self, stage: str) -> str:
        """Outputs of an upstream stage; a missing one is a pipeline mistake, so say which."""
        path = os.path.join(self.inputs_dir, stage)
        if not os.path.isdir(path):
            raise ContractError(
                f"{RUN_CONTRACT_ENV['inputsDir']}/{stage}: no outputs from stage {stage!r} (does the project define it?)"
            )
        return path

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Context":
        env = os.environ if env is None else env
        req = lambda key: require_env(env, key)  # noqa: E731
        attempt = optional_int_env(env, "attempt", 1)
        if attempt is None:
            raise ContractError(f"{RUN_CONTRACT_ENV['attempt']}: required environment variable is not set")
        stage = req("stage")
        dataset_dir = os.path.abspath(req("datasetDir"))
        return cls(
            run_id=req("runId"),
            stage=stage,
            attempt=attempt,
            entrypoint=req("entrypoint"),
            params=Params.load(req("paramsFile"), source=RUN_CONTRACT_ENV["paramsFile"]),
            dataset_dir=dataset_dir,
            dataset=_load_manifest(dataset_dir),
            inputs_dir=os.path.abspath(req("inputsDir")),
            output_dir=os.path.abspath(req("outputDir")),
            checkpoint_dir=os.path.abspath(req("checkpointDir")),
            source_dir=os.path.abspath(env.get(RUN_CONTRACT_ENV["sourceDir"]) or os.getcwd()),
            model_dir=env.get(RUN_CONTRACT_ENV["modelDir"]) or None,
            serve_port=optional_int_env(env, "servePort", 0),
        )


def _load_manifest(dataset_dir: str) -> Dict[str, Any]:
    path = os.path.join(dataset_dir, DATASET_FILES["manifest"])
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except OSError as e:
        raise ContractError(f"{RUN_CONTRACT_ENV['datasetDir']}: cannot read {path}: {e.strerror}") from None
    except ValueError as e:
        raise ContractError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("target_column"), str):
        raise ContractError(f"{path}: target_column: required string")
    return manifest
