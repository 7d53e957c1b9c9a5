"""Errors that mean the stage was started wrongly, as opposed to the user's code failing."""


class ContractError(Exception):
    """The stage was started wrongly (env, files): stage.py exits 2 with the message."""


class ParamsError(ContractError):
    """The params file does not match the one param schema (core/specs/hyperparameters.ts)."""
