"""Mobile cards from bulletin items, cut to each WeChat channel's byte limits (pure, no I/O).

    card = item_card(item, date="2021-01-06", link="/items/42?t=…", limits=channel.card_limits)
    card.to_dict()        # {"title", "digest", "department", "date", "link"}
    item_card(item, date=…, link=…, limits=…, confidential=True)   # a 内部 item (WeCom: safe)
    digest(body, 512)     # the opening sentence(s) that fit in 512 UTF-8 bytes
    split_text(text, 2048)  # ["（1/2）…", "（2/2）…"] cut at sentence ends

WeChat counts UTF-8 bytes and silently truncates over-long fields (mid-character, in the
middle of a sentence), so every field is cut here first: at a sentence end where possible,
else at a clause end (`，；、：`) followed by `…`, else at a character boundary.
Titles, digests and departments are made plain (bulletin.safetext) so a bulletin's own
`<a href>`, bidirectional overrides or zero-width characters reach no message.
`cards_for_issue(issue, limits)` previews the cards of a parsed, unstored issue; their
links are `/items/preview/<seq>` because the item has no id (and no page) yet.
"""

from dataclasses import asdict, dataclass

from bulletin.safetext import line, plain

SENTENCE_ENDS = "。！？!?"
CLOSERS = "”’\"'」』）)】"
CLAUSE_ENDS = "，；、：,;:"
ELLIPSIS = "…"
ROW_SEPARATOR = "｜"  # between a table row's cells on a phone (a tab shows as nothing or one space)

# A channel's byte limits come from the channel (channels/base.py `card_limits`): a dict with
# "title", "description", "url", "text" (bytes) and "articles" (news articles per message).
PASSIVE_TEXT_BYTES = 2047  # a passive (callback) text reply: assume 2,047 bytes


@dataclass
class Card:
    title: str
    digest: str
    department: str | None
    date: str | None
    link: str  # path (or URL) of the item's full-text page
    # True for a 内部 item: a channel that can mark a message confidential (WeCom's `safe`)
    # sends it that way. Not part of `to_dict` (the `parse --cards --json` shape).
    confidential: bool = False

    def to_dict(self):
        card = asdict(self)
        del card["confidential"]
        return card


def size(text):
    """`size("简报")` -> 6: the UTF-8 byte length WeChat counts."""
    return len(text.encode("utf-8"))


def sentences(text):
    """`sentences("甲。乙！丙")` -> ["甲。", "乙！", "丙"]; joined they give back `text`.

    A sentence runs to its end mark plus any closing quotes/brackets and the whitespace
    after it; a line break also ends one.
    """
    pieces, start, i, n = [], 0, 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch in SENTENCE_ENDS or ch == "\n":
            while i < n and (text[i] in SENTENCE_ENDS or text[i] in CLOSERS):
                i += 1
            while i < n and text[i].isspace():
                i += 1
            pieces.append(text[start:i])
            start = i
    if start < n:
        pieces.append(text[start:])
    return pieces


def cut_bytes(text, max_bytes):
    """`cut_bytes("简报简报", 7)` -> "简报": the longest prefix within `max_bytes`."""
    if size(text) <= max_bytes:
        return text
    return text.encode("utf-8")[:max(max_bytes, 0)].decode("utf-8", "ignore")


def cut_at_clause(text, max_bytes):
    """The longest prefix within `max_bytes` ending at a clause mark, else at any character."""
    head = cut_bytes(text, max_bytes)
    for i in range(len(head) - 1, 0, -1):
        if head[i] in CLAUSE_ENDS:
            return head[:i + 1]
    return head


def fit(text, max_bytes):
    """`fit(title, 128)`: `text` if it fits, else cut at a clause (or character) plus `…`."""
    text = text.strip()
    if size(text) <= max_bytes:
        return text
    head = cut_at_clause(text, max_bytes - size(ELLIPSIS)).rstrip()
    if head and head[-1] in CLAUSE_ENDS:
        head = head[:-1]
    return head + ELLIPSIS


def flatten(text):
    """Paragraphs joined into one line: no gap after CJK, one space after Latin text."""
    out, row = "", False
    for part in (part.strip() for part in text.splitlines()):
        if part:
            gap = "；" if row else " " if out and out[-1].isascii() and part[0].isascii() else ""
            row = "\t" in part  # a table row (cells joined by tabs): cells apart, rows apart
            if row:
                part = ROW_SEPARATOR.join(cell.strip() for cell in part.split("\t") if cell.strip())
            out += gap + part
    return out


def digest(text, max_bytes):
    """`digest(body, 512)`: the opening sentence(s) within `max_bytes`, cut at a sentence end.

    A body's table (rows of tab-separated cells, from a Word table) is not summarised: the
    digest stops before it; a body that opens with one shows its rows as `甲｜乙；丙｜丁`.

    If even the first sentence is too long it is cut at a clause end (else a character)
    and ends with `…`, still within `max_bytes`.
    """
    lines = str(text).split("\n")
    first_row = next((i for i, line in enumerate(lines) if "\t" in line), None)
    opening = "\n".join(lines[:first_row or 0])
    if opening.strip():  # a table under the opening text: the digest is the text (the page has it)
        text = opening
    text = flatten(text)
    out = ""
    for sentence in sentences(text):
        if size(out + sentence.rstrip()) > max_bytes:
            break
        out += sentence
    return out.rstrip() if out.strip() else fit(text, max_bytes)


def _chunks(text, budget):
    """Greedy packing of sentences into chunks of at most `budget` bytes; joined = text."""
    chunks, current = [], ""
    for sentence in sentences(text):
        while size(sentence) > budget:  # one sentence alone is too long: clause, then char
            if current:
                chunks.append(current)
                current = ""
            head = cut_at_clause(sentence, budget)
            chunks.append(head)
            sentence = sentence[len(head):]
        if size(current + sentence) > budget:
            chunks.append(current)
            current = ""
        current += sentence
    if current:
        chunks.append(current)
    return chunks


def number(i, n):
    return f"（{i}/{n}）"


def split_text(text, max_bytes):
    """`split_text(text, 2048)` -> parts that each fit in `max_bytes`, numbered `（1/3）`.

    A text that fits comes back as `[text]`, unnumbered; an empty text gives `[]`.
    Parts are cut at sentence ends; a sentence longer than a part is cut at a clause end,
    then at a character boundary. Removing the `（i/n）` prefixes and joining the parts
    gives back `text` exactly.
    """
    if not text:
        return []
    if size(text) <= max_bytes:
        return [text]
    count = 2
    while True:
        budget = max_bytes - size(number(count, count))
        if budget < 4:
            raise ValueError(f"{max_bytes} bytes cannot hold a numbered part")
        chunks = _chunks(text, budget)
        if len(str(len(chunks))) <= len(str(count)):
            return [number(i, len(chunks)) + chunk for i, chunk in enumerate(chunks, 1)]
        count = len(chunks)


def item_card(item, *, date, link, limits, confidential=False):
    """`item_card(item, date="2021-01-06", link="/items/42?t=…", limits=channel.card_limits)`
    -> Card cut to those byte limits (`confidential`: the item is 内部)."""
    if size(link) > limits["url"]:
        raise ValueError(f"link of {size(link)} bytes is over the {limits['url']}-byte limit")
    return Card(  # text a bulletin wrote is never markup (safetext: `<a href>`, RTL, zero-width)
        title=fit(line(item.title), limits["title"]),
        digest=digest(plain(item.body), limits["description"]),
        department=line(item.department) or None,
        date=date,
        link=link,
        confidential=bool(confidential),
    )


def preview_link(seq):
    """`/items/preview/3`: the link a card carries before its item is stored."""
    return f"/items/preview/{int(seq)}"


def cards_for_issue(issue, limits):
    """The cards of a parsed (unstored) `issue` within `limits`, linked to preview paths."""
    return [item_card(item, date=issue.date, link=preview_link(item.seq), limits=limits)
            for item in issue.items]
