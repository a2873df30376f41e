"""The WeChat callback envelope: signatures, timestamps, size cap, crypto and parsing.

    echo = verify_url(config, request.args)                 # GET: what to answer, or Refused
    xml = open_body(config, request.args, body_bytes)       # POST: plaintext XML, or Refused
    message = parse(config, xml)                            # wechatpy message, or Malformed
    body = seal(config, request.args, reply_xml)            # encrypted again when required

All cryptography is wechatpy's. The order is deliberate: the query signature and the
timestamp are checked before the body is read, the body is capped before it is parsed,
and an encrypted body's signature is checked (by wechatpy, on a dict we parsed with
defusedxml) before anything is decrypted. No Flask here: `args` is any mapping.
"""

import time
from xml.parsers.expat import ExpatError

from defusedxml import ElementTree
from wechatpy import parse_message as parse_mp
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import parse_message as parse_work
from wechatpy.enterprise.crypto import WeChatCrypto as WorkCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.enterprise.exceptions import InvalidCorpIdException
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


def channel_token(config):
    """The callback token of the configured channel (sandbox falls back to SANDBOX_TOKEN)."""
    channel = config.get("BOT_CHANNEL")
    if channel == "work":
        return config.get("WECOM_TOKEN")
    if channel == "sandbox":
        return config.get("WECHAT_TOKEN") or SANDBOX_TOKEN
    return config.get("WECHAT_TOKEN")


def encrypted(config, args):
    """True when this exchange is AES-encrypted (always on WeCom; safe mode on mp)."""
    channel = config.get("BOT_CHANNEL")
    if channel == "work":
        return True
    return channel == "mp" and args.get("encrypt_type", "raw") == "aes"


def verify_url(config, args):
    """The echostr to answer WeChat's URL check with (decrypted on WeCom), or raise Refused."""
    _check_time(args)
    if config.get("BOT_CHANNEL") == "work":
        echostr = _need(args, "echostr")
        try:
            return _work_crypto(config).check_signature(
                _need(args, "msg_signature"), args["timestamp"], _need(args, "nonce"), echostr)
        except InvalidSignatureException:
            raise Refused(403, "bad msg_signature")
        except (InvalidCorpIdException, *PARSE_ERRORS):
            raise Refused(403, "echostr does not decrypt for this corp")
    _check_plain_signature(config, args)
    return _need(args, "echostr")


def check_query(config, args):
    """Check what the query string alone can prove, before the body is read."""
    _check_time(args)
    if config.get("BOT_CHANNEL") != "work":
        _check_plain_signature(config, args)
        if config.get("BOT_CHANNEL") == "mp" and config.get("WECHAT_ENCODING_AES_KEY") \
                and not encrypted(config, args):
            raise Refused(403, "safe mode is configured but the message is not encrypted")


def open_body(config, args, body):
    """The plaintext XML of an authentic POST body (call `check_query` first)."""
    if not encrypted(config, args):
        return body.decode("utf-8", "replace")
    try:
        root = ElementTree.fromstring(body)
    except PARSE_ERRORS as error:
        raise Malformed(f"encrypted envelope is not XML: {error}")
    secret = root.findtext("Encrypt")
    if not secret:
        raise Malformed("encrypted envelope has no <Encrypt>")
    try:
        return _crypto(config).decrypt_message(
            {"Encrypt": secret}, _need(args, "msg_signature"), args["timestamp"],
            _need(args, "nonce"))
    except InvalidSignatureException:
        raise Refused(403, "bad msg_signature")
    except (InvalidAppIdException, InvalidCorpIdException):
        raise Refused(403, "message encrypted for another app")
    except PARSE_ERRORS as error:
        raise Malformed(f"encrypted message does not decrypt: {error}")


def parse(config, xml):
    """The wechatpy message for `xml`, with its key fields readable, or raise Malformed."""
    parser = parse_work if config.get("BOT_CHANNEL") == "work" else parse_mp
    try:
        message = parser(xml)
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


def seal(config, args, reply_xml):
    """The response body for `reply_xml`: encrypted when the request was, else as is."""
    if not reply_xml or not encrypted(config, args):
        return reply_xml or "success"
    return _crypto(config).encrypt_message(reply_xml, args.get("nonce", ""), str(int(now())))


def _crypto(config):
    if config.get("BOT_CHANNEL") == "work":
        return _work_crypto(config)
    key = config.get("WECHAT_ENCODING_AES_KEY")
    if not key:
        raise Refused(403, "encrypted message but WECHAT_ENCODING_AES_KEY is not set")
    return WeChatCrypto(config["WECHAT_TOKEN"], key, config.get("WECHAT_APP_ID"))


def _work_crypto(config):
    return WorkCrypto(config["WECOM_TOKEN"], config["WECOM_ENCODING_AES_KEY"],
                      config["WECOM_CORP_ID"])


def _check_plain_signature(config, args):
    try:
        check_signature(channel_token(config), _need(args, "signature"), args["timestamp"],
                        _need(args, "nonce"))
    except InvalidSignatureException:
        raise Refused(403, "bad signature")


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
