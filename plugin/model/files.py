"""Reading a scoring model from a JSON file, with errors a manager can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scoring import DEFAULT_MODEL, ModelError, ModelIssue, ScoringModel, load_model


def read_model_data(path: str | Path) -> dict[str, Any]:
    """Return the plain data of a JSON model file, or raise ModelError saying what is wrong."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ModelError([ModelIssue((), f"cannot read {target}: {exc.strerror or exc}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{target} line {exc.lineno} column {exc.colno}"
        raise ModelError([ModelIssue((), f"not valid JSON: {exc.msg}", where)]) from None
    if not isinstance(data, dict):
        raise ModelError([ModelIssue((), "the model must be a JSON object", str(target))])
    return data


def load_model_file(path: str | Path | None) -> tuple[ScoringModel, dict[str, Any]]:
    """Load and validate a model file (None: the default scorecard); return model and data."""
    data = DEFAULT_MODEL if path is None else read_model_data(path)
    return load_model(data), data
