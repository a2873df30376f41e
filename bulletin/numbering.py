"""How an item's numbered lines are read: a sub-heading of its body, or the next item.

    style("（二）存在问题")                      # -> ("（）", 2); ("、", 1) for `一、…`; ("是", 1) for `一是…`
    is_subheading("（一）总体情况", body, marker="", bare_title=False)   # -> True inside an open article
    numbers_items(paragraphs, index, style("（一）…"))   # -> True when an attribution closes each part
    list_numbers_items(paragraphs, index)       # the same for `1．` / `①` points

A numbered line inside an article is its own sub-heading when it starts a numbering (`（一）`)
or continues one already in the body (`（二）` after `（一）`), unless the article's own title
carries that numbering style (then `（二）` is the next item); the numbers number items when
an attribution closes the text before the next number (`（一）…（区审计局）（二）…`).
`paragraphs` are the segmenter's paragraphs (lists of repaired lines). docs/parsing.md has the rules.
"""

import re

from bulletin.repair import LIST_NUMBER, join_lines
from bulletin.titles import attribution

NUMERALS = "一二三四五六七八九十"
WORDS = re.compile(r"[^\W_]")  # a letter, a digit or a CJK character


def style(text):
    """`style("（二）存在问题")` -> ("（）", 2); ("、", 1) for `一、…`; None if not numbered."""
    match = re.match(r"^([（(]?)\s*([一二三四五六七八九十])\s*([）)、]|是)", text)
    if not match or (match.group(1) and match.group(3) not in "）)") or (not match.group(1) and match.group(3) in "）)"):
        return None
    return ("（）" if match.group(1) else match.group(3)), NUMERALS.index(match.group(2)) + 1


def is_subheading(text, body, marker, bare_title):
    """A numbered line inside an open item is a sub-heading of its body (`（一）总体情况`), not a
    new item: when it starts a numbering (`（一）`) after the item's first paragraph, or continues
    a numbering already inside this body (`body`: its paragraph texts so far), or right under a
    report's title (`bare_title`: a title with no body yet, too long for a section heading);
    never the item's own numbering style (`marker`)."""
    numbered = style(text)
    if numbered is None:
        return False
    kind, number = numbered
    if not WORDS.search("".join(body)):
        # a report's title, then straight away its `一、基本情况`: the numbering is its parts'
        # (a section heading is short or numbered itself; items are told apart by the caller)
        return number == 1 and kind != "是" and bare_title
    if marker and marker == kind:
        return False  # `（二）` after an item titled `（一）…`: the next item
    if number == 1:
        return True
    inner = [style(p) for p in body]
    return (kind, number - 1) in inner


def numbers_items(paragraphs, index, numbered):
    """Does the numbering that starts at paragraphs[index] (`numbered`: its style) number items?
    It does when an attribution closes the text before the next number (`（一）…（区审计局）（二）…`)."""
    kind, number = numbered
    for para in paragraphs[index:]:
        text = join_lines([line.text for line in para])
        if para is not paragraphs[index] and style(para[0].text) == (kind, number + 1):
            return False
        if attribution(text, relaxed=True):
            return any(style(p[0].text) == (kind, number + 1) for p in paragraphs[index + 1:])
    return False


def list_numbers_items(paragraphs, index):
    """Do the list numbers (`1．`, `①`) from paragraphs[index] number items? They do when an
    attribution closes a numbered text and the next paragraph is numbered again; not when the
    next number comes first (the points of one text, attributed once after the last)."""
    for position in range(index, len(paragraphs)):
        para = paragraphs[position]
        if position > index and LIST_NUMBER.match(para[0].text):
            return False
        if attribution(join_lines([line.text for line in para]), relaxed=True):
            return position + 1 < len(paragraphs) and bool(LIST_NUMBER.match(paragraphs[position + 1][0].text))
    return False
