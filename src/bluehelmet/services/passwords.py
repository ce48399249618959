"""The one rule a password keeps, wherever it is set or typed (``user add``, ``user
reset-password``, the sign-in form, the API): 12 to 200 characters, no leading or trailing
spaces, more than three distinct characters, not digits only, and not a common password.

A common password is one whose stem (lowercased, without digits, spaces and symbols) is in
``data/common_passwords.txt``, a small list written for bluehelmet from well-known weak
patterns: "Password1234", "qwerty-2021!" and "MINUSMA 2023" are refused; a passphrase of
several words is not.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from bluehelmet.domain.errors import BluehelmetError

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "check_password", "common"]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
_NOT_LETTERS = re.compile(r"[\W\d_]+")


@cache
def _blocklist() -> frozenset[str]:
    text = resources.files("bluehelmet.services").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def common(password: str) -> bool:
    """Whether ``password`` is a common password, or one with digits and symbols added."""
    stem = _NOT_LETTERS.sub("", password.lower())
    if stem in _blocklist():
        return True
    half = len(stem) // 2  # a common word typed twice ("passwordpassword")
    return len(stem) % 2 == 0 and stem[:half] == stem[half:] and stem[:half] in _blocklist()


def check_password(password: str) -> None:
    """Refuse (BluehelmetError, saying why) a password that breaks the rule."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise BluehelmetError(f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
    if password.strip() != password or len(set(password)) < 4:
        raise BluehelmetError("a password has no leading or trailing spaces and more than three distinct characters")
    if password.isdigit():
        raise BluehelmetError("a password is not digits only")
    if common(password):
        raise BluehelmetError("that password is among the most common ones: choose a passphrase of several words")
