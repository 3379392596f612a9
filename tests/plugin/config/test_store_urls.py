"""Database URLs in messages: a password is noticed and masked."""

from __future__ import annotations

from plugin.config.urls import has_password, masked

HIDDEN = "hunter2-correct-horse-battery-staple"


def test_masking_helpers() -> None:
    assert masked(f"postgresql://u:{HIDDEN}@h:5432/db?x=1") == "postgresql://u:***@h:5432/db?x=1"
    assert masked("sqlite:///tiersync.db") == "sqlite:///tiersync.db"
    assert has_password("postgresql://u:p@h/db") and not has_password("postgresql://u@h/db")
    assert not has_password("postgresql://u:@h/db")
