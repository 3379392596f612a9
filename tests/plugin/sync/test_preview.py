"""Preview: how many accounts move between each pair of tiers under a new model, and which."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.cli import main
from plugin.config import load_config
from plugin.store.database import Store
from plugin.sync.preview import preview
from plugin.sync.run import run_sync
from scoring import DEFAULT_MODEL, ModelError, model_hash


def _new_model() -> dict[str, object]:
    model = copy.deepcopy(DEFAULT_MODEL)
    tiers = {t["name"]: t for t in model["tiers"]}
    tiers["Tier 2"]["min_score"] = 45  # Tier 3 accounts at 50 move up
    tiers["Tier 3"]["min_score"] = 5  # Tier 4 accounts at 7.5 move up
    return model


def test_preview_counts_each_pair_of_tiers_and_lists_the_movers(sync_dir: Path) -> None:
    config = load_config(sync_dir / "tiersync.toml", env={})
    store = Store(config.store_url)
    run_sync(config, store=store, today=date(2026, 11, 1))
    result = preview(config, _new_model(), store=store, today=date(2026, 11, 1))
    assert result.accounts == 8 and result.moved == 4
    assert result.matrix[("Tier 1", "Tier 1")] == 2
    assert result.matrix[("Tier 2", "Tier 2")] == 2
    assert result.matrix[("Tier 3", "Tier 2")] == 2
    assert result.matrix[("Tier 4", "Tier 3")] == 2
    assert sum(result.matrix.values()) == 8
    assert sorted((m.account_id, m.from_tier, m.to_tier) for m in result.moves) == [
        ("A5", "Tier 3", "Tier 2"),
        ("A6", "Tier 3", "Tier 2"),
        ("A7", "Tier 4", "Tier 3"),
        ("A8", "Tier 4", "Tier 3"),
    ]
    assert result.new_version == model_hash(_new_model())
    text = result.render()
    assert "4 of 8 accounts change tier" in text and "A5" in text
    assert len(store.get_watermark("model-source") or "") == 12
    store.dispose()


def test_preview_changes_nothing(sync_dir: Path) -> None:
    config = load_config(sync_dir / "tiersync.toml", env={})
    preview(config, _new_model(), today=date(2026, 11, 1))
    assert not config.local.output.exists()
    store = Store(config.store_url)
    assert store.get_watermark("model-source") is None
    store.dispose()


def test_an_invalid_new_model_is_refused_before_reading(sync_dir: Path) -> None:
    bad = _new_model()
    bad["tiers"] = []
    with pytest.raises(ModelError):
        preview(load_config(sync_dir / "tiersync.toml", env={}), bad)


def test_the_preview_command(sync_dir: Path) -> None:
    (sync_dir / "new.json").write_text(json.dumps(_new_model()), encoding="utf-8")
    args = [
        "model",
        "preview",
        str(sync_dir / "new.json"),
        "--config",
        str(sync_dir / "tiersync.toml"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "4 of 8 accounts change tier" in result.output
    (sync_dir / "bad.json").write_text("{", encoding="utf-8")
    args[2] = str(sync_dir / "bad.json")
    failed = CliRunner().invoke(main, args)
    assert failed.exit_code == 2 and "not valid JSON" in failed.output


def test_each_move_says_what_decided_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the bundled sample book, its store in tmp_path
    config = load_config(None, env={})
    store = Store(config.store_url)
    run_sync(config, store=store, today=date(2026, 12, 1))
    stricter = copy.deepcopy(DEFAULT_MODEL)
    stricter["tiers"][1]["min_score"] = 70  # Tier 2 now starts at 70: same scores, lower tier
    stricter["criteria"][0]["weight"], stricter["criteria"][1]["weight"] = 40, 10
    result = preview(config, stricter, store=store, today=date(2026, 12, 1))
    moves = {m.account_id: m for m in result.moves}
    assert moves, "the stricter model moves someone"
    for m in moves.values():
        if m.why.startswith(("downgraded", "upgraded", "held")) or "no longer" in m.why:
            continue  # a rule of the new model decided (checked below)
        if m.old_score == m.new_score:
            assert m.why == f"same score, below {m.from_tier} at 70 (was 60)"
        else:
            direction = "up" if m.new_score > m.old_score else "down"
            assert m.why.startswith(f"score {direction} {abs(m.new_score - m.old_score):.1f}, ")
    assert moves["ACC-0000120"].why == "same score, below Tier 2 at 70 (was 60)"
    assert moves["ACC-0000072"].why == "score down 3.0, below Tier 2 at 70 (was 60)"
    # a trigger of the current model held it in Tier 1; the stricter one does not reach it
    assert moves["ACC-0000140"].why == (
        "same score, below Tier 1 at 75; no longer upgraded Tier 2 → Tier 1: "
        "2+ executive relationships (executive_contacts 2)"
    )
    text = result.render()
    first = next(iter(moves.values()))
    assert f"({first.old_score:.1f} -> {first.new_score:.1f}): {first.why}" in text
    store.dispose()
