"""Strict reading of problem files: every wrong field is refused with its path and the reason.

A problem arrives as parsed JSON (plain dicts and lists). ``Fields`` walks one object of it,
taking each field with its expected type; unknown fields are refused, so a misspelt option is
never silently ignored. A ``false`` is not a number and a number is not a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bluehelmet.domain.errors import BluehelmetError

__all__ = ["Fields", "InvalidProblem", "as_list", "as_object", "unique"]


class InvalidProblem(BluehelmetError):
    """A problem file breaks its format; ``path`` names the field (``units[3].window.earliest``)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path or 'problem'}: {reason}")


def as_object(value: Any, path: str) -> Fields:
    """``value`` as an object whose fields can be taken one by one."""
    if not isinstance(value, Mapping):
        raise InvalidProblem(path, f"expected an object, got {_kind(value)}")
    return Fields(value, path)


def as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidProblem(path, f"expected a list, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), "an object" if isinstance(value, Mapping) else type(value).__name__
    )


class Fields:
    """One object of a problem: take each field once, then ``done()`` refuses the fields left over."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self._data = data
        self._path = path
        self._taken: set[str] = set()

    def at(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name

    def has(self, name: str) -> bool:
        return self._data.get(name) is not None

    def raw(self, name: str, *, required: bool = True) -> Any:
        self._taken.add(name)
        if name not in self._data or self._data[name] is None:
            if required:
                raise InvalidProblem(self.at(name), "is required")
            return None
        return self._data[name]

    def text(self, name: str, default: str | None = None) -> str:
        value = self.raw(name, required=default is None)
        if value is None:
            return default or ""
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise InvalidProblem(self.at(name), f"expected a non-empty string, got {_kind(value)}")
        return value

    def number(self, name: str, default: float | None = None, *, minimum: float | None = None) -> float:
        value = self.raw(name, required=default is None)
        if value is None:
            return float(default or 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidProblem(self.at(name), f"expected a number, got {_kind(value)}")
        if minimum is not None and value < minimum:
            raise InvalidProblem(self.at(name), f"must be at least {minimum:g}, got {value:g}")
        return float(value)

    def optional_number(self, name: str, *, minimum: float | None = None) -> float | None:
        return self.number(name, minimum=minimum) if self.has(name) else self.raw(name, required=False)

    def integer(self, name: str, default: int | None = None, *, minimum: int | None = None) -> int:
        value = self.raw(name, required=default is None)
        if value is None:
            return default or 0
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidProblem(self.at(name), f"expected a whole number, got {_kind(value)}")
        if minimum is not None and value < minimum:
            raise InvalidProblem(self.at(name), f"must be at least {minimum}, got {value}")
        return value

    def fraction(self, name: str, default: float | None = None) -> float:
        value = self.number(name, default)
        if not 0.0 <= value <= 1.0:
            raise InvalidProblem(self.at(name), f"must be between 0 and 1, got {value:g}")
        return value

    def flag(self, name: str, default: bool | None = None) -> bool:
        value = self.raw(name, required=default is None)
        if value is None:
            return bool(default)
        if not isinstance(value, bool):
            raise InvalidProblem(self.at(name), f"expected true or false, got {_kind(value)}")
        return value

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.raw(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidProblem(self.at(name), f"expected a day written YYYY-MM-DD, got {_kind(value)}")
        try:
            if len(value) != 10 or value[4] != "-" or value[7] != "-":
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidProblem(self.at(name), f"expected a day written YYYY-MM-DD, got '{value}'") from None

    def required_day(self, name: str) -> date:
        value = self.day(name)
        assert value is not None
        return value

    def texts(self, name: str) -> list[str]:
        value = self.raw(name, required=False)
        if value is None:
            return []
        items = as_list(value, self.at(name))
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise InvalidProblem(f"{self.at(name)}[{i}]", f"expected a string, got {_kind(item)}")
        return list(items)

    def objects(self, name: str, *, required: bool = True) -> list[Fields]:
        value = self.raw(name, required=required)
        if value is None:
            return []
        return [as_object(item, f"{self.at(name)}[{i}]") for i, item in enumerate(as_list(value, self.at(name)))]

    def object(self, name: str) -> Fields:
        return as_object(self.raw(name), self.at(name))

    def done(self) -> None:
        """Refuse any field that was not taken: a misspelt field is an error, not a default."""
        extra = sorted(set(self._data) - self._taken)
        if extra:
            raise InvalidProblem(self.at(extra[0]), "is not a field of this object")


def unique(ids: list[str], path: str) -> None:
    """Refuse a repeated id (the first repeat is named)."""
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise InvalidProblem(f"{path}[{i}].id", f"'{ident}' is used twice")
        seen.add(ident)
