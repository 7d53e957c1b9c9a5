"""The common model interface every Kiln project implements, so the platform can run,
evaluate, save and serve any model the same way, plus small CSV helpers that need no pandas."""
from __future__ import annotations

import csv
from typing import Any, Dict, List, Sequence, Tuple

from .contract import Context


class KilnModel:
    """Subclass and implement train/evaluate/save_model/load_model/predict.

    Stage mapping (see stage.py): preprocess -> `cls().preprocess(ctx)`;
    train -> `m = cls(); m.train(ctx); m.save_model(ctx.output_dir)`;
    evaluate -> `cls.load_model(ctx.input_dir("train")).evaluate(ctx)`;
    serve -> `cls.load_model(model_dir).predict(instances)`.
    """

    #: The model server merges the instances of requests that arrive together into one
    #: `predict` call and splits the predictions back (serve_batch.py). Set False when a
    #: prediction depends on the other instances of the call (it normalises across them, say):
    #: each request is then predicted alone.
    batchable: bool = True

    def preprocess(self, ctx: Context) -> None:
        """Optional: write derived data (scalers, vocabularies) into ctx.output_dir."""

    def train(self, ctx: Context) -> None:
        raise NotImplementedError(f"{type(self).__name__}.train")

    def evaluate(self, ctx: Context) -> Dict[str, float]:
        """Returns metric name -> value; Kiln logs each and gates on them."""
        raise NotImplementedError(f"{type(self).__name__}.evaluate")

    def save_model(self, path: str) -> None:
        """Writes everything load_model needs into the directory `path`."""
        raise NotImplementedError(f"{type(self).__name__}.save_model")

    @classmethod
    def load_model(cls, path: str) -> "KilnModel":
        raise NotImplementedError(f"{cls.__name__}.load_model")

    def predict(self, instances: List[Any]) -> List[Any]:
        """`instances`: lists of feature values or dicts keyed by feature name.
        Raise ValueError for bad input: the server answers it with 400."""
        raise NotImplementedError(f"{type(self).__name__}.predict")


def read_csv(path: str) -> Tuple[List[str], List[List[str]]]:
    """Returns (header, rows) with values as strings; blank lines are skipped."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"{path}: empty CSV, expected a header row") from None
        rows = [row for row in reader if row]
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"{path}: line {i + 2}: {len(row)} values, header has {len(header)}")
    return header, rows


def _number_or_text(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def split_features_target(
    header: Sequence[str], rows: Sequence[Sequence[str]], target_column: str
) -> Tuple[List[List[float]], List[Any], List[str]]:
    """Returns (X, y, feature_names): features as floats, the target as a float when numeric
    (class labels like "benign" stay strings)."""
    if target_column not in header:
        # Columns are counted, never quoted: the run's error shows this line.
        raise ValueError(f"target column {target_column!r} not in CSV header ({len(header)} columns)")
    t = list(header).index(target_column)
    names = [h for i, h in enumerate(header) if i != t]
    X: List[List[float]] = []
    y: List[Any] = []
    for n, row in enumerate(rows):
        features = []
        for i, value in enumerate(row):
            if i == t:
                continue
            try:
                features.append(float(value))
            except ValueError:
                raise ValueError(f"row {n + 1}, column {i + 1}: expected a number") from None
        X.append(features)
        y.append(_number_or_text(row[t]))
    return X, y, names


_NUMBER_TYPES = (int, float)


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool)


def instances_to_rows(instances: Sequence[Any], feature_names: Sequence[str]) -> List[List[float]]:
    """Turns predict() input (lists in feature order, or dicts keyed by feature name) into float rows;
    ValueErrors name the instance and field so the server's 400 says what to fix."""
    rows = []
    n = len(feature_names)
    for i, inst in enumerate(instances):
        if isinstance(inst, dict):
            if len(inst) != n or any(name not in inst for name in feature_names):
                missing = [name for name in feature_names if name not in inst]
                if missing:
                    raise ValueError(f"instances[{i}].{missing[0]}: required")
                unknown = [key for key in inst if key not in feature_names]
                raise ValueError(f"instances[{i}].{unknown[0]}: unknown feature")
            values = [inst[name] for name in feature_names]
        elif isinstance(inst, (list, tuple)):
            if len(inst) != n:
                raise ValueError(f"instances[{i}]: expected {n} values, got {len(inst)}")
            values = inst
        else:
            raise ValueError(f"instances[{i}]: expected a list or an object")
        # The common case costs one pass; labels are only made for the value that is wrong.
        if not all(type(v) is float or type(v) is int for v in values):
            for j, value in enumerate(values):
                if not _is_number(value):
                    label = f"instances[{i}].{feature_names[j]}" if isinstance(inst, dict) else f"instances[{i}][{j}]"
                    raise ValueError(f"{label}: expected number, got {value!r}")
        rows.append([float(v) for v in values])
    return rows
