"""Analysis results as plain JSON values, as every door writes them (the CLI's --json, the API)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

__all__ = ["plain"]


def plain(value: Any) -> Any:
    """A result as JSON-ready values: dataclasses as objects, dates as ISO strings, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value
