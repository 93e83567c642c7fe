"""Validate a deliverable submitted against its stage form; shared by the web form and the API."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from workflows.model import N_, Field

MAX_TEXT = 20000
MAX_DIGITS = 15  # integer digits of the largest number accepted
FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
MAX_ROWS = 200


class FormErrors(Exception):
    """Field-level problems: {field path: (msgid, params)}."""

    def __init__(self, errors: dict[str, tuple[str, dict]]):
        super().__init__("; ".join(f"{k}: {m % p if p else m}" for k, (m, p) in errors.items()))
        self.errors = errors


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def bad_characters(text: str) -> bool:
    """Control characters (but tab and newlines) and lone surrogates cannot be stored or shown."""
    for char in text:
        code = ord(char)
        if (code < 32 and char not in "\t\n\r") or code == 127 or 0xD800 <= code <= 0xDFFF:
            return True
    return False


def _clean_scalar(field: Field, value):
    """Return the cleaned value, or raise ValueError carrying (msgid, params)."""
    if field.type == "number":
        if isinstance(value, bool):
            raise ValueError((N_("Enter a number."), {}))
        text = str(value).strip().rstrip("%％").strip()
        # Full-width digits and a trailing percent sign are how people type in Chinese IMEs.
        text = text.translate(FULL_WIDTH)
        if len(text) > 40:  # also keeps Decimal away from million-digit exponents
            raise ValueError((N_("Enter a number."), {}))
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValueError((N_("Enter a number."), {})) from None
        if not number.is_finite():
            raise ValueError((N_("Enter a number."), {}))
        if number.adjusted() >= MAX_DIGITS:
            raise ValueError((N_("The number is too large."), {}))
        return float(number) if number != number.to_integral_value() else int(number)
    if field.type == "date":
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError((N_("Enter a date as YYYY-MM-DD."), {})) from None
    if field.type == "choice":
        allowed = [c[0] for c in field.choices]
        if str(value) not in allowed:
            raise ValueError((N_("Choose one of the listed options."), {}))
        return str(value)
    if not isinstance(value, (str, int, float)):
        raise ValueError((N_("Enter text."), {}))
    text = str(value).strip()
    if bad_characters(text):
        raise ValueError((N_("The text contains characters that cannot be stored."), {}))
    if len(text) > MAX_TEXT:
        raise ValueError((N_("Too long (at most %(max)d characters)."), {"max": MAX_TEXT}))
    return text


def validate(form: tuple[Field, ...], data) -> dict:
    """Return the cleaned deliverable, or raise FormErrors naming each bad field."""
    if not isinstance(data, dict):
        raise FormErrors({"fields": (N_("The fields must be an object."), {})})
    errors: dict[str, tuple[str, dict]] = {}
    known = {f.name for f in form}
    for name in data:
        if name not in known:
            errors[name] = (N_("Unknown field."), {})
    clean: dict = {}
    for field in form:
        value = data.get(field.name)
        if field.type == "table":
            rows = _validate_table(field, value, errors)
            if rows is not None:
                clean[field.name] = rows
            continue
        if _blank(value):
            if field.required:
                errors[field.name] = (N_("This field is required."), {})
            else:
                clean[field.name] = None
            continue
        try:
            clean[field.name] = _clean_scalar(field, value)
        except ValueError as exc:
            errors[field.name] = exc.args[0]
    if errors:
        raise FormErrors(errors)
    return clean


def _validate_table(field: Field, value, errors) -> list | None:
    if value is None:
        value = []
    if not isinstance(value, list):
        errors[field.name] = (N_("A table must be a list of rows."), {})
        return None
    if len(value) > MAX_ROWS:
        errors[field.name] = (N_("Too many rows (at most %(max)d)."), {"max": MAX_ROWS})
        return None
    rows = []
    for i, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            errors[f"{field.name}[{i}]"] = (N_("Each row must be an object."), {})
            continue
        if all(_blank(row.get(c.name)) for c in field.columns):
            continue  # an empty row in a web form is not a row
        clean_row = {}
        for column in field.columns:
            cell = row.get(column.name)
            path = f"{field.name}[{i}].{column.name}"
            if _blank(cell):
                if column.required:
                    errors[path] = (N_("This field is required."), {})
                clean_row[column.name] = None
                continue
            try:
                clean_row[column.name] = _clean_scalar(column, cell)
            except ValueError as exc:
                errors[path] = exc.args[0]
        for extra in set(row) - {c.name for c in field.columns}:
            errors[f"{field.name}[{i}].{extra}"] = (N_("Unknown column."), {})
        rows.append(clean_row)
    if field.required and not rows and field.name not in errors:
        errors[field.name] = (N_("Add at least one row."), {})
    return rows


def draft(form: tuple[Field, ...], data) -> dict:
    """Keep work in progress as typed, without insisting on completeness or types.

    Only the form's own fields are kept, as text; unstorable characters are still refused.
    """
    if not isinstance(data, dict):
        raise FormErrors({"fields": (N_("The fields must be an object."), {})})
    errors: dict[str, tuple[str, dict]] = {}
    kept: dict = {}

    def text(path, value):
        value = "" if value is None else str(value)
        if bad_characters(value):
            errors[path] = (N_("The text contains characters that cannot be stored."), {})
        elif len(value) > MAX_TEXT:
            errors[path] = (N_("Too long (at most %(max)d characters)."), {"max": MAX_TEXT})
        return value

    for field in form:
        value = data.get(field.name)
        if field.type == "table":
            rows = value if isinstance(value, list) else []
            kept[field.name] = [
                {c.name: text(f"{field.name}[{i}].{c.name}", row.get(c.name))
                 for c in field.columns}
                for i, row in enumerate(rows[:MAX_ROWS], start=1)
                if isinstance(row, dict) and not all(_blank(row.get(c.name)) for c in field.columns)]
        else:
            kept[field.name] = text(field.name, value)
    if errors:
        raise FormErrors(errors)
    return kept


def describe(form: tuple[Field, ...], translate=lambda s: s) -> list[dict]:
    """The form as plain data for the API: name, type, required, and a table's columns."""
    def one(f: Field) -> dict:
        out = {"name": f.name, "label": translate(f.label), "type": f.type,
               "required": f.required}
        if f.choices:
            out["choices"] = [{"value": v, "label": translate(label)} for v, label in f.choices]
        if f.columns:
            out["columns"] = [one(c) for c in f.columns]
        return out
    return [one(f) for f in form]
