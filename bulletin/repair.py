"""Repair text pulled from a PDF: odd characters, artefact lines, hard wraps, stray spaces.

    lines, dropped = clean_lines(text)        # page numbers and rule lines removed
    paragraphs = paragraphs_of(lines)         # [[line, line, ...], ...] hard wraps undone
    fix_spaces("1月 4日，临江市 2021 年")       # -> "1月4日，临江市2021年"

Lines keep their raw spaces until segmentation has used them (a space is often the only
trace of where a run-in title ends); `fix_spaces` runs on each finished piece of text.
"""

import re
import unicodedata
from dataclasses import dataclass

from bulletin.columns import spaced_rows

# Characters that take a full em in Chinese typesetting: CJK, fullwidth forms, CJK punctuation.
WIDE = (r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff\uac00-\ud7af"
        r"\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe6f\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003ffff"
        r"\u2018-\u201f\u2026\u2014\u00b7\u25a0-\u25ff\u2605\u2606\u2b50\u203b\u2726\u2727\u27a4")
NARROW_CHAR = re.compile(f"[^{WIDE} ]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SPACE_AFTER_WIDE = re.compile(f"(?<=[{WIDE}]) +(?=[{WIDE}0-9])")
SPACE_BEFORE_WIDE = re.compile(f"(?<=[{WIDE}0-9]) +(?=[{WIDE}])")
SPACE_BEFORE_PERCENT = re.compile(r"(?<=[0-9]) +(?=[%‰℃])")
FINAL = "。！？!?…"
CLOSERS = "”’」』）)》〕】"
SENTENCE_PUNCT = "，。；：！？,;:!?"
NEVER_STARTS = "，。；：、！？）》”’」』】〕"
BULLETS = "△▲▽■□●○◆◇★☆◎•▪▫►▶❖※⭐✦✧➤"
BULLET = re.compile(f"^[{BULLETS}]")
LIST_NUMBER = re.compile(r"^(?:[\u2460-\u2473]|[0-9０-９]{1,2}\s*[.．、](?![0-9０-９.．]|\s[0-9０-９])"
                         r"|[0-9０-９]{1,2}\s*[.．、](?=[0-9０-９]{1,2}(?:[至到\-—][0-9０-９]{1,2})?月))\s*")
# ① 1. 1、 and `3.6月15日，` / `3．７月份，` (a list number, then a month), not 1.5万
NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*、|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]|【)")
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,3}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$")
# A point of a list typed in running text: `一是…；`, `二要…；`, `首先，…`, `第二，…`
POINT = re.compile(r"^(?:[一二三四五六七八九十]{1,2}[是要]|首先|其次|再次|最后|第[一二三四五六七八九十]+[，、是])")
RULE_LINE = re.compile(r"^[-—–－_=＝━─═~～*＊·•.]{3,}$")
KANGXI = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff]")
INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\ufe0e\ufe0f]")
SPACES = re.compile(r"[ \t\u3000]+")
ROW_SPACES = re.compile(r"[ \u3000]+")  # SPACES but a tab
HAS_SPACE = re.compile(r"[^\S\n]")
CLOSES_BRACKET = re.compile(r"^[^（(]{1,20}[）)]")
MAX_CELL = 40  # ems: a table cell's words; a tab before a longer text is a gap, not a cell
MAX_SUBHEADING = 24  # ems: a typed `（三）…，…` line this short is a sub-heading, not a broken sentence
BRACKETED_LINE = re.compile(r"^\s*【[^【】]+】\s*$")  # a heading in brackets, a line of its own
INDENT = re.compile(r"^(?:\u3000|\t| {2,})")


@dataclass
class Line:
    text: str  # stripped, inner spaces kept (single spaces)
    indented: bool = False  # began with an ideographic space, a tab or several spaces
    blank_after: bool = False
    blank_before: bool = False
    short: bool = True  # clearly shorter than the document's common line width
    wrapped: bool = False  # the document is hard-wrapped (a common line width was found)
    heading: bool = False  # DOCX: the whole line is a title (heading style or all bold)
    run_in: str = ""  # DOCX: the bold title the line starts with
    row: bool = False  # a row of a data table (cells joined by tabs: DOCX, or text copied from Word)
    page_edge: bool = False  # next to a page-number line: where a running header or footer sits

    def __post_init__(self):
        self.em = width(self.text)  # ems the line takes, measured once


def normalize(text):
    """`normalize("⽇期\u200b")` -> "日期": Kangxi radicals to ideographs, invisible marks out."""
    text = KANGXI.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = INVISIBLE.sub("", text)
    text = CONTROL.sub(" ", text)
    return text.replace("\u00a0", " ").replace("\u2002", " ").replace("\u2003", " ")


def is_artefact_line(text):
    """`is_artefact_line("- 2 -")` -> True: page numbers and rule lines carry no content."""
    stripped = text.strip()
    return bool(PAGE_NUMBER.match(stripped) or RULE_LINE.match(stripped.replace(" ", "")))


def leading(raw):
    """`leading("\u3000\u3000正文")` -> 4: leading whitespace in half-width columns."""
    width = 0
    for char in raw:
        if char == " ":
            width += 1
        elif char == "\u3000":
            width += 2
        elif char == "\t":
            width += 4
        else:
            break
    return width


def clean_lines(text):
    """`clean_lines(raw)` -> ([Line], dropped): artefact lines out, blank lines folded in.

    A line is indented when it starts at least two columns right of the document's leftmost
    text (`pdftotext -layout` puts the whole page behind a margin of spaces).
    """
    lines, dropped = [], []
    raws = normalize(text).split("\n")
    spaced = spaced_rows(raws)  # a table's rows, cells apart by runs of spaces (PDF, pdftotext -layout)
    margin = min((leading(raw) for raw in raws if raw.strip()), default=0)
    page_break = False  # blank lines around a page number are the page's edge, not a paragraph end
    for number, raw in enumerate(raws):
        if not raw.strip():
            if lines and not page_break:
                lines[-1].blank_after = True
            continue
        if is_artefact_line(raw):
            dropped.append(raw.strip())
            if PAGE_NUMBER.match(raw.strip()):
                page_break = True
                if lines:
                    lines[-1].blank_after = False
                    lines[-1].page_edge = True
            continue
        indented = leading(raw) >= margin + 2
        cells = _cells(raw) or spaced.get(number)
        body = "\t".join(cells) if cells else SPACES.sub(" ", raw).strip()
        lines.append(Line(body, indented=indented, blank_before=bool(lines) and lines[-1].blank_after,
                          page_edge=page_break, row=bool(cells)))
        page_break = False
    return lines, dropped


def _cells(raw):
    """`_cells("粮食产量\t38.2万吨\t2.1%")` -> the cells of a table row copied from Word into
    text (a tab between cells), or None: two or more cells, none longer than a cell's words
    (a tab before a paragraph's text is an indent, not a cell)."""
    if "\t" not in raw.strip():
        return None
    cells = [ROW_SPACES.sub(" ", cell).strip() for cell in raw.strip().split("\t")]
    cells = [cell for cell in cells if cell]
    return cells if len(cells) >= 2 and all(width(cell) <= MAX_CELL for cell in cells) else None


def width(text):
    """`width("2021年")` -> 3.0: ems a line takes; narrow characters count half, spaces none."""
    return len(text) - text.count(" ") - 0.5 * len(NARROW_CHAR.findall(text))


def layout(lines):
    """`layout(lines)` -> (common width or None if not hard-wrapped, blank lines break?).

    Hard-wrapped text has most lines near one width, many of them ending mid-sentence;
    typed text (a paragraph per line) does not, even when its paragraphs are alike in length.
    """
    with_blank = sum(1 for line in lines[:-1] if line.blank_after)
    blanks_break = with_blank < 0.6 * max(len(lines) - 1, 1)
    widths = sorted(line.em for line in lines if line.em >= 4)
    if len(widths) < 4:
        return None, blanks_break
    common = widths[int(0.8 * (len(widths) - 1))]
    near = [line.text for line in lines if abs(line.em - common) <= 0.12 * common]
    mid_sentence = sum(1 for text in near if not ends_sentence(text) and text[-1] not in CLOSERS
                       and any(c in SENTENCE_PUNCT for c in text))
    wrapped = common >= 10 and len(near) >= 0.3 * len(widths) and mid_sentence >= max(2, 0.3 * len(near))
    return (common if wrapped else None), blanks_break


def ends_sentence(text):
    """`ends_sentence("参加活动。”")` -> True."""
    return text.rstrip(CLOSERS)[-1:] in FINAL or text[-1:] in FINAL


def starts_block(text):
    """`starts_block("△ 去年，…")` -> True: a bullet, `一、`, `（一）`, `【…】`, `①` or `1.` begins a
    paragraph."""
    return bool(BULLET.match(text) or NUMBERED.match(text) or LIST_NUMBER.match(text))


def paragraphs_of(lines, ends_item=lambda text: False, title_like=lambda text, short: False):
    """`paragraphs_of(lines)` -> [[Line]]: hard-wrapped lines joined back into paragraphs.

    A paragraph ends at a short line ending a sentence (short = clearly under the common
    line width of this document), at `ends_item` (an attribution), before an indented line,
    a bullet or a numbered title, at a blank line when blank lines are not after every line,
    and before a `title_like` line after a sentence end. Unwrapped text: one line, one
    paragraph. Never before a line that opens with closing punctuation (a broken-off `局）`).
    """
    common, blanks_break = layout(lines)
    paragraphs, current = [], []
    for index, line in enumerate(lines):
        line.short = common is None or line.em < 0.88 * common
        line.wrapped = common is not None
        current.append(line)
        after = lines[index + 1] if index + 1 < len(lines) else None
        closes = line.text.endswith(("）", ")"))  # an attribution, perhaps wrapped over two lines
        item_end = closes and ends_item(join_lines([line.text for line in current[-2:]]))
        if after is None or _breaks(line, after, common, blanks_break, item_end, title_like,
                                    inside=len(current) > 1):
            paragraphs.append(current)
            current = []
    return paragraphs


def _breaks(line, after, common, blanks_break, ends_item, title_like, inside=False):
    if line.heading or after.heading or after.run_in or line.row or after.row:  # DOCX structure
        return True
    if after.text[0] in NEVER_STARTS:  # closing punctuation never begins a line in Chinese
        return False
    if _opens_bracket(line.text) and CLOSES_BRACKET.match(after.text):
        return False  # a bracket broken over two lines: `（区资源规划` / `局）`
    if common is None:
        return not _continues(line.text, after, inside)
    if blanks_break and line.blank_after:
        return True
    if after.indented or starts_block(after.text) or ends_item:
        return True
    if ends_sentence(line.text):
        return line.short or title_like(after.text, after.em < 0.88 * common)
    if line.short and BRACKETED_LINE.match(line.text):
        return True  # `【基层动态】` alone on its line: a heading, never a sentence running on
    return line.short and _ends_point(line.text, after.text)


def _ends_point(text, after):
    """`…签订责任书；` / `二要加强…`: a point of a list (or the `会议要求：` over the first) ends its
    clause and the next line opens the next point (`一是`, `二要`, `其次，`): points printed a line
    each stay apart."""
    return text.rstrip()[-1:] in "；;：:" and bool(POINT.match(after))


def _continues(text, after, inside=False):
    """Typed text (a paragraph per line) broken inside a sentence: at a page break, or a word
    split over two lines (`…扶持企` / `业发展。`). The line stops without a sentence end and
    has a clause inside or is itself a continuation (`inside`: a title is a line of its own),
    and the next line is no new block (indented, a bullet, a numbered title). A short numbered
    line (`（二）强化保障，压实责任`, a sub-heading with a comma) never continues."""
    if after.indented or starts_block(after.text) or after.blank_before or _ends_point(text, after.text):
        return False
    if not inside and NUMBERED.match(text) and not text.startswith("【") and width(text) <= MAX_SUBHEADING:
        return False  # `（二）强化保障，压实责任`: a numbered sub-heading is a line of its own
    last = text.rstrip()[-1:]
    return bool(last) and last not in FINAL + CLOSERS + "：:" and (inside or any(c in "，；,;" for c in text))


def _opens_bracket(text):
    return max(text.rfind("（"), text.rfind("(")) > max(text.rfind("）"), text.rfind(")"))


def join_lines(texts):
    """`join_lines(["临江市 2021", "年第一批"])` -> "临江市 2021年第一批": undo hard wraps.

    Lines join with nothing between them, except Latin words (`COVID` / `19`), which keep a
    space; a number broken over two lines joins up again.
    """
    joined = ""
    for text in texts:
        if joined and text and joined[-1].isascii() and joined[-1].isalnum() \
                and text[0].isascii() and text[0].isalnum() \
                and not (joined[-1].isdigit() and text[0].isdigit()):
            joined += " "
        joined += text
    return joined


def fix_spaces(text):
    """`fix_spaces("中 共东 城 2021 年 COVID 19 test")` -> "中共东城2021年COVID 19 test".

    Spaces between CJK characters (or CJK punctuation) and between CJK and digits go;
    spaces between Latin words, inside numbers and between CJK and Latin words stay; a tab
    (between the cells of a DOCX table row) stays.
    """
    if not HAS_SPACE.search(text):
        return text.strip("\n")
    text = ROW_SPACES.sub(" ", text)  # a tab separates a table row's cells (DOCX): it stays
    text = SPACE_AFTER_WIDE.sub("", text)
    text = SPACE_BEFORE_WIDE.sub("", text)
    text = SPACE_BEFORE_PERCENT.sub("", text)
    return "\n".join(line.strip() for line in text.split("\n"))
