"""A small chat router: handlers are (check, handle) pairs, tried in order; first match wins.

    router = Router()

    @router.on(command("帮助"), help="帮助 — 显示本说明")
    def show_help(ctx):
        return router.help_text()

    data = router.dispatch(ctx)     # a str, a list of article dicts, or None (no reply)

A check is a pure function `check(ctx) -> match or None`; the match is put on `ctx.match`
before `handle(ctx)` runs. Handlers return plain data; `handlers.replies.render` turns it
into a wechatpy reply. The router knows nothing of Flask or HTTP.
"""

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

TRAILING = re.compile(r"[\s。．.！!？?～~…，,、；;：:]+$")  # what may end a command


@dataclass
class Context:
    """Everything a handler may need: one object, never a parameter count.

    `message` is the wechatpy message, `user` the sender's openid (mp, sandbox) or userid
    (work), `cadre` the bound cadre dict or None, `state` the user's chat state
    (`store.chat_state.load_state`), `channel` the configured channel's class.

    Handlers that remember something for the next message (chat state, the query count)
    do not write it themselves: `ctx.on_reply(write, *args)` queues it, and
    `handlers.chat.answer` makes every queued write in the one transaction that stores the
    reply — one write lock per message, and nothing half-saved when a reply is not.
    """
    message: Any
    user: str
    db: Any
    config: dict
    channel: type = None  # the channel class (channels.channel_class): identity, replies
    cadre: dict | None = None
    state: dict = field(default_factory=lambda: {"query": None, "page": 0, "pending": None})
    match: Any = None
    writes: list = field(default_factory=list)
    confidential: bool = False  # the reply lists 内部 items (handlers.confidential)

    def on_reply(self, write, *args):
        """Queue `write(db, *args)` for the transaction that stores this message's reply."""
        self.writes.append((write, args))

    @functools.cached_property  # every route's check reads it
    def text(self):
        """The message text, stripped ('' for non-text messages)."""
        if getattr(self.message, "type", None) != "text":
            return ""
        return (self.message.content or "").strip()

    @functools.cached_property  # the command checks read it
    def command_text(self):
        """The text as commands read it: trailing punctuation dropped too (`最新。`, `帮助！`,
        `订阅 审计。`), unless that leaves nothing (`？` stays `？`). A search reads `text`."""
        return TRAILING.sub("", self.text) or self.text

    @functools.cached_property  # the menu and event routes' checks read it
    def event(self):
        """The event name ('subscribe', 'click', …) or '' for ordinary messages."""
        if getattr(self.message, "type", None) != "event":
            return ""
        return str(getattr(self.message, "event", "") or "").lower()

    @property
    def open_access(self):
        return bool(self.config.get("BOT_OPEN_ACCESS"))


@dataclass
class Route:
    check: Callable
    handle: Callable
    help: str | None = None


class Router:
    """An ordered list of routes; `on(check, help=...)` registers, `dispatch(ctx)` answers."""

    def __init__(self):
        self.routes = []

    def on(self, check, help=None):
        """Decorator: register `handle(ctx)` behind `check(ctx)`; returns it unchanged."""
        def register(handle):
            self.routes.append(Route(check, handle, help))
            return handle
        return register

    def find(self, ctx):
        """The first route whose check matches, with its match (or (None, None))."""
        for route in self.routes:
            found = route.check(ctx)
            if found is not None and found is not False:
                return route, found
        return None, None

    def dispatch(self, ctx):
        """Run the first matching handler; None when nothing matches (no reply)."""
        route, found = self.find(ctx)
        if route is None:
            return None
        ctx.match = found
        return route.handle(ctx)

    def help_lines(self):
        """The help text of every route that has one, in registration order."""
        return [route.help for route in self.routes if route.help]


# ---- reusable checks -------------------------------------------------------------------

def command(*words, glued=False):
    """Check: the text is one of `words`, optionally followed by arguments.

    `command("订阅")` matches "订阅 财政 教育局" with the match "财政 教育局" ('' if bare).
    With `glued=True` the arguments may follow without a space: "订阅财政局" -> "财政局".
    Trailing punctuation is not part of it ("帮助！", "订阅 财政。": `Context.command_text`).
    """
    gap = r"[\s:：,，]*" if glued else r"[\s:：,，]+"
    pattern = re.compile(r"^(?:%s)(?:%s(.*)|$)" % ("|".join(map(re.escape, words)), gap), re.S)

    def check(ctx):
        found = pattern.match(ctx.command_text)
        return None if found is None else (found.group(1) or "").strip()
    return check


def exact(*words):
    """Check: the whole text is one of `words`, give or take trailing punctuation ("最新。",
    "更多？"); the match is the word. "最新政策" is not "最新": it stays a search."""
    wanted = set(words)

    def check(ctx):
        return ctx.command_text if ctx.command_text in wanted else None
    return check


def event(*names):
    """Check: an event named one of `names` (the match is the event name)."""
    wanted = {name.lower() for name in names}

    def check(ctx):
        return ctx.event if ctx.event in wanted else None
    return check


def menu(*keys):
    """Check: a menu click with one of `keys` (the match is the key)."""
    wanted = set(keys)

    def check(ctx):
        if ctx.event != "click":
            return None
        key = getattr(ctx.message, "key", None)
        return key if key in wanted else None
    return check


def either(*checks):
    """Check: the first of `checks` that matches."""
    def check(ctx):
        for one in checks:
            found = one(ctx)
            if found is not None and found is not False:
                return found
        return None
    return check


# What people type to answer "请回复序号": 2, ２ (full width), ② (IMEs offer ①–⑳), 2. / 2、,
# 第2个 / 第二个. Superscripts (²) and anything else are not a number here.
_DIGITS = str.maketrans({**{chr(0xFF10 + n): str(n) for n in range(10)},    # ０–９
                         **{chr(0x2460 + n): str(n + 1) for n in range(20)}})  # ①–⑳
_HANZI = {c: n for n, c in enumerate("一二三四五六七八九十", 1)}
_CHOICE = re.compile(r"(?:第\s*)?([0-9]{1,3}|[一二三四五六七八九十])\s*[个项条号]?\s*"
                     r"[.．。、,，:：)）]?")


def choice_number(text):
    """`choice_number("②")` -> 2: the number a reply to a numbered list means, or None.

    Accepts `2`, `２`, `②` (①–⑳), `2.`, `2、`, `第2个`, `第二个` (一–十); `²`, `2a` or words
    are None, so they fall through to the next route (a search)."""
    text = (text or "").strip()
    if not text or len(text) > 8:
        return None
    found = _CHOICE.fullmatch(text.translate(_DIGITS))
    if found is None:
        return None
    number = found.group(1)
    return _HANZI.get(number) or int(number)


def split_words(text):
    """`split_words("财政，教育局 、 发改委")` -> ["财政", "教育局", "发改委"]."""
    return [word for word in re.split(r"[\s,，、;；/|]+", text or "") if word]


# The bot's one router. Command modules register on it; handlers.chat imports them in order.
router = Router()
