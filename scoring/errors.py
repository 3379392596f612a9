"""Errors of the scoring core, named by what the caller should do."""

from __future__ import annotations

from dataclasses import dataclass


class ScoringError(Exception):
    """Root of every error raised by the scoring core."""


@dataclass(frozen=True, slots=True)
class ModelIssue:
    """One problem in a scoring model: where (a path into the model data) and what."""

    path: tuple[str | int, ...]
    message: str
    where: str = ""  # a human name for the place, e.g. 'criterion "Company Size" band 2'

    def __str__(self) -> str:
        place = self.where or ".".join(str(p) for p in self.path) or "model"
        return f"{place}: {self.message}"


class InvalidValue(ScoringError, ValueError):
    """A value that is present but cannot be read as the expected type: skip the cell, name it."""


class ModelError(ScoringError):
    """The scoring model is invalid: fix it and re-run. Carries every issue found."""

    def __init__(self, issues: list[ModelIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))
