"""What every front door accepts: text without NUL characters, and integers that fit the database.

PostgreSQL cannot store a NUL character in text (the driver raises, the request answered 500) and its
integer columns end at 2**31 - 1 (larger ids, versions and periods raised "integer out of range", and
SQLite overflows beyond 2**63). Both are refused at the edge, naming the field:

- JSON bodies through ``InputModel``, the base of every request schema;
- query strings, path segments and form fields through ``reject_bad_text``, one app-wide dependency;
- CSV files in ``profiles.csv_format`` (naming line and column).
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Path, Request
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError, PydanticKnownError

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _

NUL = "\x00"
# PostgreSQL's integer; every id, version, period and count column is one.
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)

# a version or number in a URL path; ids are api_common.ObjectId
PathNumber = Annotated[int, Path(ge=1, le=MAX_INT)]


def nul_message() -> str:
    return _("Remove the NUL character (\\0): it cannot be part of a text.")


def has_nul(value: Any) -> bool:
    """Whether a NUL character hides in a string, or in any string of a list, tuple, set or dict."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False


def out_of_range(value: Any) -> int | None:
    """The bound an integer (or an integer in a list or dict) breaks, if any."""
    if isinstance(value, int) and not isinstance(value, bool):
        return MAX_INT if value > MAX_INT else MIN_INT if value < MIN_INT else None
    if isinstance(value, list | tuple | set | frozenset):
        return next((b for b in map(out_of_range, value) if b is not None), None)
    if isinstance(value, dict):
        return next((b for b in map(out_of_range, value.values()) if b is not None), None)
    return None


def _json_kind(annotation: Any) -> str | None:
    """The pydantic error type for a JSON value of the wrong kind: "bool_type" for a field that takes only booleans,
    "int_type"/"float_type" for one that takes numbers but no booleans; None for any other field."""
    kinds = set(_leaf_types(annotation)) - {type(None)}
    if kinds == {bool}:
        return "bool_type"
    if bool in kinds:
        return None
    return "int_type" if int in kinds else "float_type" if float in kinds else None


def _leaf_types(annotation: Any) -> list[Any]:
    args = get_args(annotation)
    if not args:
        return [annotation]
    origin = get_origin(annotation)
    if origin is Annotated:
        return _leaf_types(args[0])
    if origin in (Union, UnionType):
        return [leaf for arg in args for leaf in _leaf_types(arg)]
    return [annotation]


def _document_int_bounds(schema: dict[str, Any]) -> None:
    """Every integer property says what `_storable` enforces: no value beyond 32 bits (nested models have their own)."""
    for prop in schema.get("properties", {}).values():
        for variant in prop.get("anyOf", [prop]):
            if variant.get("type") == "integer":
                variant["maximum"] = min(variant.get("maximum", MAX_INT), MAX_INT)
                variant["minimum"] = max(variant.get("minimum", MIN_INT), MIN_INT)
            elif variant.get("type") == "array" and variant.get("items", {}).get("type") == "integer":
                _document_int_bounds({"properties": {"item": variant["items"]}})


class InputModel(BaseModel):
    """Base of every request body: no NUL in any text, no integer beyond 32 bits, no unknown fields.

    And JSON booleans only where the schema says boolean, and nothing else there: pydantic reads `true` as 1 in a
    number field and 1, "yes" or "off" in a boolean one.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_int_bounds)

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or info.field_name is None:
            return value
        kind = _json_kind(cls.model_fields[info.field_name].annotation)
        if (kind == "bool_type") != isinstance(value, bool) and kind is not None:
            raise PydanticKnownError(kind)  # type: ignore[arg-type]
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if has_nul(value):
            raise PydanticCustomError("nul_character", nul_message())
        bound = out_of_range(value)
        if bound == MAX_INT:
            raise PydanticKnownError("less_than_equal", {"le": MAX_INT})
        if bound == MIN_INT:
            raise PydanticKnownError("greater_than_equal", {"ge": MIN_INT})
        return value


async def reject_bad_text(request: Request) -> None:
    """App-wide dependency: a NUL in a query parameter, path segment or form field answers 422 naming it."""
    fields = [(name, value) for name, value in request.query_params.multi_items()]
    fields += [(name, str(value)) for name, value in request.path_params.items()]
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", "") or (
        "multipart/form-data" in request.headers.get("content-type", "")
    ):
        # parsed once and cached on the request: the endpoint's Form() fields read the same object
        form = await request.form()
        fields += [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    bad = list(dict.fromkeys(name.replace(NUL, "\\0") for name, value in fields if NUL in name or NUL in value))
    if bad:
        errors: list[dict[str, object]] = [{"field": name, "message": nul_message()} for name in bad]
        raise ValidationFailed("; ".join(f"{name}: {nul_message()}" for name in bad), errors=errors)
