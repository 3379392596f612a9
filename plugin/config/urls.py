"""Database URLs in messages: whether one holds a password, and the same URL with it masked."""

from __future__ import annotations

import re

# scheme://user:password@host... (the password ends at the first "@", as SQLAlchemy reads it)
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@]*):(?P<pw>[^@]*)@")


def has_password(url: str) -> bool:
    """Return True when the URL carries a password."""
    found = _USERINFO.match(url)
    return bool(found and found.group("pw"))


def masked(url: str) -> str:
    """Return the URL with its password replaced by ***, safe for messages and logs."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url, count=1)


def first_line(error: BaseException) -> str:
    """Return the first line of an error's message (drivers add hints and links below it)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
