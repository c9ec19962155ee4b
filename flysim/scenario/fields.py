"""The scenario schema walked by key path: which field a key is, and what it allows.

The error lines (:mod:`flysim.scenario.errors`), ``docs/scenarios.md``
(:mod:`flysim.scenario.docgen`) and the studies' parameter checks read the
schema through these, so what a message says is allowed is what validation
enforces.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from flysim.scenario.responses import Response
from flysim.scenario.schema import Scenario

__all__ = [
    "Loc",
    "allowed_text",
    "bounds_of",
    "field_at",
    "format_number",
    "is_model",
    "item_type",
    "named_of",
    "response_of",
    "unwrap_optional",
]

#: A key path as pydantic reports it, e.g. ``("revenue", "tiers", 0, "mrr")``.
Loc = tuple[str | int, ...]


def unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (it, False)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def is_model(annotation: Any) -> bool:
    """Whether ``annotation`` is a schema section (a pydantic model class)."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def item_type(annotation: Any) -> Any | None:
    """The item type of ``tuple[X, ...]``, else None."""
    if typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None


@functools.lru_cache(maxsize=4096)
def field_at(loc: Loc, root: type[BaseModel] = Scenario) -> tuple[FieldInfo | None, Any] | None:
    """The schema field at a key path, walking the pydantic model classes.

    Kept per path: the schema does not change, and a study's overrides walk
    the same few paths for each of its hundreds of scenarios.

    Parameters
    ----------
    loc : tuple of str and int
        Key path as pydantic reports it, e.g. ``("revenue", "tiers", 0, "mrr")``.
    root : pydantic model class
        Where the path starts.

    Returns
    -------
    (FieldInfo or None, annotation) or None
        The field (None for an array item, which has no field of its own) and
        its type with ``| None`` removed; None if the path is not in the schema.
        The empty path gives ``(None, root)``.
    """
    info: FieldInfo | None = None
    current: Any = root
    for part in loc:
        item = item_type(current)
        if isinstance(part, int) and item is not None:
            info, current = None, item
        elif isinstance(part, str) and is_model(current) and part in current.model_fields:
            info = current.model_fields[part]
            current, _ = unwrap_optional(info.annotation)
        elif isinstance(part, str) and (named := named_of(current)) is not None:
            # One table or tables of it by name (attract.paid): a key of the
            # table, or a name whose table follows.
            if part in named.model_fields:
                info = named.model_fields[part]
                current, _ = unwrap_optional(info.annotation)
            else:
                info, current = None, named
        elif isinstance(part, str) and (curve := response_of(current)) is not None:
            # A number-or-response key holding a response: its x and y.
            if part not in curve.model_fields:
                return None
            info = curve.model_fields[part]
            current = info.annotation
        else:
            return None
    return info, current


def named_of(annotation: Any) -> type[BaseModel] | None:
    """``M`` of a one-or-named-tables type ``M | dict[str, M]`` (``attract.paid``), else None."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    args = []
    for a in typing.get_args(annotation):
        while typing.get_origin(a) is typing.Annotated:
            a = typing.get_args(a)[0]
        args.append(a)
    models = [a for a in args if is_model(a)]
    dicts = [a for a in args if typing.get_origin(a) is dict]
    if len(models) == 1 and len(dicts) == 1 and typing.get_args(dicts[0])[1] is models[0]:
        return models[0]
    return None


def response_of(annotation: Any) -> type[Response] | None:
    """The response class of a number-or-response key's type, else None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    return next(
        (a for a in typing.get_args(annotation) if is_model(a) and issubclass(a, Response)), None
    )


def format_number(x: float) -> str:
    """A bound or value as the error lines write it: 1e9, 0.5, 120."""
    if abs(x) >= 1e6:
        # 1e9 reads better than 1000000000; only where it is exact (not 2**63 - 1).
        short = f"{x:.6g}".replace("e+0", "e").replace("e+", "e")
        if float(short) == x:
            return short
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _bounds(metadata: Sequence[Any]) -> dict[str, float]:
    # Duck-typed on annotated_types' attribute names (Ge.ge, MinLen.min_length, ...).
    out: dict[str, float] = {}
    for m in metadata:
        for name in ("ge", "gt", "le", "lt", "min_length"):
            if (v := getattr(m, name, None)) is not None:
                out[name] = v
    return out


def bounds_of(info: FieldInfo, annotation: Any = None) -> dict[str, float]:
    """A numeric key's bounds (``ge``, ``gt``, ``le``, ``lt``), also for number-or-response keys."""
    found = _bounds(info.metadata)
    if not found and annotation is not None and (number := _number_or_response(annotation)):
        found = _bounds(number)
    return found


def _range_text(b: dict[str, float], integer: bool) -> str:
    lo = ("ge", b["ge"]) if "ge" in b else ("gt", b["gt"]) if "gt" in b else None
    hi = ("le", b["le"]) if "le" in b else ("lt", b["lt"]) if "lt" in b else None
    kind = "an integer" if integer else "a number"
    if lo and hi:
        a, z = format_number(lo[1]), format_number(hi[1])
        if lo[0] == "ge" and hi[0] == "le":
            return f"{kind} from {a} to {z}" if integer else f"between {a} and {z}"
        if lo[0] == "gt" and hi[0] == "lt":
            return f"strictly between {a} and {z}"
        return f"{'>=' if lo[0] == 'ge' else '>'} {a} and {'<=' if hi[0] == 'le' else '<'} {z}"
    if lo:
        op = ">=" if lo[0] == "ge" else ">"
        return f"{kind} {op} {format_number(lo[1])}" if integer else f"{op} {format_number(lo[1])}"
    if hi:
        op = "<=" if hi[0] == "le" else "<"
        return f"{kind} {op} {format_number(hi[1])}" if integer else f"{op} {format_number(hi[1])}"
    return kind


def _number_or_response(annotation: Any) -> list[Any] | None:
    """The number branch's constraints of a number-or-response key's type, else None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(annotation)
    if not any(is_model(a) and issubclass(a, Response) for a in args):
        return None
    for a in args:
        if typing.get_origin(a) is typing.Annotated:
            return [m for extra in typing.get_args(a)[1:] for m in getattr(extra, "metadata", [])]
    return None


def allowed_text(info: FieldInfo | None, annotation: Any) -> str:
    """What a key accepts, as a phrase that reads after "must be".

    Examples: ``between 0 and 1``, ``>= 0``, ``an integer from 1 to 120``,
    ``a non-empty string``, ``a table with keys healthy, at_risk``.
    """
    base, optional = unwrap_optional(info.annotation if info is not None else annotation)
    metadata = info.metadata if info is not None else []
    b = _bounds(metadata)
    item = item_type(base)
    if base is bool:
        text = "true or false"
    elif base is int:
        text = _range_text(b, integer=True)
    elif base is float:
        text = _range_text(b, integer=False)
    elif base is str:
        text = "a non-empty string" if b.get("min_length", 0) >= 1 else "a string"
    elif (number := _number_or_response(base)) is not None:
        numbers = _range_text(_bounds(number), integer=False)
        text = f"{numbers}, or a response {{x = [...], y = [...]}}"
    elif (named := named_of(base)) is not None:
        keys = ", ".join(named.model_fields)
        text = f"a table with keys {keys}, or tables of them by channel name"
    elif typing.get_origin(base) is dict:
        text = "a table of at least one key and its value"
    elif is_model(base):
        text = f"a table with keys {', '.join(base.model_fields)}"
    elif item is not None:
        n = int(b.get("min_length", 0))
        if is_model(item):
            what = f"table{'s' if n != 1 else ''} {{{', '.join(item.model_fields)}}}"
        else:
            what = f"value{'s' if n != 1 else ''}"
        text = f"an array of at least {n} {what}" if n else f"an array of {what}"
    else:
        text = str(base)
    return f"{text}, or omitted" if optional and not is_model(base) else text
