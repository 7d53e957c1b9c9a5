"""Synthetic machine-sensor readings: will this machine fail within a week (label 1)?

`python3 data/sensors.py make` writes data/sensors.csv (300 rows); `python3 data/sensors.py
append --rows 100` appends fresh readings to it, which is what a watched dataset sees as new
data. Standard library only, seeded, so every run of the example sees the same numbers.
"""
import argparse
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, "sensors.csv")
COLUMNS = ["temperature", "vibration", "pressure", "hours_since_service", "label"]


def reading(rng):
    failing = rng.random() < 0.35
    # Failing machines run hotter and shake more; pressure says little; service age a bit.
    temperature = rng.gauss(78 if failing else 65, 6)
    vibration = rng.gauss(0.9 if failing else 0.45, 0.18)
    pressure = rng.gauss(101, 4)
    hours = rng.gauss(900 if failing else 600, 250)
    return [round(temperature, 2), round(vibration, 3), round(pressure, 2), max(0, round(hours)), int(failing)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["make", "append"])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.action == "make":
        rng = random.Random(args.seed if args.seed is not None else 7)
        with open(CSV, "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(reading(rng) for _ in range(args.rows or 300))
    else:
        with open(CSV) as f:
            existing = sum(1 for _ in f) - 1
        # A new seed per append (from the row count), so appended rows are new readings.
        rng = random.Random(args.seed if args.seed is not None else 1000 + existing)
        with open(CSV, "a", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(reading(rng) for _ in range(args.rows or 100))
        print(f"appended {args.rows or 100} rows to {CSV} (now {existing + (args.rows or 100)})")


if __name__ == "__main__":
    main()
