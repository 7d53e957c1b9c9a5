"""Regenerates breast_cancer.csv, the Wisconsin diagnostic breast-cancer data set as a plain CSV.

scikit-learn ships it (sklearn/datasets/data/breast_cancer.csv) in its own format, whose first
line holds counts rather than a header; this writes the 30 feature names and a `target` column
(0 = malignant, 1 = benign, as in scikit-learn) instead, so Kiln and the example need neither
scikit-learn's loader nor pandas to read it. Run once, outside the project's environment:

    python3.11 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn==1.9.1
    /tmp/skl/bin/python examples/breast-cancer/data/make_csv.py
"""
import csv
import os

from sklearn.datasets import load_breast_cancer


def _number(value: float) -> str:
    # repr() is a float's shortest round-trip form (17.99 stays 17.99); 1001.0 reads as 1001 in the source.
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def main() -> None:
    data = load_breast_cancer(as_frame=False)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "breast_cancer.csv")
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([str(name) for name in data.feature_names] + ["target"])
        for features, target in zip(data.data, data.target):
            writer.writerow([_number(v) for v in features] + [int(target)])
    print(f"wrote {len(data.target)} rows to {out}")


if __name__ == "__main__":
    main()
