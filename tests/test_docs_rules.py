"""The README, the model JSON and the sheet's Reassessment tab state the same tier rules."""

from __future__ import annotations

from pathlib import Path

from connectors.sheets.layout import reassessment_rows
from scoring import DEFAULT_MODEL, load_model

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_rules() -> list[list[str]]:
    """Return the cells of the README's reassessment table, one list per row."""
    table = README.read_text(encoding="utf-8").split("| rule | from | to | when |")[1]
    lines = table.strip().split("\n\n")[0].splitlines()[1:]  # skip the |---| line
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]


def test_the_readme_table_is_the_sheet_tab_is_the_model() -> None:
    r = DEFAULT_MODEL["reassessment"]
    sheet = reassessment_rows(r)
    readme = readme_rules()
    assert [row[:3] for row in readme] == [[str(c or "") for c in row[:3]] for row in sheet]
    triggers = r["upgrade"]["triggers"]
    for row, trigger in zip(readme, triggers, strict=False):
        assert row[3] == f"{trigger['label']} (`{trigger['field']}` >= {trigger['min']})"
    by_rule = {row[0]: row[3] for row in readme}
    assert f"{r['downgrade']['inactive_days']}+ days" in by_rule["inactivity"]
    assert "one tier per review" in by_rule["inactivity"]
    assert f"{r['hysteresis']} points below" in by_rule["hysteresis"]
    assert f"every {r['review_days']} days" in by_rule["review cadence"]
    per_rep = load_model(DEFAULT_MODEL).tier(r["capacity"]["tier"]).accounts_per_rep
    assert f"accounts per rep ({per_rep})" in by_rule["capacity"]
