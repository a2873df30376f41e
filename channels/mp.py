"""Official Account (公众号) customer-service messages, with a template-message fallback.

    channel = MpChannel(appid, secret, db_path, template_id=None, api_base=WECHAT_API_BASE)
    for payload in channel.render(cards, title="东城区简报 2021-01-06"):
        results = channel.send(["oABC…"], payload)

Customer-service messages reach a follower only within 48 h of their last message, at most
5 per window, and a news message carries 1 article. So one item is a 1-article news message,
and several items are ONE text message listing each title as a link
(`1. <a href="…">标题</a>（部门）`, bulletin.safetext), split into numbered parts `（1/2）`
only past 2,048 bytes, never inside a link. Outside the window (45015) or with the quota spent
(45047) the first part falls back to a template message when WECHAT_TEMPLATE_ID is set
(data fields `first`, `keyword1` = item titles, `keyword2` = date, `remark`; link = the first
item), else the recipient is recorded `window_closed`. Unfollowed (43004) is `failed`.
"""

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bulletin.cards import fit
from bulletin.safetext import anchor, line, split_lines
import config as settings
from config import DEFAULT_TEMPLATE_FIELDS, parse_template_fields
from channels.inbound import Inbound
from channels.base import (http_timeout, FAILED, SENT, WINDOW_CLOSED, Channel, Result,
                           news_payloads, reader_domain, reads_with_oauth)
from channels.errors import TokenFetchError, describe, transient
from channels.token import SharedTokenClient, SQLiteSessionStorage

DEFAULT_BASE = settings.default("WECHAT_API_BASE")
WINDOW_ERRORS = (45015, 45047)  # outside the 48 h window; its 5 messages spent
TEMPLATE_VALUE_BYTES = 60  # template fields show about 20 characters


class MpClient(SharedTokenClient, WeChatClient):
    """wechatpy's Official Account client on `api_base`, its token shared through SQLite."""

    def __init__(self, appid, secret, db_path, api_base=None, timeout=10.0):
        WeChatClient.__init__(self, appid, secret, session=SQLiteSessionStorage(db_path),
                              timeout=timeout, auto_retry=False)
        self.setup_shared_token(api_base or DEFAULT_BASE, timeout)

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


class MpChannel(Inbound, Channel):
    name = "mp"
    identity = "openid"
    card_limits = dict(Channel.card_limits, articles=1)  # customer-service news: one article
    required_settings = ("WECHAT_APP_ID", "WECHAT_SECRET", "WECHAT_TOKEN")
    aes_key_setting = "WECHAT_ENCODING_AES_KEY"
    label = "公众号"
    credential_settings = "WECHAT_APP_ID/WECHAT_SECRET"

    @classmethod
    def admin_steps(cls, config):
        url = config["BOT_PUBLIC_URL"].rstrip("/") + "/wechat"
        mode = "安全模式 (WECHAT_ENCODING_AES_KEY)" if config.get("WECHAT_ENCODING_AES_KEY") \
            else "明文模式"
        return [
            f"公众号 → 设置与开发 → 基本配置 → 服务器配置: URL {url}, Token = WECHAT_TOKEN, "
            f"消息加解密方式 {mode}; then 启用",
            "the same page → IP白名单: this server's outbound address",
            "a template (WECHAT_TEMPLATE_ID) for cadres whose 48-hour window is closed",
        ] + ([f"公众号 → 设置与开发 → 接口权限 → 网页授权 → 网页授权域名: "
              f"{reader_domain(config)} (BOT_PUBLIC_URL's host; put the MP_verify_….txt file "
              "WeChat hands you in BOT_VERIFY_DIR, default instance/verify, and it is served "
              "at the domain's root) — without it nobody can open an item page "
              "(BOT_READER_OAUTH)"]
             if reads_with_oauth(config) else [])
    max_batch = 1

    def __init__(self, appid, secret, db_path, *, template_id=None, template_fields=None,
                 api_base=None, public_url="", timeout=10.0):
        super().__init__(public_url, timeout)
        self.template_id = template_id or None
        self.template_fields = template_fields or parse_template_fields(DEFAULT_TEMPLATE_FIELDS)
        self.client = MpClient(appid, secret, db_path, api_base=api_base, timeout=timeout)

    @classmethod
    def from_config(cls, config, db_path):
        return cls(config["WECHAT_APP_ID"], config["WECHAT_SECRET"], db_path,
                   template_id=config.get("WECHAT_TEMPLATE_ID"),
                   template_fields=parse_template_fields(config.get("WECHAT_TEMPLATE_FIELDS")),
                   api_base=config.get("WECHAT_API_BASE"),
                   public_url=config.get("BOT_PUBLIC_URL", ""), timeout=http_timeout(config))

    def render(self, cards, *, title):
        """One item: a 1-article news message; several: one text list (parts past 2,048 B)."""
        if not cards:
            return []
        if len(cards) == 1:
            payloads = news_payloads(self, cards, self.card_limits["articles"])
        else:
            parts = split_lines(self.listing(cards, title), self.card_limits["text"])
            payloads = [{"msgtype": "text", "text": {"content": part}} for part in parts]
        payloads[0]["template"] = self.template(cards, title)
        return payloads

    def listing(self, cards, title):
        lines = [line(title)] if title else []
        for n, card in enumerate(cards, 1):
            department = f"（{line(card.department)}）" if card.department else ""
            lines.append(f"{n}. {anchor(self.url(card.link), card.title)}{department}")
        return lines

    def notice(self, text, card, *, title, confidential=False):
        """A text message, falling back to the template outside the 48 h window (the
        Official Account has no confidential messages: `confidential` changes nothing)."""
        return [{"msgtype": "text", "text": {"content": text},
                 "template": self.template([card], title)}]

    def template(self, cards, title):
        """The template message standing in for this message outside the 48 h window: each
        of the template's fields (WECHAT_TEMPLATE_FIELDS) gets the value it names."""
        names = fit(cards[0].title, TEMPLATE_VALUE_BYTES)
        if len(cards) > 1:
            names += f"等{len(cards)}条"
        values = {"title": fit(title or "简报", TEMPLATE_VALUE_BYTES), "items": names,
                  "date": cards[0].date or "", "note": "点击查看全文",
                  "department": fit(cards[0].department or "", TEMPLATE_VALUE_BYTES)}
        return {"url": self.url(cards[0].link), "data": {
            field: {"value": values[value]} for field, value in self.template_fields.items()}}

    def send(self, recipients, payload):
        """Send to one follower: customer-service message, else template, else window_closed."""
        self.check_batch(recipients)
        openid = recipients[0]
        try:
            self.client.call(lambda: self.post_custom(openid, payload))
            return {openid: Result(SENT)}
        except Exception as error:
            result = self.failure(error)
            if result.errcode in WINDOW_ERRORS:
                result = self.fall_back(openid, payload, result)
            return {openid: result}

    def post_custom(self, openid, payload):
        if payload.get("msgtype") == "text":
            return self.client.message.send_text(openid, payload["text"]["content"])
        return self.client.message.send_articles(openid, payload["news"]["articles"])

    def fall_back(self, openid, payload, closed):
        template = payload.get("template")
        if not (self.template_id and template):
            return Result(WINDOW_CLOSED, closed.errcode, closed.reason)
        try:
            self.client.call(lambda: self.client.message.send_template(
                openid, self.template_id, template["data"], url=template["url"]))
            return Result(SENT, closed.errcode, "template message (customer-service window closed)")
        except Exception as error:
            return self.failure(error)

    def failure(self, error):
        """A permanent failure as a Result; retryable ones are raised as TransientError."""
        if isinstance(error, TokenFetchError):
            return Result(FAILED, error.errcode, f"access token: {error.reason}")
        retry = transient(error)
        if retry:
            raise retry
        if not isinstance(error, WeChatClientException):
            raise error
        return Result(FAILED, error.errcode, describe(error))
