"""A nearest-centroid classifier in plain Python: small enough to train in milliseconds, real
enough that the features it uses decide how good it is. `extras.features` names the columns
it looks at ("all", or a comma-separated list), so one project can produce a worse or a better
challenger on purpose."""
import json
import math
import os

from kiln_sdk import KilnModel, instances_to_rows, log_metric, read_csv, split_features_target

MODEL_FILE = "centroids.json"
# A reading as clients send it, whatever columns a version uses: versions can swap under them.
READING = ["temperature", "vibration", "pressure", "hours_since_service"]


def load(path, target, features=None):
    header, rows = read_csv(path)
    X, y, names = split_features_target(header, rows, target)
    if features is not None:
        index = [names.index(f) for f in features]
        X = [[row[i] for i in index] for row in X]
        names = list(features)
    return X, [int(v) for v in y], names


class NearestCentroid(KilnModel):
    def __init__(self, features=None, means=None, scale=None, centroids=None):
        self.features = features
        self.means = means
        self.scale = scale
        self.centroids = centroids

    def _standardize(self, X):
        return [[(v - m) / s for v, m, s in zip(row, self.means, self.scale)] for row in X]

    def train(self, ctx):
        X, y, names = load(ctx.train_path, ctx.target_column)
        wanted = str(ctx.params.extras.get("features", "all"))
        self.features = names if wanted == "all" else [f.strip() for f in wanted.split(",")]
        unknown = [f for f in self.features if f not in names]
        if unknown:
            raise ValueError(f"params.extras.features: unknown column(s) {unknown}; columns are {names}")
        X, y, _ = load(ctx.train_path, ctx.target_column, self.features)
        n = len(X)
        self.means = [sum(col) / n for col in zip(*X)]
        self.scale = [math.sqrt(sum((v - m) ** 2 for v in col) / n) or 1.0 for col, m in zip(zip(*X), self.means)]
        Z = self._standardize(X)
        self.centroids = {}
        for label in sorted(set(y)):
            members = [z for z, t in zip(Z, y) if t == label]
            self.centroids[str(label)] = [sum(col) / len(members) for col in zip(*members)]
        log_metric("train_rows", n)

    def _classify(self, z):
        return int(min(self.centroids, key=lambda label: sum((a - b) ** 2 for a, b in zip(z, self.centroids[label]))))

    def evaluate(self, ctx):
        X, y, _ = load(ctx.test_path, ctx.target_column, self.features)
        predicted = [self._classify(z) for z in self._standardize(X)]
        tp = sum(1 for p, t in zip(predicted, y) if p == t == 1)
        fp = sum(1 for p, t in zip(predicted, y) if p == 1 and t == 0)
        fn = sum(1 for p, t in zip(predicted, y) if p == 0 and t == 1)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        return {
            "accuracy": sum(1 for p, t in zip(predicted, y) if p == t) / len(y),
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            # Which rows were scored: the champion and the challenger must report the same.
            "test_rows": float(len(y)),
        }

    def save_model(self, path):
        with open(os.path.join(path, MODEL_FILE), "w") as f:
            json.dump({"features": self.features, "means": self.means, "scale": self.scale, "centroids": self.centroids}, f)

    @classmethod
    def load_model(cls, path):
        with open(os.path.join(path, MODEL_FILE)) as f:
            return cls(**json.load(f))

    def predict(self, instances):
        rows = instances_to_rows(instances, READING)
        index = [READING.index(f) for f in self.features]
        X = [[row[i] for i in index] for row in rows]
        return [self._classify(z) for z in self._standardize(X)]
