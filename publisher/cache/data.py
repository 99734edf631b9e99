"""What the cache may hold, and typed readers that refuse anything else.

Entries are plain data (JSON values and byte strings), never objects: reading one back can only
give data, which the codecs next to the cache check field by field before a value is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TypeAlias, TypeVar

Data: TypeAlias = bool | int | float | str | bytes | Sequence["Data"] | Mapping[str, "Data"] | None
"""A value an entry holds: JSON values, and bytes kept raw beside them."""

T = TypeVar("T")


class Damaged(ValueError):
    """An entry that is not what its reader expects: it is dropped and made again."""


class Unstorable(ValueError):
    """A value with something in it that the cache cannot keep as data: it is not cached."""


def text(value: Data) -> str:
    """A string, or Damaged."""
    if not isinstance(value, str):
        raise Damaged(f"expected text, found {type(value).__name__}")
    return value


def integer(value: Data) -> int:
    """An int (not a bool), or Damaged."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise Damaged(f"expected an integer, found {type(value).__name__}")
    return value


def number(value: Data) -> float:
    """An int or a float, kept as it was stored (a PDF writes 0 and 0.0 differently)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise Damaged(f"expected a number, found {type(value).__name__}")
    return value


def flag(value: Data) -> bool:
    """A bool, or Damaged."""
    if not isinstance(value, bool):
        raise Damaged(f"expected true or false, found {type(value).__name__}")
    return value


def blob(value: Data) -> bytes:
    """Bytes, or Damaged."""
    if not isinstance(value, bytes):
        raise Damaged(f"expected bytes, found {type(value).__name__}")
    return value


def items(value: Data, size: int | None = None) -> list[Data]:
    """A list (of ``size`` items, when given), or Damaged."""
    if not isinstance(value, list) or (size is not None and len(value) != size):
        raise Damaged(f"expected a list of {size or 'any number of'} items")
    return value


def each(value: Data, read: Callable[[Data], T]) -> tuple[T, ...]:
    """A list read item by item."""
    return tuple(read(item) for item in items(value))


def fields(value: Data, names: Sequence[str]) -> list[Data]:
    """The values of an object with exactly these keys, in this order, or Damaged."""
    if not isinstance(value, dict) or sorted(value) != sorted(names):
        raise Damaged(f"expected an object with keys {', '.join(names)}")
    return [value[name] for name in names]


def optional(read: Callable[[Data], T]) -> Callable[[Data], T | None]:
    """A reader that also takes null."""
    return lambda value: None if value is None else read(value)


def date(value: Data) -> dt.date:
    """A date written as ISO 8601, or Damaged."""
    try:
        return dt.date.fromisoformat(text(value))
    except ValueError as error:
        raise Damaged(str(error)) from None


def datetime(value: Data) -> dt.datetime:
    """A date and time written as ISO 8601 (its offset kept), or Damaged."""
    try:
        return dt.datetime.fromisoformat(text(value))
    except ValueError as error:
        raise Damaged(str(error)) from None
