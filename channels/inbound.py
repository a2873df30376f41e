"""The WeChat callback envelope of each channel: token, signatures, timestamps, crypto,
parsing and the reply kinds — the inbound half of a channel (outbound: base.py and each
channel's module). The channel classes inherit one of these; nothing outside this package
asks which channel it is.

    inbound = channel_class(config["BOT_CHANNEL"])     # channels/__init__.py
    echo = inbound.verify_url(config, args)            # GET: what to answer, or Refused
    inbound.check_query(config, args)                  # POST: what the query alone proves
    xml = inbound.open_body(config, args, body_bytes)  # plaintext XML, or Refused/Malformed
    message = inbound.parse(config, xml)               # wechatpy message, or Malformed
    body = inbound.seal(config, args, reply_xml)       # encrypted again when required

All cryptography is wechatpy's. The order is deliberate: the query signature and the
timestamp are checked before the body is read, the body is capped before it is parsed,
and an encrypted body's signature is checked (by wechatpy, on a dict we parsed with
defusedxml) before anything is decrypted. No Flask here: `args` is any mapping.
"""

import time
from xml.parsers.expat import ExpatError

from defusedxml import ElementTree
from wechatpy import parse_message as parse_mp
from wechatpy import replies as mp_replies
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import parse_message as parse_work
from wechatpy.enterprise import replies as work_replies
from wechatpy.enterprise.crypto import WeChatCrypto as WorkCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

SANDBOX_TOKEN = "jianbao-sandbox"  # the sandbox channel's token when WECHAT_TOKEN is unset
MAX_SKEW_SECONDS = 300
PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, ExpatError,
                ElementTree.ParseError)


class Refused(Exception):
    """The request is not from WeChat (or not acceptable): answer `status` with no detail."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Malformed(Exception):
    """The request is authentic but its XML cannot be read: answer 'success' and log it."""


def now():
    """The clock used for the ±300 s timestamp window."""
    return time.time()


class Inbound:
    """An Official-Account-style callback: plain signatures, optional safe mode (mp)."""

    reply_kinds = mp_replies          # wechatpy's replies module for this channel
    parse_message = staticmethod(parse_mp)
    has_address_book = False          # members, departments and change events (WeCom)

    @classmethod
    def for_this_app(cls, config, message):
        """False for a message meant for another application of the same account."""
        return True

    @classmethod
    def callback_token(cls, config):
        """The token WeChat signs callbacks with (WECHAT_TOKEN)."""
        return config.get("WECHAT_TOKEN")

    @classmethod
    def user_identity(cls, user):
        """`{"openid": user}`: how store.binding names the sender of a message."""
        return {"openid": user}

    @classmethod
    def encrypted(cls, config, args):
        """True when this exchange is AES-encrypted (safe mode)."""
        return args.get("encrypt_type", "raw") == "aes"

    @classmethod
    def verify_url(cls, config, args):
        """The echostr to answer WeChat's URL check with, or raise Refused."""
        _check_time(args)
        cls._check_plain_signature(config, args)
        return _need(args, "echostr")

    @classmethod
    def check_query(cls, config, args):
        """Check what the query string alone can prove, before the body is read."""
        _check_time(args)
        cls._check_plain_signature(config, args)
        if config.get("WECHAT_ENCODING_AES_KEY") and not cls.encrypted(config, args):
            raise Refused(403, "safe mode is configured but the message is not encrypted")

    @classmethod
    def open_body(cls, config, args, body):
        """The plaintext XML of an authentic POST body (call `check_query` first)."""
        if not cls.encrypted(config, args):
            return body.decode("utf-8", "replace")
        try:
            root = ElementTree.fromstring(body)
        except PARSE_ERRORS as error:
            raise Malformed(f"encrypted envelope is not XML: {error}")
        secret = root.findtext("Encrypt")
        if not secret:
            raise Malformed("encrypted envelope has no <Encrypt>")
        try:
            return cls.crypto(config).decrypt_message(
                {"Encrypt": secret}, _need(args, "msg_signature"), args["timestamp"],
                _need(args, "nonce"))
        except InvalidSignatureException:
            raise Refused(403, "bad msg_signature")
        except (InvalidAppIdException, InvalidCorpIdException):
            raise Refused(403, "message encrypted for another app")
        except PARSE_ERRORS as error:
            raise Malformed(f"encrypted message does not decrypt: {error}")

    @classmethod
    def parse(cls, config, xml):
        """The wechatpy message for `xml`, with its key fields readable, or raise Malformed."""
        try:
            message = cls.parse_message(xml)
            if message is None:
                raise Malformed("empty body")
            for name in ("source", "target", "type"):
                if not isinstance(getattr(message, name), str) or not getattr(message, name):
                    raise Malformed(f"message has no {name}")
            int(message.id or 0), int(message.time or 0)
            for name in ("content", "event", "key"):
                value = getattr(message, name, None)
                if value is not None and not isinstance(value, str):
                    raise Malformed(f"message field {name} is not text")
        except PARSE_ERRORS as error:
            raise Malformed(f"{type(error).__name__}: {error}")
        return message

    @classmethod
    def seal(cls, config, args, reply_xml):
        """The response body for `reply_xml`: encrypted when the request was, else as is."""
        if not reply_xml or not cls.encrypted(config, args):
            return reply_xml or "success"
        return cls.crypto(config).encrypt_message(reply_xml, args.get("nonce", ""),
                                                  str(int(now())))

    @classmethod
    def crypto(cls, config):
        key = config.get("WECHAT_ENCODING_AES_KEY")
        if not key:
            raise Refused(403, "encrypted message but WECHAT_ENCODING_AES_KEY is not set")
        return WeChatCrypto(config["WECHAT_TOKEN"], key, config.get("WECHAT_APP_ID"))

    @classmethod
    def _check_plain_signature(cls, config, args):
        try:
            check_signature(cls.callback_token(config), _need(args, "signature"),
                            args["timestamp"], _need(args, "nonce"))
        except InvalidSignatureException:
            raise Refused(403, "bad signature")


class SandboxInbound(Inbound):
    """The sandbox phone posts Official-Account-style plain messages, never encrypted."""

    @classmethod
    def callback_token(cls, config):
        return config.get("WECHAT_TOKEN") or SANDBOX_TOKEN

    @classmethod
    def encrypted(cls, config, args):
        return False


class WorkInbound(Inbound):
    """WeCom: every exchange AES-encrypted, msg_signature, members named by userid."""

    reply_kinds = work_replies
    parse_message = staticmethod(parse_work)
    has_address_book = True

    @classmethod
    def for_this_app(cls, config, message):
        """A message for another application (AgentID) of the corp is not ours."""
        return str(getattr(message, "agent", "") or "") == str(config.get("WECOM_AGENT_ID"))

    @classmethod
    def callback_token(cls, config):
        return config.get("WECOM_TOKEN")

    @classmethod
    def user_identity(cls, user):
        return {"userid": user}

    @classmethod
    def encrypted(cls, config, args):
        return True

    @classmethod
    def verify_url(cls, config, args):
        """The decrypted echostr, or raise Refused."""
        _check_time(args)
        echostr = _need(args, "echostr")
        try:
            return cls.crypto(config).check_signature(
                _need(args, "msg_signature"), args["timestamp"], _need(args, "nonce"), echostr)
        except InvalidSignatureException:
            raise Refused(403, "bad msg_signature")
        except (InvalidCorpIdException, *PARSE_ERRORS):
            raise Refused(403, "echostr does not decrypt for this corp")

    @classmethod
    def check_query(cls, config, args):
        _check_time(args)  # the signature is over the encrypted body: checked on opening it

    @classmethod
    def crypto(cls, config):
        return WorkCrypto(config["WECOM_TOKEN"], config["WECOM_ENCODING_AES_KEY"],
                          config["WECOM_CORP_ID"])


def _check_time(args):
    stamp = _need(args, "timestamp")
    try:
        skew = abs(now() - int(stamp))
    except ValueError:
        raise Refused(403, "timestamp is not a number")
    if skew > MAX_SKEW_SECONDS:
        raise Refused(403, f"timestamp {skew:.0f} s away from now")


def _need(args, name):
    value = args.get(name)
    if not value:
        raise Refused(403, f"missing {name}")
    return value
