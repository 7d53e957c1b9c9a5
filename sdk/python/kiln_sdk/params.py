"""The one param schema, Python side: mirrors core/specs/hyperparameters.ts, so a params file
Kiln wrote always loads and a hand-written one fails naming the field, before training starts."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping

from .errors import ContractError, ParamsError

_EXTRA_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_number(v: Any) -> bool:
    # bool is an int subclass in Python but not a number in JSON Schema/zod terms.
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _int_field(data: Mapping[str, Any], name: str, minimum: int) -> int:
    v = data[name]
    # JSON has one number type: 32.0 is an integer to zod, so accept it here too.
    if _is_number(v) and float(v).is_integer() and v >= minimum:
        return int(v)
    kind = "positive integer" if minimum > 0 else "integer >= 0"
    raise ParamsError(f"params.{name}: expected {kind}, got {_show(v)}")


@dataclass(frozen=True)
class Params:
    learning_rate: float
    batch_size: int
    epochs: int
    seed: int
    extras: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> "Params":
        if not isinstance(data, dict):
            raise ParamsError(f"params: expected an object, got {_show(data)}")
        known = ("learning_rate", "batch_size", "epochs", "seed", "extras")
        for key in data:
            if key not in known:
                raise ParamsError(f"params.{key}: unknown key (allowed: {', '.join(known)}; model-specific values go in extras)")
        for key in known:
            if key not in data:
                raise ParamsError(f"params.{key}: required")
        lr = data["learning_rate"]
        if not _is_number(lr):
            raise ParamsError(f"params.learning_rate: expected number, got {_show(lr)}")
        if lr <= 0:
            raise ParamsError(f"params.learning_rate: expected a positive number, got {_show(lr)}")
        extras = data["extras"]
        if not isinstance(extras, dict):
            raise ParamsError(f"params.extras: expected an object, got {_show(extras)}")
        for key, value in extras.items():
            if not _EXTRA_KEY.match(key):
                raise ParamsError(f"params.extras.{key}: key must be an identifier")
            if not (isinstance(value, (str, bool)) or _is_number(value)):
                raise ParamsError(f"params.extras.{key}: expected number, string or boolean, got {_show(value)}")
        return cls(
            learning_rate=float(lr),
            batch_size=_int_field(data, "batch_size", 1),
            epochs=_int_field(data, "epochs", 1),
            seed=_int_field(data, "seed", 0),
            extras=dict(extras),
        )

    @classmethod
    def load(cls, path: str, source: str = "params file") -> "Params":
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as e:
            raise ContractError(f"{source}: cannot read {path}: {e.strerror}") from None
        except ValueError as e:
            raise ParamsError(f"params: {path} is not valid JSON: {e}") from None
        return cls.from_dict(data)

    def to_dict(self) -> Dict[str, Any]:
        return {"learning_rate": self.learning_rate, "batch_size": self.batch_size,
                "epochs": self.epochs, "seed": self.seed, "extras": dict(self.extras)}
