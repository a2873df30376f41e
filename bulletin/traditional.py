"""Traditional characters read like simplified ones where the parser looks for structure.

    fold("中共臨河區委辦公室")     # -> "中共临河区委办公室": same length, index for index
    fold("（區財政局與區稅務局）")  # -> "（区财政局与区税务局）"

Some offices (and text converted from Hong Kong, Macao or Taiwan sources) print in traditional
characters. The parser's rules look for words — a masthead's 简报/期/编, an issuer's
办公室/委员会, 报/送/发 and 编辑/签发 in the footer, 目录, 编者按, units' endings and 与 between
joint units, their labels (供稿/来源), leading time phrases — so those are matched on
`fold(text)`, while what the parser returns (titles, bodies, departments, the header) is sliced
from the text as printed.

The table is OpenCC's traditional-to-simplified conversion (`t2s`, the dictionaries inside the
`opencc` wheel, nothing downloaded) taken one character at a time over the CJK blocks of the
Basic Multilingual Plane: about 4,200 characters. A character whose conversion is not exactly
one character stays as it is, and no phrase conversion is used, so `fold` maps one character to
one character and a position found in the folded text is the same position in the printed one.
The table is built once, on the first fold (about 70 ms), then folding is `str.translate`.
"""

import functools
import re

# The CJK blocks of the BMP: Extension A, Unified Ideographs, Compatibility Ideographs. OpenCC
# changes no other BMP character in t2s; the supplementary planes hold rare variants only.
CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
WORDS = (("資訊", "信息"),)  # a word for a word of the same length (Taiwan's 資訊 is 信息; not in t2s)


@functools.cache
def table():
    """`table()[ord("與")]` -> "与": OpenCC t2s one character at a time, only real changes."""
    import opencc  # the C++ library and its dictionaries, both inside the wheel

    chars = [chr(code) for start, end in CJK_BLOCKS for code in range(start, end)]
    converter = opencc.OpenCC("t2s")
    # One conversion of the characters a line each: no phrase can span two lines.
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a line break changed: one call a character (slower)
        converted = [converter.convert(char) for char in chars]
    return {ord(char): simple for char, simple in zip(chars, converted)
            if simple != char and len(simple) == 1}


@functools.cache
def _finders():
    """A character class of every traditional character in the table (most lines of a simplified
    issue hold none: a search is five times cheaper than a translate), and WORDS folded."""
    mapping = table()
    traditional = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(mapping)) + "]")
    return traditional, tuple((word.translate(mapping), simple) for word, simple in WORDS)


def fold(text):
    """`fold("編者按：…")` -> "编者按：…": traditional characters as simplified ones, one for
    one (the length and every position stay)."""
    traditional, words = _finders()
    if traditional.search(text):
        text = text.translate(table())
    for word, simple in words:
        text = text.replace(word, simple)
    return text


def fold_chars(text):
    """`fold_chars("資訊")` -> "资讯": the characters alone, no word."""
    return text.translate(table())
