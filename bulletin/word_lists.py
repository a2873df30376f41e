"""Word's list numbering: the bullet or number Word draws before a paragraph, which is not in
the paragraph's text.

    lists = WordLists(document)            # a python-docx Document
    lists.marker(paragraph)                # -> "● ", "1.", "一、", "（二）", "①" or ""

A paragraph is numbered by `w:numPr` in its own properties or in its style's (`List Bullet`,
`List Number`, a numbered heading style). `w:numId` picks a list (`w:num`), which points at
an abstract definition whose level (`w:ilvl`) gives the format (`w:numFmt`) and the text
template (`w:lvlText`, `%1、`). Counters run per abstract definition, as Word counts them: a
list that continues under another `w:num` keeps counting unless that `w:num` overrides the
start (Word's "restart numbering"); a level restarts when a higher level is used.
"""

import re

from bulletin.repair import BULLETS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CN = "〇一二三四五六七八九"
CIRCLED = "".join(chr(0x2460 + n) for n in range(20))  # ①–⑳
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
         (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def chinese(n):
    """`chinese(12)` -> "十二": the numerals Chinese documents number with."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, units = divmod(n, 10)
    return ((CN[tens] if tens > 1 else "") + "十" if tens else "") + (CN[units] if units else "")


def roman(n):
    out = ""
    for value, letters in ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def number_text(n, fmt):
    """`number_text(3, "chineseCounting")` -> "三"; `decimal` and anything unknown -> "3"."""
    if fmt.startswith(("chinese", "ideograph", "taiwanese", "japaneseCounting")):
        return chinese(n)
    if fmt.startswith("decimalEnclosedCircle"):
        return CIRCLED[n - 1] if 1 <= n <= 20 else str(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        return roman(n) if fmt == "upperRoman" else roman(n).lower()
    return str(n)


def _val(element, path):
    found = element.find(path) if element is not None else None
    return found.get(W + "val") if found is not None else None


class WordLists:
    """The document's numbering definitions and the counters of the lists read so far."""

    def __init__(self, document):
        self.abstract, self.nums, self.counters, self.started = {}, {}, {}, set()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for abstract in root.findall(W + "abstractNum"):
            levels = {}
            for lvl in abstract.findall(W + "lvl"):
                levels[int(lvl.get(W + "ilvl", "0"))] = (
                    int(_val(lvl, W + "start") or 1), _val(lvl, W + "numFmt") or "decimal",
                    _val(lvl, W + "lvlText") or "")
            self.abstract[abstract.get(W + "abstractNumId")] = levels
        for num in root.findall(W + "num"):
            overrides = {}
            for override in num.findall(W + "lvlOverride"):
                start = _val(override, W + "startOverride")
                if start is not None:
                    overrides[int(override.get(W + "ilvl", "0"))] = int(start)
            self.nums[num.get(W + "numId")] = (_val(num, W + "abstractNumId"), overrides)

    def _numbering(self, paragraph):
        """(numId, ilvl) from the paragraph's properties, else from its style chain."""
        numpr = paragraph._p.find(f"{W}pPr/{W}numPr")
        num_id, level = _val(numpr, W + "numId"), _val(numpr, W + "ilvl")
        style = paragraph.style if num_id is None else None
        while num_id is None and style is not None:
            numpr = style.element.find(f"{W}pPr/{W}numPr")
            num_id, level = _val(numpr, W + "numId"), level or _val(numpr, W + "ilvl")
            style = style.base_style
        return num_id, int(level or 0)

    def marker(self, paragraph):
        """`marker(paragraph)` -> the bullet or number Word draws before it ("" if none)."""
        if not self.nums:
            return ""
        num_id, level = self._numbering(paragraph)
        if num_id in (None, "0") or num_id not in self.nums:
            return ""  # numId 0: numbering switched off for this paragraph
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if level not in levels:
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        start, fmt, text = levels[level]
        if fmt == "bullet":
            return (text if text in BULLETS and text else "●") + " "
        if fmt == "none":
            return ""
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [lvl for lvl in counters if lvl > level]:
            del counters[deeper]  # a higher level restarts the levels under it

        def fill(match):
            lvl = int(match.group(1)) - 1
            lvl_start, lvl_fmt, _ = levels.get(lvl, (1, "decimal", ""))
            return number_text(counters.get(lvl, lvl_start), lvl_fmt)

        return re.sub(r"%([1-9])", fill, text).strip()
