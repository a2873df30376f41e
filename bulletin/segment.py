"""Repaired lines -> Issue: header, items in order (lead, articles, briefs), footer.

    issue = segment_text(pdf_text)             # text pulled from a PDF, or a plain text file
    issue = segment_paragraphs(docx_paras)     # DOCX paragraphs (bold / heading titles)

(An issue that already lists its items, a CMS export, is bulletin/json_issue.py.)

An item starts after the header, after an attribution such as `（区审计局）`, at a bullet
(`△ ■ ● ◆ …`: a brief), at a numbered or bracketed title (`一、` `（一）` `【…】`), at a
DOCX heading or bold run-in title, or at a paragraph that opens with a title (no sentence
punctuation, then a space or the end of its line): bulletin/openings.py reads where an item
opens and its title; this module follows the paragraphs, attributions, sections and the
header, footer and front matter around them. docs/parsing.md has the rules.
"""

import re

from bulletin.chrome import EDITORS_NOTE, instruction_box, is_editors_note, strip_chrome, strip_toc
from bulletin.masthead import (classification, fields_text, footer_start, footer_text, header_fields,
                               header_length, is_running_header)
from bulletin.model import Issue, Item
from bulletin.openings import MIN_TWO_LINE_TITLE, Draft, continues_title, open_item, title_text
from bulletin.numbering import is_subheading, list_numbers_items, numbers_items, style
from bulletin.errors import ParseError
from bulletin.review import warn_dropped
from bulletin.traditional import fold
from bulletin.repair import (BULLET, LIST_NUMBER, NUMBERED, Line, clean_lines, fix_spaces, is_artefact_line,
                             join_lines, normalize, paragraphs_of)
from bulletin.titles import (attribution, first_punct, is_field_line, is_title_line, leading_source, short_title,
                             title_start, unit_line)

WORDS = re.compile(r"[^\W_]")  # a letter, a digit or a CJK character
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # a Chinese character
MAX_UNTITLED_BRIEF = 150  # characters: an untitled one-paragraph item this short is a brief


def segment_text(text):
    """`segment_text(raw)` -> Issue: text from a PDF or a text file, hard wraps and all."""
    lines, dropped = clean_lines(text)
    return _segment(lines, dropped)


def segment_paragraphs(paragraphs):
    """`segment_paragraphs(read_docx(data))` -> Issue.

    Each DOCX paragraph is a line; headings and bold run-ins always start a paragraph, and
    PDF text pasted into Word (a paragraph per printed line) is joined back like text.
    """
    lines, dropped, blank = [], [], False
    for paragraph in paragraphs:
        if not paragraph.row and not normalize(paragraph.text).strip():
            blank = bool(lines)  # an empty paragraph: a blank line, as in text
            if lines:
                lines[-1].blank_after = True
            continue
        if paragraph.row:  # a data table's row: its cells stay apart (tabs)
            cells = (re.sub(r"[ \u3000]+", " ", cell).strip() for cell in normalize(paragraph.text).split("\t"))
            lines.append(Line("\t".join(c for c in cells if c), row=True))
            continue
        parts = [p for p in normalize(paragraph.text).split("\n") if p.strip()]
        for index, part in enumerate(parts):
            if is_artefact_line(part):
                dropped.append(part.strip())
                continue
            text = re.sub(r"[ \t\u3000]+", " ", part).strip()
            run_in = paragraph.text[:paragraph.bold_prefix] if index == 0 else ""
            lines.append(Line(text, heading=paragraph.heading and index == 0, blank_before=blank and index == 0,
                              run_in=re.sub(r"[ \t\u3000]+", " ", run_in).strip()))
        blank = False
    return _segment(lines, dropped)


def _segment(lines, dropped):
    lines, chrome = strip_chrome(lines)
    if not lines:
        raise ParseError("文件中没有文字内容。")
    head = header_length(lines)
    masthead = "\n".join(_plain(line) for line in lines[:head])
    running = [line for line in lines[head:] if line.page_edge and is_running_header(line.text, masthead)]
    dropped.extend(fix_spaces(line.text) for line in running)
    lines = lines[:head] + [line for line in lines[head:] if line not in running]
    rest, toc = strip_toc(lines[head:])
    lines = lines[:head] + rest
    foot = footer_start(lines, head)
    body = lines[head:foot]
    paragraphs = paragraphs_of(body, ends_item=lambda t: attribution(t) is not None,
                               title_like=lambda t, short: title_start(t, short) or unit_line(t) is not None)
    front, boxed = [], []
    while paragraphs:  # a leader's instruction box, an editor's note: front matter, not the lead
        box = instruction_box([join_lines([line.text for line in p]) for p in paragraphs[:12]])
        if box:
            boxed.extend(fix_spaces(line.text) for p in paragraphs[:box] for line in p)
            del paragraphs[:box]
        elif is_editors_note(paragraphs[0][0].text):
            front.extend(fix_spaces(text) for text in _note(paragraphs, 0))
            del paragraphs[:len(_note(paragraphs, 0))]
        else:
            break
    drafts = _drafts(paragraphs, dropped, front)
    header = fix_spaces("\n".join(_plain(line) for line in lines[:head]))
    footer = footer_text("\n".join(_plain(line) for line in lines[foot:]))
    issuer, date, number = header_fields(header, footer)
    issue = Issue(issuer, date, number, header=header, footer=footer, dropped=dropped,
                  classification=classification(header), front=[fix_spaces(t) for t in toc] + boxed + front,
                  chrome=chrome)
    warn_dropped(issue, chrome, "网页内容（导航、发布信息、留言表单、备案号等）")
    warn_dropped(issue, toc, "目录（不是条目）", code="front_matter")
    warn_dropped(issue, boxed, "领导批示（不是条目）", code="front_matter")
    warn_dropped(issue, front, "编者按（不是条目）", code="front_matter")
    section = None
    for draft in drafts:
        section = _finish(draft, issue, section)
    if not issue.items:
        raise ParseError("没有识别出任何条目：请检查文件是否为一期简报。")
    if not any(HAN.search(item.title + item.body) for item in issue.items):
        # a configuration file or a log is text with "items" too, but no bulletin is without Chinese
        raise ParseError("没有识别出任何简报条目：内容中没有中文，请检查文件是否为一期简报。")
    return issue


def _plain(line):
    """A line's text with a tab-separated row's tabs as spaces: a masthead or footer typed with
    tabs (`中共某县委办公室\t2025年3月11日`) is no table."""
    return line.text.replace("\t", " ") if line.row else line.text


def _note(paragraphs, index):
    """The editor's note at paragraphs[index] -> its texts: the paragraph, and the next one
    when the first is only the label (`【编者按】` on a line of its own)."""
    texts = [join_lines([line.text for line in paragraphs[index]])]
    if not WORDS.search(EDITORS_NOTE.sub("", fold(texts[0]))) and index + 1 < len(paragraphs):
        texts.append(join_lines([line.text for line in paragraphs[index + 1]]))
    return texts


def _drafts(paragraphs, dropped, front):
    """Paragraphs -> [Draft]. An editor's note between items introduces the item after it: it
    becomes that item's first paragraph (`front` gets one with no item after it)."""
    drafts, open_, notes, skip = [], False, [], 0  # open_: the last item may still grow
    unit, unit_at = None, 0  # a unit printed over a title: the source of its block of items
    for index, para in enumerate(paragraphs):
        if skip:
            skip -= 1
            continue
        if is_editors_note(para[0].text) and not (drafts and _awaits_body(drafts[-1])):
            notes = notes + _note(paragraphs, index)
            skip, open_ = len(_note(paragraphs, index)) - 1, False
            continue
        if para[0].row and drafts:  # a table belongs to the item it follows, attributed or not
            drafts[-1].paragraphs.append(para[0].text)
            continue
        if not open_ and drafts and drafts[-1].department and all(is_field_line(line.text) for line in para):
            # `（县医保局）` / `联系电话：…`: the article's contact line, printed under its source
            drafts[-1].fields.extend(line.text for line in para)
            continue
        over = _unit_over_title(paragraphs, index)
        if over:  # `■ 街道综治办` / `街道民政办：` over a title: who reports the item under it
            (unit, marks), unit_at = over, len(drafts)
            dropped.extend(marks)
            open_ = False  # the title under it starts an item
            if len(para) == 1:
                continue
            para = para[1:]  # hard-wrapped text: unit, title and text in one paragraph
        source = attribution(join_lines([line.text for line in para]))
        if source and source.start == 0 and open_ and drafts[-1].department is None:
            _attach(drafts[-1], source, dropped)
            # a source under a title, before any body (`（县发改局）`, `供稿单位：…`), leaves it open
            open_ = not any(drafts[-1].paragraphs)
            continue
        if drafts and continues_title(drafts[-1], para):
            drafts[-1].title = join_lines([drafts[-1].title, para[0].text])
            continue
        if open_ and is_subheading(para[0].text, drafts[-1].paragraphs, drafts[-1].marker,
                                   _awaits_body(drafts[-1])) \
                and not numbers_items(paragraphs, index, style(para[0].text)):
            open_ = _into_body(drafts[-1], para, dropped)
            continue
        if open_ and LIST_NUMBER.match(para[0].text) and _awaits_body(drafts[-1]) \
                and not list_numbers_items(paragraphs, index):
            # a title, then its points `1．…` `2．…` closed by one attribution: its body
            open_ = _into_body(drafts[-1], para, dropped)
            continue
        if not open_ and _short_heading(paragraphs, index):
            drafts.append(Draft("article", para[0].text))  # `简讯` over `△…`: a section heading
            open_, unit = True, None
            continue
        heading = bool(drafts) and _heading_only(drafts[-1])
        strong = not open_ or (heading and (bool(LIST_NUMBER.match(para[0].text))
                                            or (drafts[-1].numbered and not drafts[-1].marker)))
        opened = open_item(para, strong=strong, previous=drafts[-1] if drafts else None,
                       dropped=dropped)
        if opened:
            draft, texts = opened
            draft.notes, notes = notes, []
            if len(drafts) > unit_at and _heading_only(drafts[-1]):
                unit = None  # a section heading ends the unit's block
            draft.unit, draft.unit_above = unit, unit is not None and len(drafts) > unit_at
            drafts.append(draft)
        else:
            texts = [line.text for line in para]
        text = join_lines(texts)
        source = attribution(text, relaxed=True)
        drafts[-1].paragraphs.append(text[:source.start] if source else text)
        open_ = True
        if source:
            _attach(drafts[-1], source, dropped)
            open_ = False
        if drafts[-1].department:
            unit = None  # an item signed by its own source ends the block of the unit above it
    front.extend(fix_spaces(note) for note in notes)  # a note with no item after it
    return drafts


def _unit_over_title(paragraphs, index):
    """A line that is only a unit's name (`■ 街道综治办`, `街道民政办：`), then a title line, then
    text: the unit reports the item (a 街道's bulletin prints it over each title) -> (unit,
    marks) or None. Over a brief or another heading it stays a section heading. In hard-wrapped
    text the three may be one paragraph (the unit line ends no sentence): the title is then the
    paragraph's second line."""
    para = paragraphs[index]
    if len(para) > 2:  # hard-wrapped: the unit, its title and the text joined
        title, text = para[1].text, para[2].text
    elif len(para) > 1 or index + 2 >= len(paragraphs) or len(paragraphs[index + 1]) > 1:
        return None
    else:
        title, text = paragraphs[index + 1][0].text, paragraphs[index + 2][0].text
    over = unit_line(para[0].text)
    if not over or BULLET.match(title) or NUMBERED.match(title) or not is_title_line(title):
        return None
    return over if first_punct(text) < len(text) and not BULLET.match(text) else None


def _into_body(draft, para, dropped):
    """`para` (a sub-heading, a numbered point) joins the draft's body; an attribution ending
    it closes the draft -> whether the draft is still open."""
    text = join_lines([line.text for line in para])
    source = attribution(text, relaxed=True)
    draft.paragraphs.append(text[:source.start] if source else text)
    if source:
        _attach(draft, source, dropped)
    return not source


def _short_heading(paragraphs, index):
    """A lone line of two or three Chinese characters (`简讯`, `要闻`), too short for a title,
    where an item may start and right over a bulleted or list-numbered line: the section
    heading of the items under it."""
    para = paragraphs[index]
    text = fix_spaces(para[0].text)
    if len(para) > 1 or not re.fullmatch(r"[\u4e00-\u9fff]{2,3}", fold(text)) or index + 1 >= len(paragraphs):
        return False
    following = paragraphs[index + 1][0].text
    return bool(BULLET.match(following) or LIST_NUMBER.match(following))


def _awaits_body(draft):
    """A title with nothing under it yet, not a section heading: an editor's note printed
    between a title and its text belongs to that item."""
    return bool(draft.title) and not WORDS.search("".join(draft.paragraphs)) and not draft.department \
        and not draft.numbered and len(fix_spaces(draft.title)) >= MIN_TWO_LINE_TITLE


def _heading_only(draft):
    """A draft that is so far only a title: a section heading if what follows is an item. Items
    follow a marked heading (`【简讯】`, `★要闻`) shorter than a two-line title, and any heading
    (`二、基层动态` too) when the next line is numbered `①`, `1.`, `1、`; a report's `一、基本情况`
    followed by text is its sub-heading."""
    return bool(draft.title) and not WORDS.search("".join(draft.paragraphs)) and not draft.department \
        and (not draft.numbered or len(fix_spaces(draft.title)) < MIN_TWO_LINE_TITLE)


def _attach(draft, source, dropped):
    draft.department = source.department
    draft.byline = source.byline
    dropped.extend(source.dropped)


def _finish(draft, issue, section):
    """Repair a draft's spaces and add it to the issue -> the section the next item stands under.

    A draft with no words in its body is not an item: a section heading (`【简讯】`,
    `一、工作动态`: it becomes the `section` of the items under it) or stray punctuation;
    either goes to `issue.dropped`.
    """
    body = "\n".join(p for p in (_paragraph_text(p) for p in draft.paragraphs) if p)
    if draft.byline:  # `（苏晓 陈立军）`: several names keep a space between them
        body = (body + "\n" + " ".join(fix_spaces(name) for name in draft.byline.split())).strip()
    if draft.fields:
        body = "\n".join([body] + [fields_text(line) for line in draft.fields])
    note = "\n".join(fix_spaces(n) for n in draft.notes)
    title = title_text(draft.title)
    if not WORDS.search(body):  # nothing, or only punctuation such as `……` / `——`
        issue.dropped.extend(t for t in (title, body, draft.department) if t)
        return title if WORDS.search(title) and not draft.department else section
    seq = len(issue.items) + 1
    kind = draft.kind
    department = draft.department or draft.unit
    if not draft.department and draft.unit_above:
        issue.derived_departments.append(seq)  # the block's unit, printed once over its first item
    if title and not department:
        department, body = _unit_first(title, body, issue, seq)
    leading = None if title or department else leading_source(body)
    if leading:  # `▲区住建局：全力推进…`: the unit printed first is the source, its title's head
        department, marks, body = leading
        issue.dropped.extend(marks)
        title = department + "：" + short_title(body)
        issue.derived_titles.append(seq)
        kind = "brief" if "\n" not in body and len(body) <= MAX_UNTITLED_BRIEF and seq > 1 else kind
    if not title:
        title = short_title(body)
        issue.derived_titles.append(seq)
        if "\n" not in body and len(body) <= MAX_UNTITLED_BRIEF and seq > 1:
            kind = "brief"  # a short untitled item is a brief even when its bullet was lost (a scan)
    if kind == "article" and seq == 1 and not draft.numbered and section is None:
        kind = "lead"
    if note:  # the editor's note opens the item it introduces (its title is not made from it)
        body = note + "\n" + body
    issue.items.append(Item(seq, kind, title, body, department, section=section))
    return section


def _paragraph_text(text):
    """A body paragraph, spaces repaired; a line of contact or staff fields keeps one space
    between them (`联系人：王五 电话：…`, not `王五电话：…`)."""
    return fields_text(text) if is_field_line(text) else fix_spaces(text)


def _unit_first(title, body, issue, seq):
    """An article with no attribution that prints its unit first -> (department, body).

    `县住建局：全力推进…` as its title: the unit is the department and the title stays as
    printed (`issue.derived_departments` notes the copy). `县住建局：今年…` opening its body:
    the unit leaves the body, as in a brief. Not when another paragraph opens with a unit as
    well: a roundup of several units' news has no single source."""
    in_title = leading_source(title)
    if in_title:
        issue.derived_departments.append(seq)
        return in_title[0], body
    paragraphs = body.split("\n")
    leading = leading_source(paragraphs[0])
    if not leading or any(leading_source(p) for p in paragraphs[1:]):
        return None, body
    department, marks, rest = leading
    issue.dropped.extend(marks)
    return department, "\n".join([rest] + paragraphs[1:])
