"""`tiersync model backtest`: score the book with one or two models and test them on deals.

Scores use the accounts as they are now (the source's current values), tiers by score alone
(before reassessment), and the opportunities from a CSV file or Salesforce.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from connectors.errors import ConfigError
from plugin.config import Config
from plugin.reporting.reports import read_opportunities
from plugin.reporting.sample_opps import BUNDLED
from plugin.wiring import open_connector, open_salesforce
from scoring import AccountRecord, Scorer, ScoringModel, load_model, model_hash
from scoring.backtest import (
    Backtest,
    Scored,
    auc_of,
    backtest,
    split,
    suggest_weights,
    won_accounts,
)
from scoring.performance import Opportunity, money, percent

SALESFORCE = "salesforce"


@dataclass
class Suggestion:
    """Weights fitted on training accounts and both models' AUC on the held-out ones."""

    data: dict[str, Any]
    labels: list[str]
    before: list[float]
    after: list[float]
    held_out: int
    current_auc: float | None
    suggested_auc: float | None
    seed: int

    @property
    def better(self) -> bool:
        """Return True when the suggestion ranks held-out deals better than the current model."""
        return (self.suggested_auc or 0.0) > (self.current_auc or 0.0)


@dataclass
class BacktestReport:
    """Everything the command prints."""

    source: str
    models: list[tuple[str, Backtest]] = field(default_factory=list)
    suggestion: Suggestion | None = None


def read_accounts(config: Config) -> list[AccountRecord]:
    """Read every account of the configured sources (their current input values)."""
    records: list[AccountRecord] = []
    for name in config.sources:
        conn = open_connector(name, config)
        conn.check()
        records.extend(conn.iter_accounts())
    return records


def opportunities(
    config: Config, source: str | None, since: date | None
) -> tuple[str, list[Opportunity]]:
    """Return a label and the opportunities: a CSV file, or the org's when source is salesforce."""
    if source == SALESFORCE:
        if SALESFORCE not in config.sources:
            raise ConfigError("--opportunities salesforce: add a [salesforce] table and source")
        conn = open_salesforce(config)
        return "Salesforce Opportunity", list(conn.iter_opportunities(since))
    path = Path(source) if source else (config.report.opportunities or BUNDLED)
    opps = list(read_opportunities(path))
    return str(path if source or config.report.opportunities else "bundled sample opportunities"), [
        o for o in opps if since is None or o.created_on >= since
    ]


def score_book(model: ScoringModel, records: Sequence[AccountRecord], today: date) -> list[Scored]:
    """Return each account's score and score tier under a model."""
    scorer = Scorer(model, today)
    out = []
    for record in records:
        result = scorer.score(record)
        out.append(Scored(record.account_id, result.score, result.score_tier))
    return out


def run_backtest(
    models: Sequence[tuple[str, Mapping[str, Any]]],
    records: Sequence[AccountRecord],
    opps: tuple[str, list[Opportunity]],
    today: date,
) -> BacktestReport:
    """Backtest each (label, model data) on the book and the opportunities."""
    out = BacktestReport(opps[0])
    for label, data in models:
        model = load_model(data)
        tiers = [t.name for t in model.tiers]
        out.models.append((label, backtest(score_book(model, records, today), opps[1], tiers)))
    return out


def suggest(
    data: Mapping[str, Any],
    records: Sequence[AccountRecord],
    opps: Sequence[Opportunity],
    today: date,
    seed: int = 7,
) -> Suggestion:
    """Fit weights on 70% of the accounts; measure both models on the other 30%."""
    model = load_model(data)
    won = won_accounts(opps)
    held = split((r.account_id for r in records), won, seed=seed)
    scorer = Scorer(model, today)
    train = {r.account_id: scorer.points(r) for r in records if r.account_id not in held}
    before = [c.weight for c in model.criteria]
    after = list(suggest_weights(train, before, won & train.keys()))
    fitted = copy.deepcopy(dict(data))
    for criterion, weight in zip(fitted["criteria"], after, strict=True):
        criterion["weight"] = int(weight) if float(weight).is_integer() else round(weight, 2)
    fitted["name"] = f"{model.name} (weights fitted on won deals)"
    load_model(fitted)  # never write a model that would not load
    test = [r for r in records if r.account_id in held]
    return Suggestion(
        fitted,
        [c.label for c in model.criteria],
        before,
        after,
        len(test),
        auc_of(score_book(model, test, today), won),
        auc_of(score_book(load_model(fitted), test, today), won),
        seed,
    )


def write_model(path: Path, data: Mapping[str, Any]) -> None:
    """Write a model as JSON (what `tiersync model preview` and model.path read)."""
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def render(result: BacktestReport) -> Iterator[str]:
    """Yield the report's lines: per model the tier table, order, lift and AUC."""
    first = result.models[0][1]
    yield (
        f"backtest on {first.accounts:,} accounts and {first.opportunities:,} opportunities "
        f"({first.won_accounts:,} accounts with a won deal) from {result.source}"
    )
    yield "tiers by score alone; scores from the accounts as they are today"
    for label, bt in result.models:
        yield ""
        yield f"model {label}"
        yield from _table(bt)
        yield f"tiers ordered: {'yes' if not bt.breaks else 'no — ' + '; '.join(bt.breaks)}"
        yield f"lift ({bt.rows[0].tier}): {_x(bt.lift)}   AUC: {_auc(bt.auc)}"
    if len(result.models) > 1:
        yield ""
        yield f"{'':<16}" + "".join(f"{label[:22]:>24}" for label, _ in result.models)
        yield f"{'AUC':<16}" + "".join(f"{_auc(bt.auc):>24}" for _, bt in result.models)
        yield f"{'lift':<16}" + "".join(f"{_x(bt.lift):>24}" for _, bt in result.models)
        ordered = ["yes" if not bt.breaks else f"no ({len(bt.breaks)})" for _, bt in result.models]
        yield f"{'tiers ordered':<16}" + "".join(f"{o:>24}" for o in ordered)
    if result.suggestion is not None:
        yield from _suggestion(result.suggestion)


def _table(bt: Backtest) -> Iterator[str]:
    rows = [
        ["Metric", *(f"{r.tier} ({r.accounts:,})" for r in bt.rows)],
        ["Opportunity Creation Rate", *(percent(r.creation_rate) for r in bt.rows)],
        ["Win Rate", *(percent(r.win_rate) for r in bt.rows)],
        ["Average Deal Size", *(money(r.average_deal) for r in bt.rows)],
        ["New ARR Generated", *(money(r.new_arr) for r in bt.rows)],
        ["Sales Cycle (median days)", *("-" if r.cycle_days is None else f"{r.cycle_days:.0f}"
                                        for r in bt.rows)],
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        yield "  " + " | ".join(cells)


def _suggestion(s: Suggestion) -> Iterator[str]:
    yield ""
    yield (
        f"suggested weights (fitted on the other accounts, measured on {s.held_out:,} held-out "
        f"accounts, seed {s.seed}; bands and thresholds unchanged):"
    )
    for label, old, new in zip(s.labels, s.before, s.after, strict=True):
        yield f"  {label:<28} {old:>5g} -> {new:g}"
    yield f"held-out AUC: current {_auc(s.current_auc)}, suggested {_auc(s.suggested_auc)}"
    if not s.better:
        yield "the suggestion does not rank held-out deals better: keep the current model"


def _auc(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def version_label(data: Mapping[str, Any], name: str) -> str:
    """Return how a model is named in the report: its version and where it came from."""
    return f"{model_hash(data)} ({name})"
