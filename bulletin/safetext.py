"""Bulletin text made safe for a WeChat text message, and the one way to write a link (pure).

    plain("<a href='http://x'>点我</a>\u202e标题")   # -> "＜a href='http://x'＞点我＜/a＞标题"
    line("第一行\n第二行")                              # -> "第一行 第二行" (one line, plain)
    anchor("https://jb.example/items/4?t=…", "标题")   # -> '<a href="https://…">标题</a>'
    cdata_safe("a]]>b")                                 # -> "a]]＞b"

Official Account and WeCom text messages render `<a href="…">…</a>`, so only Jianbao's own
links may be tags: whatever came from a bulletin (a title, a body, a department) goes
through `plain`, which turns `<` and `>` into their full-width forms (＜ ＞, read the same,
never markup), drops bidirectional overrides and isolates (U+202A–202E, U+2066–2069,
U+200E/200F, U+061C: they reorder what a reader sees), zero-width characters (U+200B–200D,
U+2060, U+FEFF, U+180E: they hide words from search and from a reader) and the control
characters XML cannot carry. A passive reply puts its text in an XML CDATA section, which
`]]>` would end: `plain` already removes the `>`, and `cdata_safe` guards any text (a
user's own words echoed back) the same way.
"""

import re
from urllib.parse import quote

HIDDEN = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
                    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
MARKUP = (("<", "\uff1c"), (">", "\uff1e"))  # (str.translate: 100× slower on CJK text)
URL_SAFE = ":/?#[]@!$&'()*+,;=%-._~"  # everything a URL may hold except quotes and <>


def plain(text):
    """`text` with no markup, no hidden or reordering characters (line breaks kept)."""
    text = HIDDEN.sub("", str(text or ""))
    for mark, full_width in MARKUP:
        text = text.replace(mark, full_width)
    return text


def line(text):
    """`plain(text)` on one line: runs of whitespace (line breaks too) become one space."""
    return " ".join(plain(text).split())


def anchor(url, title):
    """`<a href="url">title</a>`: the title made plain, the URL unable to leave its quotes."""
    return f'<a href="{quote(str(url), safe=URL_SAFE)}">{line(title)}</a>'


def cdata_safe(text):
    """`text` that cannot end an XML CDATA section (`]]>` becomes `]]＞`)."""
    return str(text or "").replace("]]>", "]]\uff1e")


def size(text):
    return len(text.encode("utf-8"))


def pack(head, blocks, limit, more="", beyond=False):
    """`pack("找到9条：", ["1. <a …>…</a>", …], 2047, "回复“更多”…")` -> (text, shown).

    As many whole blocks (one item each, never cut inside a link) as fit in `limit` UTF-8
    bytes after `head`, followed by `more` when any block is left out (or `beyond`: more
    items exist past these blocks). The first block is always shown: callers keep a block
    far below the limit."""
    lines, shown = [head] if head else [], 0
    for n, block in enumerate(blocks):
        hint = [more] if more and (beyond or n + 1 < len(blocks)) else []
        if shown and size("\n".join(lines + [block] + hint)) > limit:
            break
        lines.append(block)
        shown += 1
    if more and (beyond or shown < len(blocks)):
        lines.append(more)
    return "\n".join(lines), shown


def split_lines(lines, max_bytes):
    """`split_lines(["标题", "1. <a …>…</a>", …], 2048)` -> parts of whole lines, numbered
    `（1/2）` when there are several: a part never ends inside a link (cards.split_text cuts
    at sentence ends, and a URL's `?` would be one). A single line longer than a part is
    left whole (callers keep lines short)."""
    text = "\n".join(lines)
    if size(text) <= max_bytes:
        return [text] if text else []
    budget = max_bytes - size("（99/99）")
    parts, current = [], []
    for entry in lines:
        if current and size("\n".join(current + [entry])) > budget:
            parts.append("\n".join(current))
            current = []
        current.append(entry)
    if current:
        parts.append("\n".join(current))
    return [f"（{i}/{len(parts)}）{part}" for i, part in enumerate(parts, 1)]


ANCHOR = re.compile(r'<a href="([^"<>]*)">([^<>]*)</a>')


def only_links_to(text, base):
    """`text` with every tag neutralised except `<a href="…">…</a>` whose URL starts with
    `base` (Jianbao's own public URL): the last guard on a whole reply, whatever a handler
    echoed (a department learned from a bulletin, the user's own words)."""
    base = str(base or "").rstrip("/") + "/"
    out, last = [], 0
    for found in ANCHOR.finditer(text or ""):
        if not found.group(1).startswith(base):
            continue
        out.append(plain(text[last:found.start()]))
        out.append(f'<a href="{found.group(1)}">{plain(found.group(2))}</a>')
        last = found.end()
    out.append(plain((text or "")[last:]))
    return "".join(out)
