"""The one interface the push worker uses to deliver, whatever BOT_CHANNEL is.

    channel = make_channel(app.config, db_path)     # channels/__init__.py: sandbox, work or mp
    payloads = channel.render(cards, title="东城区简报 2021-01-06")   # ONE message, split if forced
    results = channel.send(["zhangsan", "lisi"], payloads[0])         # {recipient: Result}

A channel has:
- `name`: "sandbox", "work" or "mp";
- `identity`: the cadres column that addresses a recipient (`userid` on WeCom, `openid` on
  the Official Account; `any` in the sandbox, which takes either);
- `from_config(config, db_path)`: the channel built from the app's settings (the registry
  in channels/__init__.py calls it; nobody else compares channel names);
- `card_limits`: the byte limits cards are cut to (bulletin.cards) and articles per message;
- `max_batch`: recipients per API call (work 1000, mp 1, sandbox 1); the worker never passes
  more to `send`;
- `recipient_caps`: ((messages, seconds), …) each recipient may receive; WeCom silently drops
  the excess of 30/min and 1,000/h per member, so the worker must keep each recipient under
  them. Empty where the platform sets none we can pace (sandbox, mp);
- `render(cards, *, title) -> list[dict]`: the JSON-serialisable payload(s) of one message per
  issue for one recipient (or a batch with identical cards), stored in the outbox as is
  (a card's `confidential` marks a 内部 item: WeCom sends those as confidential text);
- `recall_seconds`, `recall(msgid) -> Result`: how long a sent message can be recalled and
  recalling it (WeCom: 24 h, `message/recall`; 0 elsewhere: only the page changes); `failed`
  is final, a failure worth trying again raises `TransientError` like `send`;
- `notice(text, card, *, title, confidential=False) -> list[dict]`: a short text message
  about an item already sent (a correction notice, a reminder), with the channel's own
  fallback or options (`confidential`: it concerns a 内部 item — WeCom marks it `safe`);
- `send(recipients, payload) -> dict[str, Result]`: one result per recipient, or raises
  `TransientError` when the whole call should be retried later (-1, 45009, HTTP 5xx,
  timeouts, dropped connections, token errors that a fresh token did not cure).

`Result.status` is `sent`, `failed` (permanent: unknown user, unfollowed, bad payload) or
`window_closed` (Official Account customer-service window shut and no template to fall back on).
"""

from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import config as settings

SENT, FAILED, WINDOW_CLOSED = "sent", "failed", "window_closed"
STATUSES = (SENT, FAILED, WINDOW_CLOSED)
DEFAULT_TIMEOUT = settings.default("BOT_HTTP_TIMEOUT")


def reads_with_oauth(config):
    """True when item pages learn their reader through WeChat's web authorisation
    (BOT_READER_OAUTH, on unless set to 0; channels.readers); the sandbox ignores it."""
    return bool(settings.setting(config, "BOT_READER_OAUTH"))


def reader_domain(config):
    """The host WeChat must trust for web authorisation: BOT_PUBLIC_URL's."""
    return urlsplit(str(config.get("BOT_PUBLIC_URL") or "")).hostname or "BOT_PUBLIC_URL's host"


@dataclass(frozen=True)
class Result:
    status: str
    errcode: int | None = None
    reason: str | None = None
    msgid: str | None = field(default=None, compare=False)  # WeCom's id of the sent message

    def to_dict(self):
        return asdict(self)


class TransientError(Exception):
    """A failure worth retrying later with backoff: `TransientError(45009, "api freq limit")`."""

    def __init__(self, errcode=None, reason=""):
        super().__init__(f"{errcode}: {reason}" if errcode is not None else reason)
        self.errcode = errcode
        self.reason = reason


class Channel:
    """Base class: subclasses set `name`, `max_batch`, and implement render/send."""

    name = "base"
    identity = "openid"
    required_settings = ()  # what BOT_CHANNEL=<name> cannot start without (check_config)
    aes_key_setting = None  # the EncodingAESKey setting, checked for its 43 characters
    has_sandbox_phone = False  # the built-in /sandbox pages exist only for the sandbox
    # Byte limits of a card and a message (the platform's), and news articles per message.
    card_limits = {"title": 128, "description": 512, "url": 2048, "text": 2048, "articles": 8}
    max_batch = 1
    recipient_caps = ()
    recall_seconds = 0  # how long after sending a message can be recalled (0: never)
    confidential_replies = False  # chat replies listing 内部 items go by `confidential_reply`

    @classmethod
    def from_config(cls, config, db_path):
        raise NotImplementedError

    label = "渠道"  # the channel's name as the console shows it
    needs_access_token = True  # False: the channel talks to no WeChat account
    credential_settings = ""  # the settings that make up its credentials, for messages

    @classmethod
    def check_settings(cls, config):
        """Raise config.ConfigError for a setting of this channel that cannot work."""

    @classmethod
    def admin_steps(cls, config):
        """What the operator sets by hand in the WeChat admin pages (`python bot.py check`)."""
        return []

    @classmethod
    def preflight(cls, client, config):
        """Further checks `python bot.py check` makes with a working token: [(ok, line)]."""
        return []

    def __init__(self, public_url="", timeout=DEFAULT_TIMEOUT):
        self.public_url = str(public_url or "").rstrip("/")
        self.timeout = timeout

    def url(self, link):
        """`channel.url("/items/4?t=…")` -> the absolute link on BOT_PUBLIC_URL."""
        if link.startswith(("http://", "https://")):
            return link
        return self.public_url + link

    def render(self, cards, *, title):
        raise NotImplementedError

    def send(self, recipients, payload):
        raise NotImplementedError

    def notice(self, text, card, *, title, confidential=False):
        """A short text message about an item already sent (更正, 催办): `text` is made by
        the caller (plain, its links `safetext.anchor`), within the channel's text limit;
        `card` and `title` feed a channel's fallback (the Official Account's template);
        `confidential` (a 内部 item) matters only where the platform has confidential
        messages (WeCom's `safe`)."""
        return [{"msgtype": "text", "text": {"content": text}}]

    def recall(self, msgid):
        """Recall a sent message: a Result (`sent` = recalled, `failed` = refused for good,
        its errcode and reason), or TransientError (try again later). Only where
        `recall_seconds` > 0 (WeCom's message/recall)."""
        raise NotImplementedError(f"{self.name} messages cannot be recalled")

    def check_batch(self, recipients):
        if not recipients:
            raise ValueError("send needs at least one recipient")
        if len(recipients) > self.max_batch:
            raise ValueError(f"{self.name} sends to at most {self.max_batch} recipients per call")


def news_payloads(channel, cards, per_message):
    """Cards as news messages of at most `per_message` articles each."""
    articles = [{"title": card.title, "description": card.digest, "url": channel.url(card.link)}
                for card in cards]
    return [{"msgtype": "news", "news": {"articles": articles[i:i + per_message]}}
            for i in range(0, len(articles), per_message)]


def http_timeout(config):
    """Seconds per WeChat HTTP call: BOT_HTTP_TIMEOUT."""
    return float(config.get("BOT_HTTP_TIMEOUT") or settings.default("BOT_HTTP_TIMEOUT"))
