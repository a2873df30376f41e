"""One incoming message in, one reply XML out: identity, retries, routing, rendering.

    xml = answer(db, config, message)    # '' means "no reply"; a retry gets the same XML

`message` is a wechatpy message (parse_message / enterprise.parse_message). The callback
adapter calls this; so can the sandbox phone or a test, without HTTP. A WeCom contact-change
event updates the roster (handlers.contacts) and gets no reply. On WeCom a reply listing 内部
items is sent as a confidential message instead of the reply XML (handlers.confidential).
"""

import hashlib
import logging
import re
from xml.etree import ElementTree

# Handler modules register on the router when imported; the order here is the match order.
from bulletin.safetext import only_links_to
from config import setting
from channels import channel_class
from handlers import access, welcome, subscribing, departments, searching, fallback  # noqa: F401
from handlers import confidential, contacts
from handlers.replies import render
from handlers.router import Context, router
from store import chat_state
from store.transaction import snapshot, write

log = logging.getLogger(__name__)
SORRY = "抱歉，系统暂时出了点问题，请稍后再试。"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # XML 1.0


def retry_key(message):
    """`msg:<MsgId>:<sender>:<digest>` for messages, `evt:<sender>:<CreateTime>:<digest>`
    for events; the digest covers every field of the message.

    WeChat's resend is the same XML again, so it finds the first reply. A MsgId alone is not
    unique across users (another user's reply, with their personal links, came back), and
    one user's five menu clicks within a second are five different events."""
    digest = hashlib.sha1(repr(sorted(getattr(message, "_data", {}).items())).encode(
        "utf-8", "surrogatepass")).hexdigest()[:16]
    if message.type != "event" and message.id:
        return f"msg:{message.id}:{message.source}:{digest}"
    return f"evt:{message.source}:{int(message.time or 0)}:{digest}"


def make_context(db, config, message):
    """The handler context for `message`: who sent it, their cadre and their chat state."""
    channel = channel_class(setting(config, "BOT_CHANNEL"))
    user = message.source
    return Context(message=message, user=user, db=db, config=config, channel=channel,
                   cadre=access.identify(db, channel, user),
                   state=chat_state.load_state(db, user))


def answer(db, config, message):
    """The reply XML for `message`; a message seen before gets its first reply again."""
    if contacts.is_contact_change(config, message):  # from "sys", no AgentID; idempotent
        contacts.apply_contact_change(db, config, message)
        return ""
    key = retry_key(message)
    try:
        with snapshot(db):  # the reads see one state; a handler's own write ends it first
            saved = chat_state.stored_reply(db, key)
            if saved is not None:
                log.info("retry of %s answered from memory", key)
                return saved
            if not channel_class(config["BOT_CHANNEL"]).for_this_app(config, message):
                log.warning("ignoring a message for another application (AgentID %s)",
                            getattr(message, "agent", ""))
                return ""
            ctx = make_context(db, config, message)
            data = router.dispatch(ctx)
        if isinstance(data, str):  # only Jianbao's own links may be tags (bulletin.safetext)
            data = only_links_to(data, config.get("BOT_PUBLIC_URL"))
            if ctx.confidential:  # it lists 内部 items: WeCom sends it safe (confidential.py)
                return _send_confidential(db, key, ctx, data)
        xml = render(data, message, ctx.channel.reply_kinds).render()
        _check_xml(xml)  # a reply WeChat cannot read is never stored for the retries
        return _store(db, key, xml, ctx.writes)[0]
    except Exception:  # a store failure must not become a 500 or a silent nothing
        log.exception("handler failed for %s (%s)", key, message.type)
        return render(SORRY, message,
                      channel_class(setting(config, "BOT_CHANNEL")).reply_kinds).render()


def _check_xml(xml):
    """Raise ValueError if the reply is not well-formed XML ('' is "no reply": fine).

    wechatpy's reply templates are fixed XML with every text in a CDATA section, so a reply
    can only break by a character XML cannot hold or a `]]>` inside a text; only then is it
    parsed, for the reason (parsing every reply cost 30 µs)."""
    if not xml:
        return
    bad = NOT_XML.search(xml)
    if bad:
        raise ValueError(f"the reply is not well-formed XML: it holds U+{ord(bad[0]):04X}")
    if xml.count("<![CDATA[") != xml.count("]]>"):
        try:
            ElementTree.fromstring(xml)
        except ElementTree.ParseError as error:
            raise ValueError(f"the reply is not well-formed XML: {error}") from error


def _store(db, key, xml, writes):
    """Store the reply and the handler's queued writes in one transaction -> (what to send,
    whether this copy stored it).

    Two copies of one message (WeChat retries while the first is still being answered)
    both get the reply stored first, and only the first copy's writes are made.
    """
    with write(db):
        if not chat_state.remember_reply(db, key, xml):
            return chat_state.stored_reply(db, key), False
        for make, args in writes:
            make(db, *args)
    return xml, True


def _send_confidential(db, key, ctx, text):
    """No passive reply, recorded for the retries first; the first copy of the message sends
    `text` as a confidential message. If WeCom does not take it, the member (and any retry)
    gets the short apology instead, never the titles in a forwardable reply."""
    reply, stored = _store(db, key, "", ctx.writes)
    if not stored or confidential.send(ctx, text):
        return reply
    sorry = render(confidential.NOT_SENT, ctx.message, ctx.channel.reply_kinds).render()
    chat_state.replace_reply(db, key, sorry)
    return sorry
