"""A table printed in text by spaces: `pdftotext -layout`, or a PDF's wide gaps between cells.

    spaced_rows(["指标      完成值      增长", "地区生产总值    512.6亿元    6.1%"])
    # -> {0: ["指标", "完成值", "增长"], 1: ["地区生产总值", "512.6亿元", "6.1%"]}

A table's cells stand apart by runs of spaces (two or more, or an ideographic space), and its
rows share their columns: two or more lines in a row with the same number of cells whose gaps
overlap column for column, none holding a sentence (`。`). One such line alone (a masthead's `某办公室      2025年3月11日`) is
no table, nor a table of contents (every line ending in a page number). The rows then read as
a table copied from Word (cells a tab apart): they stay in the item they follow.
"""

import re
import unicodedata

CELL = re.compile(r"[^ \u3000\t]+(?: [^ \u3000\t]+)*")  # words a single space apart
MAX_CELL = 40  # ems: a cell's words (as bulletin.repair.MAX_CELL)
PAGE = re.compile(r"\d{1,3}")
GAP = re.compile(r"\S(?: {2,}|\u3000+)\S")  # a gap between two cells


def _columns(raw):
    """Display columns before each character of `raw` (a CJK character takes two)."""
    cols, col = [], 0
    for char in raw:
        cols.append(col)
        col += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    cols.append(col)
    return cols


def _cells(raw):
    """`raw` -> [(start, end, text)] in display columns, or None for fewer than two cells."""
    if ("  " not in raw and "\u3000" not in raw) or not GAP.search(raw):
        return None  # (most lines have no wide gap: the cheap test first, ~1 µs a line)
    cols = _columns(raw)
    cells = [(cols[m.start()], cols[m.end()], m.group()) for m in CELL.finditer(raw)]
    if len(cells) < 2 or any(_ems(text) > MAX_CELL or "。" in text for _, _, text in cells):
        return None
    return cells


def _ems(text):
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text if c != " ")


def _aligned(upper, lower):
    """Two lines' cells share their columns: as many cells, each gap overlapping the other's."""
    return len(upper) == len(lower) and all(
        max(upper[k][1], lower[k][1]) < min(upper[k + 1][0], lower[k + 1][0]) for k in range(len(upper) - 1))


def spaced_rows(raws):
    """`spaced_rows(raw_lines)` -> {index: [cell texts]} for the lines that are a table's rows."""
    cells = [_cells(raw) for raw in raws]
    rows, start = {}, 0
    for index in range(1, len(raws) + 1):
        if index < len(raws) and cells[index] and cells[index - 1] and _aligned(cells[index - 1], cells[index]):
            continue
        run = range(start, index)
        if len(run) >= 2 and not all(PAGE.fullmatch(cells[i][-1][2]) for i in run):
            rows.update({i: [text for _, _, text in cells[i]] for i in run})
        start = index
    return rows
