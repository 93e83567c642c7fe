"""A report as plain data: headings, paragraphs, tables and pictures, in order."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: 一、…  2: （一）…


@dataclass
class Paragraph:
    text: str
    muted: bool = False  # a note, such as "no data yet"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths_cm: list[float] | None = None


@dataclass
class Picture:
    png: bytes
    caption: str = ""
    width_cm: float = 15.0


@dataclass
class Document:
    title: str
    subtitle: list[str] = field(default_factory=list)
    blocks: list = field(default_factory=list)

    def heading(self, text: str, level: int = 1) -> None:
        self.blocks.append(Heading(text, level))

    def paragraph(self, text: str, muted: bool = False) -> None:
        for part in (text or "").splitlines() or [""]:
            if part.strip():
                self.blocks.append(Paragraph(part.strip(), muted))

    def table(self, headers: list[str], rows: list[list], widths_cm=None) -> None:
        self.blocks.append(Table(headers, [["" if c is None else str(c) for c in r]
                                           for r in rows], widths_cm))

    def picture(self, png: bytes | None, caption: str = "") -> None:
        if png:
            self.blocks.append(Picture(png, caption))

    def text(self) -> str:
        """Everything the reader would read, in order (for search and for tests)."""
        lines = [self.title, *self.subtitle]
        for block in self.blocks:
            if isinstance(block, (Heading, Paragraph)):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.append(" | ".join(block.headers))
                lines += [" | ".join(row) for row in block.rows]
            elif isinstance(block, Picture):
                lines.append(block.caption)
        return "\n".join(lines)


CHINESE_NUMERALS = "一二三四五六七八九十"


def numbered(n: int, text: str, level: int = 1) -> str:
    """一、text at level 1; （一）text at level 2 (n from 1)."""
    numeral = CHINESE_NUMERALS[n - 1] if n <= 10 else f"十{CHINESE_NUMERALS[n - 11]}"
    return f"{numeral}、{text}" if level == 1 else f"（{numeral}）{text}"
