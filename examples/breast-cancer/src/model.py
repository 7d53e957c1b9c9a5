"""Logistic regression on the Wisconsin breast-cancer data, written against Kiln's common
model interface: Kiln calls preprocess -> train (+ save_model) -> evaluate, and serves predict."""
import json
import math
import os
import pickle
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score

from kiln_sdk import (KilnModel, instances_to_rows, load_latest_checkpoint, log_metrics, read_csv,
                      save_checkpoint, split_features_target)

SCALER_FILE = "scaler.json"
MODEL_FILE = "model.pkl"
METADATA_FILE = "metadata.json"
# LogisticRegression has no epochs; one "epoch" is this many solver iterations, so `epochs`
# bounds the fit and the per-epoch metrics show it improving, at a few milliseconds each.
ITERATIONS_PER_EPOCH = 2
# scikit-learn 1.8 deprecated `penalty`; the project keeps the familiar extra and maps it.
PENALTIES = {"l2": {"l1_ratio": 0.0}, "l1": {"l1_ratio": 1.0, "solver": "saga"}, "none": {"C": math.inf}}


def load_xy(path, target_column, feature_names=None):
    header, rows = read_csv(path)
    X, y, names = split_features_target(header, rows, target_column)
    if feature_names is not None and names != feature_names:
        raise ValueError(f"{path}: columns {names} differ from the training columns {feature_names}")
    return np.asarray(X, dtype=float), np.asarray(y, dtype=int), names


class BreastCancerModel(KilnModel):
    def __init__(self, clf=None, scaler=None):
        self.clf = clf
        self.scaler = scaler  # {"features": [...], "mean": [...], "std": [...]}

    def preprocess(self, ctx):
        X, _, names = load_xy(ctx.train_path, ctx.target_column)
        std = X.std(axis=0)
        # A constant column would divide by zero; leaving it unscaled is harmless.
        std[std == 0] = 1.0
        scaler = {"features": names, "mean": X.mean(axis=0).tolist(), "std": std.tolist()}
        with open(os.path.join(ctx.output_dir, SCALER_FILE), "w") as f:
            json.dump(scaler, f)

    def _scale(self, X):
        return (X - np.asarray(self.scaler["mean"])) / np.asarray(self.scaler["std"])

    def train(self, ctx):
        with open(os.path.join(ctx.input_dir("preprocess"), SCALER_FILE)) as f:
            self.scaler = json.load(f)
        X, y, _ = load_xy(ctx.train_path, ctx.target_column, self.scaler["features"])
        X = self._scale(X)
        p = ctx.params
        options = {"C": float(p.extras.get("C", 1.0)), "solver": "lbfgs"}
        penalty = str(p.extras.get("penalty", "l2"))
        if penalty not in PENALTIES:
            raise ValueError(f"params.extras.penalty: expected one of {sorted(PENALTIES)}, got {penalty!r}")
        options.update(PENALTIES[penalty])
        self.clf = LogisticRegression(
            max_iter=ITERATIONS_PER_EPOCH, warm_start=True, random_state=p.seed, **options
        )
        # A resumed attempt that had finished every epoch still fits once, so clf ends up fitted.
        first_epoch = min(self._resume(), p.epochs)
        for epoch in range(first_epoch, p.epochs + 1):
            with warnings.catch_warnings():
                # Each epoch stops the solver early on purpose; only the last fit has to converge.
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.clf.fit(X, y)
            proba = self.clf.predict_proba(X)[:, 1]
            log_metrics(
                {"train_accuracy": accuracy_score(y, proba >= 0.5), "train_log_loss": log_loss(y, proba, labels=[0, 1])},
                step=epoch,
                epoch=epoch,
            )
            clf = self.clf
            state = {"coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(), "classes": clf.classes_.tolist()}
            save_checkpoint(state, step=epoch)

    def _resume(self):
        """Continues from the newest checkpoint (a retried attempt): warm_start picks up coef_."""
        found = load_latest_checkpoint()
        if found is None:
            return 1
        step, state = found
        self.clf.coef_ = np.asarray(state["coef"])
        self.clf.intercept_ = np.asarray(state["intercept"])
        self.clf.classes_ = np.asarray(state["classes"])
        print(f"resuming from checkpoint at epoch {step}", flush=True)
        return step + 1

    def evaluate(self, ctx):
        X, y, _ = load_xy(ctx.test_path, ctx.target_column, self.scaler["features"])
        proba = self.clf.predict_proba(self._scale(X))[:, 1]
        predicted = (proba >= 0.5).astype(int)
        return {
            "accuracy": float(accuracy_score(y, predicted)),
            "f1": float(f1_score(y, predicted)),
            "roc_auc": float(roc_auc_score(y, proba)),
            "log_loss": float(log_loss(y, proba, labels=[0, 1])),
        }

    def save_model(self, path):
        with open(os.path.join(path, MODEL_FILE), "wb") as f:
            pickle.dump(self.clf, f)
        with open(os.path.join(path, SCALER_FILE), "w") as f:
            json.dump(self.scaler, f)
        metadata = {
            "model": "sklearn.linear_model.LogisticRegression",
            # Pickles only load reliably under the scikit-learn version that wrote them.
            "sklearn_version": sklearn.__version__,
            "features": self.scaler["features"],
            "classes": {"0": "malignant", "1": "benign"},
            "params": self.clf.get_params(),
        }
        with open(os.path.join(path, METADATA_FILE), "w") as f:
            json.dump(metadata, f, indent=2, default=str)

    @classmethod
    def load_model(cls, path):
        with open(os.path.join(path, MODEL_FILE), "rb") as f:
            clf = pickle.load(f)
        with open(os.path.join(path, SCALER_FILE)) as f:
            scaler = json.load(f)
        return cls(clf=clf, scaler=scaler)

    def predict(self, instances):
        X = np.asarray(instances_to_rows(instances, self.scaler["features"]), dtype=float)
        return [int(c) for c in self.clf.predict(self._scale(X))]
