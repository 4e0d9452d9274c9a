"""The training method: which data format it needs and the ``method`` object it sends."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from tunelint.engine.errors import UsageError
from tunelint.engine.formats import Format, detect_format
from tunelint.engine.reader import read_lines

Method = Literal["supervised", "dpo", "reinforcement"]
METHODS: tuple[Method, ...] = ("supervised", "dpo", "reinforcement")

FORMAT_OF: dict[Method, Format] = {
    "supervised": Format.CHAT,
    "dpo": Format.PREFERENCE,
    "reinforcement": Format.REINFORCEMENT,
}
_METHOD_OF = {data_format: method for method, data_format in FORMAT_OF.items()}


@dataclass(frozen=True, slots=True)
class Hyperparameters:
    """What the user set; ``None`` leaves the provider's ``auto`` choice."""

    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None

    def given(self) -> dict[str, int | float]:
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


def check_arguments(
    method: Method, hyper: Hyperparameters, validation: Path | None, grader: Path | None
) -> None:
    """Reject combinations the API would refuse, before anything is read or sent."""
    if hyper.beta is not None and method != "dpo":
        raise UsageError("--beta applies to --method dpo only")
    if method == "reinforcement":
        if validation is None:
            raise UsageError("--method reinforcement needs a --validation-file")
        if grader is None:
            raise UsageError("--method reinforcement needs a --grader GRADER.json")
    elif grader is not None:
        raise UsageError("--grader applies to --method reinforcement only")


def check_format(path: Path, method: Method) -> None:
    """Every record of ``path`` must be in the format ``method`` trains on.

    Undecodable lines are the linter's business; only records are classified here.
    """
    wanted = FORMAT_OF[method]
    for line in read_lines(path):
        if not isinstance(line.value, dict):
            continue
        found = detect_format(line.value)
        if found is not wanted:
            hint = f" (use --method {_METHOD_OF[found]})" if found in _METHOD_OF else ""
            raise UsageError(
                f"{path}:{line.number}: a {found} record, but --method {method} trains on "
                f"{wanted} records{hint}"
            )


def load_grader(path: Path) -> dict[str, Any]:
    try:
        grader = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: the grader is not valid JSON ({error})") from None
    if not isinstance(grader, dict) or "type" not in grader:
        raise UsageError(f"{path}: a grader is a JSON object with a 'type'")
    return grader


def method_object(
    method: Method, hyper: Hyperparameters, grader: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The job's ``method``: its type, and the hyperparameters inside its own object."""
    settings: dict[str, Any] = {}
    if hyperparameters := hyper.given():
        settings["hyperparameters"] = hyperparameters
    if grader is not None:
        settings["grader"] = grader
    return {"type": method, method: settings}
