"""Write a `Document` to Word the way colleges lay reports out: a centred title in 黑体, numbered
headings, 宋体 body text at 小四 with first-line indent, tables with borders, pictures centred.

Chinese fonts are set on the East Asian slot of every style and run (w:eastAsia), or Word and
LibreOffice fall back to a Latin font and show boxes.
"""
from __future__ import annotations

import io
import re

from docx import Document as Docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from app.reports.document import Document, Heading, Paragraph, Picture, Table

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
MUTED = RGBColor(0x61, 0x6E, 0x7C)


#: Characters a Word file (XML) cannot hold: control characters but tab and newlines.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text) -> str:
    """Text as a Word file can hold it; what it cannot is left out, not a failed export."""
    return UNWRITABLE.sub("", str(text))


def _fonts(target, east_asian: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set a style's or a run's fonts, the East Asian one included."""
    target.font.name = LATIN_FONT
    if size is not None:
        target.font.size = Pt(size)
    if bold is not None:
        target.font.bold = bold
    r_pr = target.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(slot), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def _styles(docx) -> None:
    normal = docx.styles["Normal"]
    _fonts(normal, BODY_FONT, 12)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)
    for name, size in (("Heading 1", 16), ("Heading 2", 14)):
        style = docx.styles[name]
        _fonts(style, HEADING_FONT, size, bold=True)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)


def _borders(table) -> None:
    """Single borders on every cell, whatever style the template has."""
    properties = table._tbl.tblPr
    borders = properties.makeelement(qn("w:tblBorders"), {})
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(borders.makeelement(qn(f"w:{edge}"), {
            qn("w:val"): "single", qn("w:sz"): "4", qn("w:space"): "0",
            qn("w:color"): "000000"}))
    properties.append(borders)


def _table(docx, block: Table) -> None:
    table = docx.add_table(rows=1, cols=len(block.headers))
    table.style = docx.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table)
    for cell, text in zip(table.rows[0].cells, block.headers):
        cell.text = ""
        run = cell.paragraphs[0].add_run(clean(text))
        _fonts(run, HEADING_FONT, 10.5, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in block.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = ""
            lines = clean(text).splitlines() or [""]
            for i, line in enumerate(lines):
                paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                paragraph.paragraph_format.line_spacing = 1.15
                _fonts(paragraph.add_run(line), BODY_FONT, 10.5)
    if block.widths_cm:  # Word reads the cells' widths, LibreOffice the grid's: set both
        table.autofit = False
        for column, width in zip(table.columns, block.widths_cm):
            column.width = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, block.widths_cm):
                cell.width = Cm(width)
    docx.add_paragraph()


def to_docx(document: Document) -> bytes:
    docx = Docx()
    _styles(docx)
    section = docx.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.0)
    title = docx.add_paragraph()  # not the "Title" style: its rule under the title is not ours
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    _fonts(title.add_run(clean(document.title)), HEADING_FONT, 22, bold=True)
    for line in document.subtitle:
        paragraph = docx.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(paragraph.add_run(clean(line)), BODY_FONT, 12)
    for block in document.blocks:
        if isinstance(block, Heading):
            heading = docx.add_heading(level=block.level)
            _fonts(heading.add_run(clean(block.text)), HEADING_FONT,
                   16 if block.level == 1 else 14, bold=True)
        elif isinstance(block, Paragraph):
            paragraph = docx.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
            run = paragraph.add_run(clean(block.text))
            _fonts(run, BODY_FONT, 12)
            if block.muted:
                run.font.color.rgb = MUTED
        elif isinstance(block, Table):
            _table(docx, block)
        elif isinstance(block, Picture):
            paragraph = docx.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run().add_picture(io.BytesIO(block.png), width=Cm(block.width_cm))
            if block.caption:
                caption = docx.add_paragraph()
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _fonts(caption.add_run(clean(block.caption)), BODY_FONT, 10.5)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()
