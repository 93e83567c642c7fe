"""Lists as Excel workbooks (.xlsx): what a quality office passes around."""
from __future__ import annotations

import io

from flask import send_file
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

#: The most rows one export holds; a list longer than this should be filtered first.
MAX_ROWS = 50000


def _cell(worksheet, value):
    """Text goes in as text: a name or report starting with '=' must never become a formula."""
    if isinstance(value, str):
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
    worksheet = workbook.create_sheet(title=sheet[:31])
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
    for name, headers, rows in sheets:
        worksheet = workbook.create_sheet(title=name[:31])
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
