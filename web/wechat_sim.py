"""Play WeChat's part for the sandbox phone: a signed text message posted to our /wechat.

    exchange = send_text(app, "sandbox-3", "订阅 审计")
    exchange.status, exchange.replies     # 200, [{"kind": "text", "text": "已订阅…"}]

The XML is the one WeChat sends (ToUserName, FromUserName, CreateTime, MsgType, Content,
MsgId); the query carries `signature`, `timestamp`, `nonce` made with wechatpy's
`WeChatSigner` and the callback token the channel checks (`callback_token` of channels/inbound.py).
"""

import secrets
import time
from dataclasses import dataclass, field

import xmltodict
from wechatpy.utils import WeChatSigner

from channels import channel_class

BOT_ACCOUNT = "gh_jianbao_sandbox"


@dataclass
class Exchange:
    status: int
    replies: list = field(default_factory=list)  # phone messages, see web.previews


def signed_query(token, timestamp=None, nonce=None):
    """`signed_query("tok")` -> {"signature", "timestamp", "nonce"} as WeChat sends them."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(8)
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce}


def callback_xml(sender, msg_type, to=BOT_ACCOUNT, created=None, **fields):
    """`callback_xml("o1", "event", Event="subscribe")` -> the XML WeChat posts to a callback:
    ToUserName, FromUserName, CreateTime, MsgType, then `fields` in the order given."""
    return xmltodict.unparse({"xml": {
        "ToUserName": to,
        "FromUserName": sender,
        "CreateTime": str(int(time.time()) if created is None else created),
        "MsgType": msg_type,
        **{name: str(value) for name, value in fields.items()},
    }}, full_document=False)


def text_message(sender, text, msg_id=None):
    """The XML of a text message from `sender` to the bot's account."""
    return callback_xml(sender, "text", Content=text,
                        MsgId=msg_id or (time.time_ns() // 1000 + secrets.randbelow(1000)))


def send_text(app, sender, text):
    """Post `text` from `sender` to /wechat, signed; the reply read back as phone messages."""
    from web.previews import reply_messages

    query = signed_query(channel_class(app.config["BOT_CHANNEL"]).callback_token(app.config))
    with app.test_client() as client:
        response = client.post("/wechat", query_string=query, data=text_message(sender, text).encode(),
                               content_type="text/xml; charset=utf-8")
    if response.status_code != 200:
        return Exchange(response.status_code)
    return Exchange(200, reply_messages(response.get_data(as_text=True)))
