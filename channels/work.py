"""WeCom (企业微信) app messages: news cards, and confidential text for 内部 items, to up to
1,000 members per call.

    channel = WorkChannel(corp_id, secret, agent_id, db_path, api_base=WECOM_API_BASE)
    for payload in channel.render(cards, title="东城区简报 2021-01-06"):
        results = channel.send(["zhangsan", "lisi"], payload)

公开 cards go out as `news` with at most 8 articles (more cards: more messages), each article
the card's title, digest and absolute link. News has no `safe` field, so 内部 cards
(`card.confidential`) go out as a confidential text message (`"safe": 1`: the member cannot
forward it outside the organisation and WeCom shows it watermarked): `【内部】<title>` and
one line per item, `n. <a href="…">标题</a>（部门）`, each with a short digest when the whole
listing fits in 2,048 bytes, else titles only, in numbered parts `（1/2）` of whole lines
past 2,048 bytes, each part under the `【内部】` heading again. A mixed issue is one news
message (or more past 8 cards) followed by the confidential text. Notices (`notice`, 更正
and 催办) about a 内部 item carry `safe: 1` too, and so does a chat reply listing a 内部 item
(`confidential_reply`: a passive reply cannot). WeCom's duplicate check is on (4 h), so a
message re-sent after a crash between sending and recording does not reach a member twice.
`invaliduser` / `unlicenseduser` in the answer mark those members `failed`; 81013 (nobody
valid) marks all of them failed. WeCom drops, silently, what a member receives beyond
30 messages a minute or 1,000 an hour: `recipient_caps` tells the worker to pace under that.
The msgid WeCom answers is returned with each `sent` Result (the outbox keeps it), so a
withdrawn item's messages can be recalled (`recall`, within 24 hours).
"""

import re

from wechatpy.enterprise import WeChatClient as EnterpriseClient
from wechatpy.exceptions import WeChatClientException

from bulletin.cards import digest, size
from bulletin.safetext import anchor, line, split_lines
from channels.inbound import WorkInbound
import config as settings
from config import ConfigError
from channels.base import (http_timeout, FAILED, SENT, Channel, Result, TransientError,
                           news_payloads, reader_domain, reads_with_oauth)
from channels.errors import UNKNOWN_AGENT, UNTRUSTED_IP, TokenFetchError, describe, transient
from channels.token import SharedTokenClient, SQLiteSessionStorage

DEFAULT_BASE = settings.default("WECOM_API_BASE")
DUPLICATE_CHECK_SECONDS = 4 * 3600  # the most WeCom allows
SAFE = 1  # message/send `safe`: not shareable outside the organisation, watermarked
SAFE_DIGEST_BYTES = 150  # a digest line in the confidential listing (about 50 characters)
PART_NUMBER = re.compile(r"（\d+/\d+）")  # how split_lines numbers the parts of a listing


class WeComClient(SharedTokenClient, EnterpriseClient):
    """wechatpy's WeCom client on `api_base`, its token shared through SQLite."""

    def __init__(self, corp_id, secret, db_path, api_base=None, timeout=10.0):
        EnterpriseClient.__init__(self, corp_id, secret, session=SQLiteSessionStorage(db_path),
                                  timeout=timeout, auto_retry=False)
        self.setup_shared_token(api_base or DEFAULT_BASE, timeout)

    def fetch_access_token(self):
        return self._fetch_access_token(url=self.API_BASE_URL + "gettoken",
                                        params={"corpid": self.corp_id, "corpsecret": self.secret})


def split_ids(value):
    return {part for part in str(value or "").split("|") if part}


class WorkChannel(WorkInbound, Channel):
    name = "work"
    identity = "userid"  # the WeCom address book is the identity: no binding needed
    required_settings = ("WECOM_CORP_ID", "WECOM_SECRET", "WECOM_AGENT_ID", "WECOM_TOKEN",
                         "WECOM_ENCODING_AES_KEY")
    aes_key_setting = "WECOM_ENCODING_AES_KEY"
    label = "企业微信"
    credential_settings = "WECOM_CORP_ID/WECOM_SECRET"

    @classmethod
    def admin_steps(cls, config):
        url = config["BOT_PUBLIC_URL"].rstrip("/") + "/wechat"
        return [
            f"WeCom admin → 应用管理 → the app (AgentId {config['WECOM_AGENT_ID']}) → 接收消息 → "
            f"设置API接收: URL {url}, Token = WECOM_TOKEN, EncodingAESKey = WECOM_ENCODING_AES_KEY",
            "the same app → 企业可信IP: this server's outbound address",
            "the same app → 可见范围: every department or member who should receive the bulletin "
            "(others are refused as invalid users; roster sync reads the address book within it)",
            "optional: a menu with the keys HELP, LATEST, MY_SUBSCRIPTIONS, DEPARTMENTS, MORE",
        ] + ([f"the same app → 网页授权及JS-SDK → 可信域名: {reader_domain(config)} "
              "(BOT_PUBLIC_URL's host; put the WW_verify_….txt file WeCom hands you in "
              "BOT_VERIFY_DIR, default instance/verify, and it is served at the domain's "
              "root) — without it nobody can open an item page (BOT_READER_OAUTH)"]
             if reads_with_oauth(config) else [])

    @classmethod
    def preflight(cls, client, config):
        """The app's own settings readable from here: the trusted-IP list lets us in."""
        agent = config["WECOM_AGENT_ID"]
        try:
            found = client.call(lambda: client.agent.get(agent))
        except WeChatClientException as error:
            if error.errcode == UNTRUSTED_IP:
                return [(False, "WeCom refuses calls from this server's address (60020): "
                                "add it to the app's 企业可信IP")]
            if error.errcode == UNKNOWN_AGENT:
                return [(False, f"WeCom knows no app {agent} in this company ({UNKNOWN_AGENT}): "
                                "check WECOM_AGENT_ID (WeCom admin → 应用管理 → the app → AgentId)")]
            return [(None, f"could not read the WeCom app's settings: errcode "
                           f"{error.errcode} ({error.errmsg})")]
        except Exception as error:  # noqa: BLE001 - a proxy or look-alike without agent/get
            return [(None, f"could not read the WeCom app's settings ({type(error).__name__})")]
        return [_visible_range(found, agent)]
    max_batch = 1000
    recipient_caps = ((30, 60), (1000, 3600))  # (messages, seconds) per member
    recall_seconds = 24 * 3600  # message/recall takes app messages up to 24 h old
    confidential_replies = True  # a passive reply has no `safe`: handlers.confidential

    def __init__(self, corp_id, secret, agent_id, db_path, *, api_base=None, public_url="",
                 timeout=10.0):
        super().__init__(public_url, timeout)
        self.agent_id = int(agent_id) if _ascii_number(agent_id) else agent_id
        self.client = WeComClient(corp_id, secret, db_path, api_base=api_base, timeout=timeout)

    @classmethod
    def check_settings(cls, config):
        if not _ascii_number(str(config.get("WECOM_AGENT_ID")).strip()):
            raise ConfigError(f"WECOM_AGENT_ID={config.get('WECOM_AGENT_ID')!r} is not valid: "
                              "the AgentId is a number (WeCom admin, the app's page)")

    @classmethod
    def from_config(cls, config, db_path):
        return cls(config["WECOM_CORP_ID"], config["WECOM_SECRET"], config["WECOM_AGENT_ID"],
                   db_path, api_base=config.get("WECOM_API_BASE"),
                   public_url=config.get("BOT_PUBLIC_URL", ""), timeout=http_timeout(config))

    def render(self, cards, *, title):
        """One message per issue: news of ≤ 8 articles for 公开 cards (a second message only
        past 8), then confidential text (`safe: 1`) listing the 内部 cards."""
        public = [card for card in cards if not card.confidential]
        internal = [card for card in cards if card.confidential]
        payloads = news_payloads(self, public, self.card_limits["articles"])
        payloads += [{"msgtype": "text", "text": {"content": part}, "safe": SAFE}
                     for part in self.confidential_parts(internal, title)]
        for payload in payloads:
            payload.update(enable_duplicate_check=1,
                           duplicate_check_interval=DUPLICATE_CHECK_SECONDS)
        return payloads

    def confidential_parts(self, cards, title):
        """The 内部 listing's text parts: with digests if it all fits in one message, else
        titles only, split into numbered parts of whole lines."""
        if not cards:
            return []
        head = [f"【内部】{line(title)}" if title else "【内部】"]
        titles = []
        for n, card in enumerate(cards, 1):
            department = f"（{line(card.department)}）" if card.department else ""
            titles.append(f"{n}. {anchor(self.url(card.link), card.title)}{department}")
        limit = self.card_limits["text"]
        with_digests = "\n".join(head + [
            entry + (f"\n{digest(card.digest, SAFE_DIGEST_BYTES)}" if card.digest else "")
            for entry, card in zip(titles, cards)])
        if size(with_digests) <= limit:
            return [with_digests]
        parts = split_lines(titles, limit - size(head[0]) - 1)  # every part says 【内部】
        return [_after_number(part, head[0]) for part in parts]

    def notice(self, text, card, *, title, confidential=False):
        """A text message (WeCom renders its `<a href>` links), duplicate check on;
        `confidential` (it concerns a 内部 item): `safe: 1`."""
        payload = {"msgtype": "text", "text": {"content": text}, "enable_duplicate_check": 1,
                   "duplicate_check_interval": DUPLICATE_CHECK_SECONDS}
        if confidential:
            payload["safe"] = SAFE
        return [payload]

    def confidential_reply(self, user, text):
        """A chat reply that lists 内部 items, sent to `user` as a confidential text
        (`safe: 1`) instead of a passive reply -> Result. No duplicate check: the chat's retry
        memory sends it once, and the same search asked again must be answered again."""
        return self.send([user], {"msgtype": "text", "text": {"content": text},
                                  "safe": SAFE})[user]

    def recall(self, msgid):
        """`message/recall` of one sent message (its msgid from message/send): Result(SENT),
        Result(FAILED, …) when WeCom refuses it for good (an unknown, already recalled or too
        old msgid), or raises TransientError when it is worth trying again (network, HTTP 5xx,
        -1 busy, rate limits, a token that cannot be had)."""
        try:
            self.client.call(lambda: self.client.post("message/recall", data={"msgid": msgid}))
            return Result(SENT)
        except TokenFetchError as error:
            raise TransientError(error.errcode, f"access token: {error.reason}") from error
        except TransientError:
            raise
        except Exception as error:
            retry = transient(error)
            if retry:
                raise retry from error
            if not isinstance(error, WeChatClientException):
                raise
            return Result(FAILED, error.errcode, describe(error))

    def send(self, recipients, payload):
        """Send `payload` to up to 1,000 members in one call; one Result per member."""
        self.check_batch(recipients)
        recipients = list(recipients)
        try:
            answer = self.client.call(
                lambda: self.client.message.send(self.agent_id, recipients, msg=dict(payload)))
        except TokenFetchError as error:
            return everyone(recipients, Result(FAILED, error.errcode, f"access token: {error.reason}"))
        except Exception as error:
            retry = transient(error)
            if retry:
                raise retry
            if not isinstance(error, WeChatClientException):
                raise
            return everyone(recipients, Result(FAILED, error.errcode, describe(error)))
        invalid = split_ids(answer.get("invaliduser"))
        unlicensed = split_ids(answer.get("unlicenseduser"))
        msgid = answer.get("msgid") or None  # kept by the outbox: message/recall needs it
        results = {}
        for user in recipients:
            if user in invalid:
                results[user] = Result(FAILED, None, "invaliduser")
            elif user in unlicensed:
                results[user] = Result(FAILED, None, "unlicenseduser")
            else:
                results[user] = Result(SENT, msgid=msgid)
        return results


def everyone(recipients, result):
    return {user: result for user in recipients}


def _after_number(part, heading):
    """`（2/3）1. …` -> `（2/3）【内部】标题\n1. …`: the heading on its own line, after the part's
    number (a part a member opens from the middle of the list still says it is 内部)."""
    number = PART_NUMBER.match(part)
    number = number.group(0) if number else ""
    return f"{number}{heading}\n{part[len(number):]}"


def _ascii_number(value):
    """True for "1000002"; False for "²", "①" or "１": str.isdigit() takes them, but int()
    refuses the first two and the callback's AgentID is compared as text."""
    text = str(value)
    return text.isascii() and text.isdigit()


def _visible_range(agent_info, agent):
    """`check`'s line on the app as agent/get describes it: disabled, a 可见范围 that holds
    nobody (every message refused as to an invalid user), or what the range holds."""
    if agent_info.get("close"):
        return (False, f"the WeCom app (AgentId {agent}) is disabled (已停用): enable it in "
                       "WeCom admin → 应用管理")
    held = [(len((agent_info.get("allow_partys") or {}).get("partyid") or []), "department"),
            (len((agent_info.get("allow_userinfos") or {}).get("user") or []), "member"),
            (len((agent_info.get("allow_tags") or {}).get("tagid") or []), "tag")]
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in held if n]
    if not parts:
        return (False, "the WeCom app's 可见范围 is empty: nobody can receive the bulletin or "
                       "write to it — set it to the departments whose cadres should (WeCom "
                       "admin → 应用管理 → the app → 可见范围)")
    return (True, f"the WeCom app (AgentId {agent}) is enabled; 可见范围: {', '.join(parts)}"
                  " (only members within it receive messages)")
