"""A tiny trainer with learning curves, for tuning experiments and early stopping.

Accuracy climbs towards a ceiling set by `quality` (how good this configuration is) at a
speed set by `learning_rate`: accuracy(step) = quality * (1 - exp(-learning_rate * step)).
It logs accuracy at every step, as a real trainer logs validation metrics per epoch, so a
median stopping rule can compare trials step by step. Deterministic: no randomness at all.
"""
import json
import math
import os
import time

from kiln_sdk import log_metric


def train(ctx):
    extras = ctx.params.extras
    if extras["quality"] < extras["fail_below"]:
        raise RuntimeError(f"quality {extras['quality']} is below fail_below {extras['fail_below']}: this configuration crashes")
    accuracy = 0.0
    for step in range(1, int(extras["steps"]) + 1):
        accuracy = extras["quality"] * (1 - math.exp(-ctx.params.learning_rate * step))
        log_metric("accuracy", accuracy, step=step)
        time.sleep(extras["step_seconds"])
    with open(os.path.join(ctx.output_dir, "model.json"), "w") as f:
        json.dump({"accuracy": accuracy}, f)


def evaluate(ctx):
    with open(os.path.join(ctx.input_dir("train"), "model.json")) as f:
        return {"accuracy": json.load(f)["accuracy"]}
