"""An item's body as its page shows it: paragraphs, numbered sub-headings and tables.

    blocks("主要指标如下：\\n指标\\t绝对值\\n地区生产总值\\t58.2亿元\\n（一）工业生产\\n正文。")
    # -> [Block("p", parts=[("主要指标如下：", False)]),
    #     Block("table", rows=[["指标", "绝对值"], ["地区生产总值", "58.2亿元"]], header=True),
    #     Block("heading", level=3, text="（一）工业生产"),
    #     Block("p", parts=[("正文。", False)])]

The parser keeps a table's rows in the body, one line a row, its cells a tab apart (a Word
table, a table typed with tabs, a PDF's columns: docs/parsing.md); consecutive rows are one
table, padded to its widest row. Its first row is a header when it names the columns: there
are rows under it and it holds no figure (a header row names, the rows under it count).

A numbered line (`一、…` a part, `（一）…` a sub-part: bulletin.numbering.style) short enough to
be a heading and one sentence at most is a heading; a longer one opens its paragraph with its
first sentence as a run-in heading (`（一）加强组织领导。各单位要……`), shown bold. `一是…` is
the text's own enumeration, no heading.

A run of 16 or more characters without a space or a CJK character (a URL, a long number) is a
part of its own (`unbroken`): the page lets it break anywhere, so it starts on the line of the
words before it instead of leaving them spread across a justified line.
"""

import re
from dataclasses import dataclass, field

from bulletin.numbering import style

HEADING_CHARS = 30  # a sub-heading's length at most (a run-in one's first sentence too)
UNBROKEN = re.compile(r"[!-~]{16,}")  # printable ASCII, no space: a URL, a code, a number
FIGURE = re.compile(r"\d")
SENTENCE_END = "。！？"
LEVELS = {"、": 2, "（）": 3}  # 一、 a part, （一） a sub-part


@dataclass
class Block:
    kind: str  # "p", "heading" or "table"
    parts: list = field(default_factory=list)  # p: [(text, unbroken)]
    lead: str = ""  # p: a run-in heading before the parts
    level: int = 0  # heading: 2 or 3
    text: str = ""  # heading
    rows: list = field(default_factory=list)  # table: [[cell, …], …], all as wide
    header: bool = False  # table: its first row names the columns


def blocks(body):
    """`blocks(body)` -> [Block]: the body's non-empty lines as the page shows them."""
    out = []
    for line in (body or "").splitlines():
        if "\t" in line.strip("\t \u3000") and len(_cells(line)) > 1:
            if out and out[-1].kind == "table":
                out[-1].rows.append(_cells(line))
            else:
                out.append(Block("table", rows=[_cells(line)]))
        elif line.strip():
            out.append(_text_block(line.strip().replace("\t", " ")))
    for block in out:
        if block.kind == "table":
            width = max(len(row) for row in block.rows)
            block.rows = [row + [""] * (width - len(row)) for row in block.rows]
            block.header = len(block.rows) > 1 and not any(FIGURE.search(c) for c in block.rows[0])
    return out


def _cells(line):
    return [cell.strip(" \u3000") for cell in line.strip("\t \u3000").split("\t")]


def _text_block(text):
    numbered = style(text)
    level = numbered and LEVELS.get(numbered[0])
    if level:
        inner = text.rstrip(SENTENCE_END)
        if len(text) <= HEADING_CHARS and not any(mark in inner for mark in SENTENCE_END):
            return Block("heading", level=level, text=text)
        end = min((text.find(mark) for mark in SENTENCE_END if mark in text), default=-1)
        if 0 < end < HEADING_CHARS and end + 1 < len(text):
            return Block("p", lead=text[:end + 1], parts=_parts(text[end + 1:]))
    return Block("p", parts=_parts(text))


def _parts(text):
    """`_parts("见 https://a.example/x… 。")` -> [("见 ", False), ("https://…", True), (" 。", False)]."""
    parts, last = [], 0
    for match in UNBROKEN.finditer(text):
        if match.start() > last:
            parts.append((text[last:match.start()], False))
        parts.append((match.group(), True))
        last = match.end()
    if last < len(text):
        parts.append((text[last:], False))
    return parts
