"""WeCom (企业微信) app messages: news cards to up to 1,000 members per call.

    channel = WorkChannel(corp_id, secret, agent_id, db_path, api_base=WECOM_API_BASE)
    for payload in channel.render(cards, title="上街区简报 2021-01-06"):
        results = channel.send(["zhangsan", "lisi"], payload)

A message is `news` with at most 8 articles (more cards: more messages), each article the
card's title, digest and absolute link. WeCom's duplicate check is on (4 h), so a message
re-sent after a crash between sending and recording does not reach a member twice.
`invaliduser` / `unlicenseduser` in the answer mark those members `failed`; 81013 (nobody
valid) marks all of them failed. WeCom drops, silently, what a member receives beyond
30 messages a minute or 1,000 an hour: `recipient_caps` tells the worker to pace under that.
The msgid WeCom answers is returned with each `sent` Result (the outbox keeps it), so a
withdrawn item's messages can be recalled (`recall`, within 24 hours).
"""

from wechatpy.enterprise import WeChatClient as EnterpriseClient
from wechatpy.exceptions import WeChatClientException

from bulletin.cards import LIMITS
from channels.inbound import WorkInbound
from config import ConfigError
from channels.base import (http_timeout, FAILED, SENT, Channel, Result, TransientError,
                           news_payloads)
from channels.token import (SharedTokenClient, SQLiteSessionStorage, TokenFetchError,
                                 describe, transient)

DEFAULT_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
DUPLICATE_CHECK_SECONDS = 4 * 3600  # the most WeCom allows


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
    max_batch = 1000
    recipient_caps = ((30, 60), (1000, 3600))  # (messages, seconds) per member
    recall_seconds = 24 * 3600  # message/recall takes app messages up to 24 h old

    def __init__(self, corp_id, secret, agent_id, db_path, *, api_base=None, public_url="",
                 timeout=10.0):
        super().__init__(public_url, timeout)
        self.agent_id = int(agent_id) if str(agent_id).isdigit() else agent_id
        self.client = WeComClient(corp_id, secret, db_path, api_base=api_base, timeout=timeout)

    @classmethod
    def check_settings(cls, config):
        if not str(config.get("WECOM_AGENT_ID")).strip().isdigit():
            raise ConfigError(f"WECOM_AGENT_ID={config.get('WECOM_AGENT_ID')!r} is not valid: "
                              "the AgentId is a number (WeCom admin, the app's page)")

    @classmethod
    def from_config(cls, config, db_path):
        return cls(config["WECOM_CORP_ID"], config["WECOM_SECRET"], config["WECOM_AGENT_ID"],
                   db_path, api_base=config.get("WECOM_API_BASE"),
                   public_url=config.get("BOT_PUBLIC_URL", ""), timeout=http_timeout(config))

    def render(self, cards, *, title):
        """One message per issue: news of ≤ 8 articles (a second message only past 8 cards)."""
        payloads = news_payloads(self, cards, LIMITS["work"]["articles"])
        for payload in payloads:
            payload.update(enable_duplicate_check=1,
                           duplicate_check_interval=DUPLICATE_CHECK_SECONDS)
        return payloads

    def notice(self, text, card, *, title):
        """A text message (WeCom renders its `<a href>` links), duplicate check on."""
        return [{"msgtype": "text", "text": {"content": text}, "enable_duplicate_check": 1,
                 "duplicate_check_interval": DUPLICATE_CHECK_SECONDS}]

    def recall(self, msgid):
        """`message/recall` of one sent message (its msgid from message/send)."""
        try:
            self.client.call(lambda: self.client.post("message/recall", data={"msgid": msgid}))
            return Result(SENT)
        except TokenFetchError as error:
            return Result(FAILED, error.errcode, f"access token: {error.reason}")
        except TransientError as error:
            return Result(FAILED, error.errcode, f"{error.reason} (not retried)")
        except Exception as error:
            retry = transient(error)
            if retry:
                return Result(FAILED, retry.errcode, f"{retry.reason} (not retried)")
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
