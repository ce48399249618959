"""Request bodies read strictly as JSON: what a parser would silently accept is refused, naming why.

A body that is not UTF-8, is not JSON, names a key twice in one object (which value was meant?),
holds ``NaN`` or ``Infinity`` (no JSON number), or nests past the parser's bound is answered 422
before anything reads it.
"""

from __future__ import annotations

import json
from typing import Any

from bluehelmet.web.api.errors import problems

__all__ = ["strict_json"]


class _Refused(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Refused(f"names the key {json.dumps(key)[:60]} twice in one object")
        found[key] = value
    return found


def _constant(name: str) -> Any:
    raise _Refused(f"holds {name}, which is not a JSON number")


def strict_json(raw: bytes) -> Any:
    """The JSON value of ``raw``, or a 422 naming the ``(body)`` and why it is refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise problems(("(body)", f"is not UTF-8 (byte {error.start})")) from None
    if not text.strip():
        raise problems(("(body)", "is empty: send a JSON object"))
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except _Refused as error:
        raise problems(("(body)", str(error))) from None
    except ValueError as error:
        raise problems(("(body)", f"is not JSON: {error}")) from None
    except RecursionError:  # the parser's own bound on nesting; no record nests past two levels
        raise problems(("(body)", "nests too deeply to be records")) from None
