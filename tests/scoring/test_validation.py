"""Every validation rule of the model schema, each with a failing case and its message."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from scoring import DEFAULT_MODEL, ModelError, load_model


def broken(edit: Callable[[dict[str, Any]], None]) -> list[str]:
    data = copy.deepcopy(DEFAULT_MODEL)
    edit(data)
    with pytest.raises(ModelError) as info:
        load_model(data)
    return [str(issue) for issue in info.value.issues]


def test_default_model_is_valid() -> None:
    model = load_model(DEFAULT_MODEL)
    assert [c.weight for c in model.criteria] == [30, 20, 15, 15, 10, 10]
    assert model.tiers[0].min_score == 75


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


CASES = [
    # (what, edit, expected message fragment)
    ("weight not a number", _set(("criteria", 2, "weight"), "thirty"),
     """criterion 3 "Industry Alignment" weight: must be a number, got 'thirty'"""),
    ("negative weight", _set(("criteria", 0, "weight"), -30),
     'criterion 1 "Revenue Potential" weight: weight must be >= 0'),
    ("weights do not sum to 100", _set(("criteria", 5, "weight"), 5),
     "criteria: weights must sum to 100, they sum to 95"),
    ("bands not ascending", _set(("criteria", 1, "bands", 2, "min"), 400),
     'criterion 2 "Company Size" band 3 min: bands must be strictly ascending by min'),
    ("band points out of range", _set(("criteria", 0, "bands", 3, "points"), 12),
     'criterion 1 "Revenue Potential" band 4 points: must be between 0 and 10, got 12'),
    ("category points out of range", _set(("criteria", 3, "categories", "Strong"), 11),
     """criterion 4 "Technology Stack Fit" category 'Strong': must be between 0 and 10, got 11"""),
    ("missing points out of range", _set(("criteria", 3, "missing_points"), -1),
     'criterion 4 "Technology Stack Fit" missing_points: must be between 0 and 10, got -1'),
    ("both bands and categories", _set(("criteria", 3, "bands"), [{"min": 0, "points": 1}]),
     "give either numeric 'bands' or a 'categories' map"),
    ("neither bands nor categories", _set(("criteria", 3, "categories"), None),
     "give either numeric 'bands' or a 'categories' map"),
    ("category twice", _set(("criteria", 3, "categories", "strong "), 3),
     "category 'strong ': category listed twice"),
    ("unknown source field", _set(("criteria", 0, "field"), "arr_potentail"),
     """criterion 1 "Revenue Potential" field: unknown source field 'arr_potentail'"""),
    ("blank criterion name", _set(("criteria", 0, "name"), ""),
     'criterion 1 "Revenue Potential" name: must not be blank'),
    ("duplicate criterion", _set(("criteria", 1, "name"), "revenue_potential"),
     "criterion 2 \"Company Size\" name: criterion 'revenue_potential' is listed twice"),
    ("tiers not descending", _set(("tiers", 1, "min_score"), 80),
     'tier 2 "Tier 2" min_score: tier thresholds must strictly descend'),
    ("no catch-all tier", _set(("tiers", 3, "min_score"), 10),
     'tier 4 "Tier 4" min_score: the last tier must start at 0'),
    ("tier above 100", _set(("tiers", 0, "min_score"), 120),
     'tier 1 "Tier 1" min_score: must be 0-100'),
    ("duplicate tier", _set(("tiers", 2, "name"), "Tier 2"),
     "tier 3 \"Tier 2\" name: tier 'Tier 2' is listed twice"),
    ("target shares over 1", _set(("tiers", 0, "target_share"), 0.5),
     "tiers: target shares add up to 1.4, more than 1"),
    ("share not a fraction", _set(("tiers", 0, "target_share"), 10),
     'tier 1 "Tier 1" target_share: must be 0-1'),
    ("health not descending", _set(("health", 1, "min_engagement"), 80),
     'health band 2 "At Risk" min_engagement: health bands must strictly descend'),
    ("no health bands", _set(("health",), []), "health: at least one health band is needed"),
    ("rule with unknown tier", _set(("next_actions", 0, "when", "tier"), ["Tier 9"]),
     "next action rule 1 tier: unknown tier 'Tier 9'"),
    ("rule with unknown health", _set(("next_actions", 1, "when", "health"), ["Sick"]),
     "next action rule 2 health: unknown health 'Sick'"),
    ("rule without action", _set(("next_actions", 2, "action"), ""),
     "next action rule 3 action: must not be blank"),
    ("trigger to unknown tier", _set(("reassessment", "upgrade", "triggers", 0, "to"), "Tier 0"),
     "reassessment upgrade trigger 1 to: unknown tier 'Tier 0'"),
    ("trigger moving down", _set(("reassessment", "upgrade", "triggers", 1, "from"), ["Tier 1"]),
     "reassessment upgrade trigger 2 from: 'Tier 1' is not below 'Tier 1'"),
    ("trigger without tiers", lambda d: d["reassessment"]["upgrade"]["triggers"][2].pop("to"),
     "reassessment upgrade trigger 3: name the tiers it moves from ('from') and to ('to')"),
    ("capacity overflow unknown", _set(("reassessment", "capacity", "overflow_to"), "T2"),
     "reassessment capacity overflow_to: unknown tier 'T2'"),
    ("campaign tier unknown", _set(("campaign_tier",), "Tier Two"),
     "campaign_tier: unknown tier 'Tier Two'"),
    ("unknown top-level key", _set(("weights",), {}), "weights: unknown key"),
    ("unknown nested key", _set(("criteria", 0, "wieght"), 30),
     'criterion 1 "Revenue Potential" wieght: unknown key'),
    ("missing criteria", lambda d: d.pop("criteria"), "criteria: is required"),
    ("no criteria", _set(("criteria",), []), "criteria: at least one criterion is needed"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_names_the_place_and_the_problem(
    what: str, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    errors = broken(edit)
    assert any(message in e for e in errors), errors


def test_every_error_is_reported_at_once() -> None:
    def many(data: dict[str, Any]) -> None:
        data["criteria"][0]["weight"] = "thirty"
        data["criteria"][1]["bands"][1]["min"] = -5
        data["tiers"][1]["min_score"] = 90
        data["next_actions"][0]["when"]["health"] = ["Sick"]
        data["surprise"] = True

    errors = broken(many)
    assert len(errors) == 5, errors
    for fragment in ("weight", "band 2 min", "Tier 2", "Sick", "surprise"):
        assert any(fragment in e for e in errors), (fragment, errors)


def test_a_model_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(ModelError, match="must be an object"):
        load_model(["criteria"])


def test_issue_paths_point_into_the_data_for_sheet_cells() -> None:
    errors = copy.deepcopy(DEFAULT_MODEL)
    errors["criteria"][4]["weight"] = "ten"
    with pytest.raises(ModelError) as info:
        load_model(errors)
    assert [i.path for i in info.value.issues] == [("criteria", 4, "weight")]
