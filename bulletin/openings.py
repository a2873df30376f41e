"""Where an item opens and what its title is: a bullet (a brief), a list number, `一、`/`（一）`,
`【…】`, a Word heading or bold run-in, a title run into its text or on its own line, an item's
headline sentence. The segmenter (bulletin/segment.py) asks at each paragraph that may start one.

    opened = open_item(para, strong=True, previous=None, dropped=[])   # -> (Draft, body lines) or None
    continues_title(draft, para)        # a title typed over two lines, or its `——…` subtitle
    title_text("念好“某字经” 做活“某文章”")   # -> "念好“某字经”　做活“某文章”" (spaces repaired)

`para` is a paragraph: a list of repaired lines (bulletin.repair.Line), raw spaces kept, as a
run-in title ends at a space. docs/parsing.md ("Items", "Titles") has the rules.
"""

import re
from dataclasses import dataclass, field

from bulletin.numbering import style
from bulletin.repair import (BULLET, LIST_NUMBER, NUMBERED, Line, ends_sentence, fix_spaces, join_lines, width)
from bulletin.titles import (CJK_SPACE, PREAMBLE, TIME_PHRASE, attribution, first_punct, is_couplet, is_title_line,
                             split_run_in)

MAX_FRAGMENT = 12  # characters of a wrapped title that may run onto the body's first line
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # a Chinese character
SUBTITLE = re.compile(r"^(?:——|－－|--)")  # a subtitle line opens with a dash
MIN_TWO_LINE_TITLE = 8  # a shorter title line followed by another is a section heading (工作动态)


@dataclass
class Draft:
    """`Draft("article", "某县召开防汛会议")`: an item while its paragraphs are read (raw text,
    spaces kept); bulletin.segment finishes it into an Item."""

    kind: str  # "brief", or "article" until the lead is chosen
    title: str  # raw (spaces kept); "" when it must be made from the body
    numbered: bool = False
    paragraphs: list = field(default_factory=list)  # raw paragraph texts
    marker: str = ""  # the numbering style of a numbered title: "（一）" or "一、"
    notes: list = field(default_factory=list)  # an editor's note printed before the item
    department: str | None = None
    byline: str | None = None
    fields: list = field(default_factory=list)  # contact or staff lines printed after the attribution
    unit: str | None = None  # a unit printed on a line over the title (`■ 街道综治办`): the source if none ends it
    unit_above: bool = False  # that line heads a block and stands over an earlier item of it


def title_text(raw):
    """`fix_spaces`, but a two-part title keeps one ideographic space between its halves, as
    it is printed: `念好“某字经”　做活“某文章”`, not `念好“某字经”做活“某文章”` (its subtitle, if any,
    follows as it was)."""
    head, dash, rest = raw.partition("——")
    if not is_couplet(head):
        return fix_spaces(raw)
    halves = re.split(r"[ \u3000]+", head.strip())
    return "\u3000".join(fix_spaces(half) for half in halves) + (dash + fix_spaces(rest) if dash else "")


def continues_title(draft, para):
    """A title typed over two lines: a long title with no body yet, then a title-like line; or
    any title, then its subtitle line opening with a dash (`——…`)."""
    line = para[0]
    if len(para) > 1 or any(draft.paragraphs):
        return False
    if SUBTITLE.match(line.text) and is_title_line(line.text[2:], 1) and draft.title:
        return True  # `——某某县推进某某工作纪实`: the title's subtitle
    if len(fix_spaces(draft.title)) < MIN_TWO_LINE_TITLE:
        return False
    if BULLET.match(line.text) or NUMBERED.match(line.text) or line.run_in:
        return False
    return (line.heading or is_title_line(line.text, 1)) and len(fix_spaces(draft.title + line.text)) <= 60


def open_item(para, strong, previous, dropped):
    """A new item starting at this paragraph -> (Draft, body lines), or None to continue."""
    first = para[0]
    texts = [line.text for line in para]
    if BULLET.match(first.text):
        dropped.append(first.text[0])
        rest = first.text[1:].strip()
        if len(para) == 1 and rest[-1:] == first.text[0]:  # `◆ 基层传真 ◆`
            dropped.append(rest[-1])
            rest = rest[:-1].strip()
        if len(para) == 1 and is_title_line(rest, 2) and len(fix_spaces(rest)) < MIN_TWO_LINE_TITLE:
            return Draft("article", rest, numbered=True), []  # `★要闻`: a marked section heading
        return Draft("brief", ""), [rest] + texts[1:]
    number = LIST_NUMBER.match(first.text)
    if number and strong:  # `①…`, `1.…`, `1、…` starting an item: the number goes like `一、`
        dropped.append(number.group().strip())
        first = Line(first.text[number.end():], indented=first.indented, short=first.short,
                     wrapped=first.wrapped)
        para = [first] + para[1:]
        texts = [first.text] + texts[1:]
        if not number.group()[0].isdigit():  # circled numbers number briefs
            title, body = _title(para, 4, strong=True)
            return (Draft("article", title, numbered=True), body) if title else (Draft("brief", ""), texts)
        cut = _headline(join_lines(texts))
        if cut is not None:  # `1.某县召开…会议。7月10日，…`: the first sentence is the headline
            text = join_lines(texts)
            dropped.append(text[cut])
            return Draft("article", text[:cut], numbered=True), [text[cut + 1:]]
    if first.heading:
        bracketed = re.fullmatch(r"【([^【】]+)】", first.text)
        if bracketed:  # a bold `【工作动态】`: the brackets mark it as they do in text
            dropped.extend(["【", "】"])
            return Draft("article", bracketed.group(1), numbered=True), texts[1:]
        numbered = NUMBERED.match(first.text) or LIST_NUMBER.match(first.text)
        if numbered and not numbered.group().startswith("【") and first.text[numbered.end():].strip():
            # a Word heading numbered by its list style (`一、`, `（一）`, `1.`): the number goes
            dropped.append(numbered.group().replace(" ", ""))
            numbering = style(first.text)
            return Draft("article", first.text[numbered.end():].strip(), numbered=True,
                         marker=numbering[0] if numbering else ""), texts[1:]
        return Draft("article", first.text), texts[1:]
    if first.run_in and first.text.startswith(first.run_in):
        return Draft("article", first.run_in), [first.text[len(first.run_in):].strip()] + texts[1:]
    marker = NUMBERED.match(first.text)
    if marker and marker.group().startswith("【") and "】" in first.text:
        title, _, rest = first.text[1:].partition("】")
        dropped.extend(["【", "】"])
        return Draft("article", title, numbered=True), [rest.strip()] + texts[1:]
    if marker and not marker.group().startswith("【"):
        title, body = _title(para, 1, strong=True, skip=marker.end())
        if title:
            dropped.append(marker.group().replace(" ", ""))
            numbering = style(first.text)
            return Draft("article", title, numbered=True, marker=numbering[0] if numbering else ""), body
    alone = len(para) == 1 and first_punct(first.text) == len(first.text)  # 工作动态
    title, body = _title(para, 4 if strong or alone else 6, strong)
    if title:
        return Draft("article", title), body
    if strong:
        kind = "brief" if previous is not None and previous.kind == "brief" else "article"
        return Draft(kind, ""), texts
    return None


def _headline(text):
    """`_headline("某县召开防汛调度会。7月10日，某县…")` -> 9, where the headline's `。` is; else None.

    An item numbered `1.` that runs on as one paragraph is headed by its first sentence (set in
    bold in print): a title's words (6–40 characters, no colon or semicolon before its `。`) with
    more text after it than a source. `1.某局开展培训12场。（某局）` has none: a brief. A headline
    of two clauses (`某局召开防汛会议，部署主汛期工作。`) is one when the text after it opens as a
    news text does, with its dateline (`7月10日，`, `近日，`) or the headline's subject again
    (`某镇发展林下经济，带动群众增收。某镇利用…`), and the headline itself opens with neither a time
    nor a purpose (`近日，某局…。` is a first sentence)."""
    cut = first_punct(text)
    if cut < len(text) and text[cut] in "，,":
        cut = text.find("。")
    if cut < 0 or cut >= len(text) or text[cut] != "。":
        return None
    head = fix_spaces(text[:cut])
    clauses = re.split(r"[，,]", head)
    if len(clauses) > 2 or not 6 <= len(head) <= 40 or not is_title_line(clauses[0], 6) \
            or not all(is_title_line(clause, 2) for clause in clauses[1:]):
        return None
    rest = text[cut + 1:]
    source = attribution(rest, relaxed=True)
    rest = fix_spaces(rest[:source.start] if source else rest)
    if first_punct(rest) >= len(rest) or len(HAN.findall(rest)) < 10:
        return None
    if len(clauses) > 1 and (TIME_PHRASE.match(head) or PREAMBLE.match(head)
                             or not (TIME_PHRASE.match(rest) or rest[:3] == head[:3])):
        return None
    return cut


def _title(para, minimum, strong, skip=0):
    """Split a title off the paragraph's first line(s) -> (raw title, body lines) or ("", lines)."""
    texts = [line.text for line in para]
    texts[0] = texts[0][skip:].strip()
    line0 = texts[0]
    # a paragraph that is one line without sentence punctuation is a title whole, its space
    # included, when it is a two-part title (`念好“某字经” 做活“某文章”`: halves of one length)
    # or a short line of hard-wrapped text (a wrapped run-in title's line is full width)
    whole = len(para) == 1 and first_punct(line0) == len(line0) and (
        is_couplet(line0) or (para[0].wrapped and para[0].short))
    cut = None if whole else split_run_in(line0, minimum, loose=strong)
    if cut is not None:
        return line0[:cut], [line0[cut + 1:]] + texts[1:]
    if not is_title_line(line0, minimum) or ends_sentence(line0) or not (strong or para[0].short):
        return "", texts
    title, index = line0, 1
    while index < min(len(texts), 3):
        following = texts[index]
        prefix = following[:first_punct(following)]
        space = CJK_SPACE.search(prefix)
        if space and len(fix_spaces(prefix[:space.start()])) <= MAX_FRAGMENT:
            return join_lines([title, prefix[:space.start()]]), [following[space.end():]] + texts[index + 1:]
        if index + 1 < len(texts) and is_title_line(following, 1) and width(following) <= width(line0):
            title, index = join_lines([title, following]), index + 1
            continue
        break
    return title, texts[index:]
