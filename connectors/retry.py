"""Retries in one place: exponential backoff with jitter and a cap, through tenacity."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from connectors.errors import RetriableError

T = TypeVar("T")

#: Defaults: 5 attempts, 0.5 s initial wait doubling with jitter, 30 s cap per wait.
ATTEMPTS = 5
INITIAL = 0.5
CAP = 30.0

# tenacity 9.2 renamed wait_exponential_jitter's `initial` to `multiplier` (the old name warns);
# pick whichever this tenacity has so both old and new versions work without a warning.
_BASE = (
    "multiplier"
    if "multiplier" in inspect.signature(wait_exponential_jitter.__init__).parameters
    else "initial"
)


def call_with_retry(
    fn: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    initial: float = INITIAL,
    cap: float = CAP,
    on_retry: Callable[[RetryCallState], Any] | None = None,
    sleep: Callable[[float], None] | None = None,
    wait: Callable[[RetryCallState], float] | None = None,
) -> T:
    """Call fn, retrying RetriableError with exponential backoff; re-raise the last error.

    wait replaces the backoff (a system whose rate limit has a known window waits it out).
    """
    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    retrying = Retrying(
        retry=retry_if_exception_type(RetriableError),
        wait=wait or backoff(initial, cap),
        stop=stop_after_attempt(attempts),
        reraise=True,
        before_sleep=on_retry,
        **kwargs,
    )
    return retrying(fn)


def backoff(initial: float = INITIAL, cap: float = CAP) -> Callable[[RetryCallState], float]:
    """Return exponential backoff with jitter from initial, each wait capped."""
    return wait_exponential_jitter(max=cap, **{_BASE: initial})
