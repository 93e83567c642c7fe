"""Two versions of a deliverable side by side, field by field and cell by cell."""
from __future__ import annotations

from workflows.model import Field


def compare(form: tuple[Field, ...], old: dict, new: dict) -> list[dict]:
    """Rows of {field, row, column, old, new, changed}; a table is compared row by row."""
    rows = []
    for field in form:
        if field.type != "table":
            a, b = old.get(field.name), new.get(field.name)
            rows.append({"field": field, "row": None, "column": None, "old": a, "new": b,
                         "changed": a != b})
            continue
        old_rows, new_rows = old.get(field.name) or [], new.get(field.name) or []
        for index in range(max(len(old_rows), len(new_rows))):
            a_row = old_rows[index] if index < len(old_rows) else {}
            b_row = new_rows[index] if index < len(new_rows) else {}
            for column in field.columns:
                a, b = a_row.get(column.name), b_row.get(column.name)
                rows.append({"field": field, "row": index + 1, "column": column, "old": a,
                             "new": b, "changed": a != b})
    return rows
