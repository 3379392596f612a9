"""Writing a model out as Python source, compiled once per Scorer.

A configurable scorer that loops over criteria, bands and rules per record does far more work
than a scorer typed out by hand for one model. So, as `dataclasses` and
`collections.namedtuple` do for the classes they make, the Scorer writes that hand-typed code
itself and compiles it once with `exec`. Only `repr()` of numbers and strings ever enters the
source (`literal`), so nothing a manager types into a model can become code.
"""

from __future__ import annotations

import math
from typing import Any


def literal(value: object) -> str:
    """Return Python source for a number or a string, exactly as given."""
    if isinstance(value, str):
        return repr(value)
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "float('nan')"
    if math.isinf(number):
        return "1e999" if number > 0 else "-1e999"  # folded to infinity at compile time
    return repr(number)


def ladder(value: str, steps: list[tuple[float, str]], head: list[str]) -> list[str]:
    """Return if/elif lines: the first step whose minimum value reaches runs; the last is else.

    steps are (minimum, statement) highest first; head holds lines of an earlier first branch.
    """
    lines = list(head)
    for minimum, statement in steps[:-1]:
        keyword = "elif" if lines else "if"
        lines += [f"    {keyword} {value} >= {literal(minimum)}:", f"        {statement}"]
    last = steps[-1][1]
    return [*lines, "    else:", f"        {last}"] if lines else [f"    {last}"]


def build(name: str, lines: list[str], namespace: dict[str, Any], label: str) -> tuple[Any, str]:
    """Compile the lines of one function; return it and its source text."""
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<{label}>", "exec"), namespace)
    return namespace[name], source
