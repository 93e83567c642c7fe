"""Lists as Excel workbooks (.xlsx): what a quality office passes around."""
from __future__ import annotations

import io
import re

from flask import send_file
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

#: The most rows one export holds; a list longer than this should be filtered first.
MAX_ROWS = 50000


#: What Excel does not allow in a sheet's name.
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str) -> str:
    """A sheet's name as Excel takes it: none of []:*?/ and backslash, at most 31 characters."""
    return SHEET_NAME.sub("_", name).strip("'")[:31] or "-"


def _cell(worksheet, value):
    """Text goes in as text: a name or report starting with '=' must never become a formula;
    characters a workbook cannot hold are left out rather than failing the whole export."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_response(filename: str, sheet: str, headers: list[str], rows):
    """Send `rows` (an iterable of lists) as a workbook with a bold, frozen header row."""
    return send_file(io.BytesIO(xlsx_bytes(sheet, headers, rows)), as_attachment=True,
                     download_name=filename,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def xlsx_bytes(sheet: str, headers: list[str], rows) -> bytes:
    """`rows` as the bytes of a workbook with a bold, frozen header row."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet_title(sheet))
    widths = [max(8, len(h) * 2 + 2) for h in headers]
    for i, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(i)].width = min(width, 40)
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(worksheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    worksheet.append(header_cells)
    for count, row in enumerate(rows):
        if count >= MAX_ROWS:
            break
        worksheet.append([_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_sheets(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """Several sheets in one workbook, each (name, headers, rows), headers bold and frozen."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()
    for name, headers, rows in sheets:
        title = sheet_title(name)
        while title in taken:  # two names may clean to the same title
            title = title[:29] + f"_{len(taken)}"
        taken.add(title)
        worksheet = workbook.create_sheet(title=title)
        for i, text in enumerate(headers, start=1):
            worksheet.column_dimensions[get_column_letter(i)].width = min(
                max(8, len(text) * 2 + 2) if i > 1 else 40, 40)
        worksheet.freeze_panes = "A2"
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(worksheet, value=text)
            cell.font = bold
            header_cells.append(cell)
        worksheet.append(header_cells)
        for row in rows:
            worksheet.append([_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
