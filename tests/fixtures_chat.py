"""Helpers for the chat tests: WeChat callback XML and signed query strings (built by the app's
own WeChat stand-in, web/wechat_sim.py), a small published issue and a roster with binding codes.

    xml = text_xml("o_user", "疫情", msg_id=1)
    response = post_xml(client, xml)                    # signed with the sandbox/mp token
    content(response)                                   # the reply's text
    publish_sample(db); codes = enrol(db, tmp_path)     # {"张三": "123456", ...}
    approved(db, issue_id)                              # an issue stored some other way
"""

import time

import xmltodict
from wechatpy.utils import WeChatSigner

from bulletin.model import Issue, Item
from web.wechat_sim import callback_xml, signed_query

TOKEN = "test-token"  # conftest's WECHAT_TOKEN
ACCOUNT = "gh_jianbao"

ITEMS = [
    ("lead", "上街区十个重大项目集中开工", "1月4日，郑州市2021年第一批重大项目集中开工。上街区共谋划实施重大项目101个。", None),
    ("article", "区督查局新年谋新篇以“一引领四提升”献礼建党100周年", "新年伊始，区督察局早行动早部署，积极研究谋划2021年督查考核工作。", "区督查局"),
    ("article", "区审计局“四个一”提升信息宣传工作", "一是打造一支宣传队伍。二是建立一套工作机制，将信息工作纳入年度目标考核。", "区审计局"),
    ("brief", "峡窝镇扎实做好冬季疫情防控", "峡窝镇对辖区重点场所开展疫情防控检查，落实测温、登记、消毒措施。", "峡窝镇"),
    ("brief", "工业路街道开展疫情防控演练", "工业路街道组织社区开展疫情防控应急演练，提升处置能力。", "工业路街道"),
    ("brief", "区资源规划局推进项目用地保障", "区资源规划局主动对接重大项目，做好用地预审和规划服务。", "区资源规划局"),
    ("brief", "区农委做好冬春农业生产", "区农委指导农户做好越冬作物管理，同时抓好农村疫情防控。", "区农委"),
    ("brief", "区人社局落实农民工工资支付", "区人社局开展根治欠薪冬季专项行动，督促项目按时足额支付工资。", "区人社局"),
    ("brief", "区卫健委部署疫苗接种和疫情防控", "区卫健委召开会议，部署重点人群疫苗接种和冬春疫情防控工作。", "区卫健委"),
    ("brief", "区发改委谋划新基建项目", "区发改委梳理新基建项目清单，争取专项债券支持。", "区发改委"),
    ("brief", "区发展研究中心完成年度课题", "区发展研究中心围绕营商环境完成年度调研课题。", "区发展研究中心"),
]


def sample_issue(date="2021-01-06", number="第1期"):
    """A parsed issue with items from the real sample (shortened) plus a few briefs."""
    items = [Item(seq=n, kind=kind, title=title, body=body, department=dept)
             for n, (kind, title, body, dept) in enumerate(ITEMS, 1)]
    return Issue(issuer="中共上街区委办公室", date=date, number=number, items=items)


def publish_sample(db, approve=True, **kwargs):
    """Store the sample issue, approved (cadres see approved or pushed issues only; `approve=
    False` leaves it 待审核); returns its id."""
    from store import issues

    issue_id, _ = issues.save_issue(db, sample_issue(**kwargs), source="test")
    if approve:
        approved(db, issue_id)
    return issue_id


def save_approved(db, issue, source="test"):
    """`issues.save_issue`, then approved: an archive cadres may search -> (id, created)."""
    from store import issues

    issue_id, created = issues.save_issue(db, issue, source=source)
    return approved(db, issue_id), created


def approved(db, issue_id, who="approver"):
    """Approve a stored issue as an approver would (store.review), unless it already is."""
    from store import review

    if not review.is_approved(db, issue_id):
        review.approve(db, issue_id, who)
    return issue_id


def enrol(db, tmp_path, rows=None):
    """Import a roster and invite everyone; returns {name: code}."""
    from store import binding
    from subscriptions import roster_csv

    rows = rows or [("张三", "区审计局", "13800000001", "", ""),
                    ("李四", "峡窝镇", "13800000002", "lisi", ""),
                    ("王五", "区农委", "13800000003", "", "")]
    path = tmp_path / "roster.csv"
    lines = ["name,department,mobile,userid,subscriptions"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    roster_csv.import_roster(db, str(path))
    return {row["name"]: row["code"] for row in binding.invite(db)}


# ---- callback XML and signatures, built by the app's own WeChat stand-in (web.wechat_sim) ----

def _optional(**fields):
    return {name: value for name, value in fields.items() if value is not None}


def text_xml(user, content, msg_id, to=ACCOUNT, created=None, agent=None):
    return callback_xml(user, "text", to=to, created=created or int(time.time()),
                        Content=content, MsgId=msg_id, **_optional(AgentID=agent))


def event_xml(user, event, key=None, to=ACCOUNT, created=None, agent=None):
    return callback_xml(user, "event", to=to, created=created or int(time.time()),
                        Event=event, **_optional(EventKey=key, AgentID=agent))


def image_xml(user, msg_id, to=ACCOUNT):
    return callback_xml(user, "image", to=to, PicUrl="http://example.invalid/a.jpg",
                        MediaId="media_id", MsgId=msg_id)


def sign(*parts):
    """WeChat's SHA-1 signature over `parts` (the safe-mode msg_signature has four)."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signed_args(token=TOKEN, timestamp=None, nonce="20261124"):
    """The query string of a plain-mode callback: signature over token, timestamp, nonce."""
    return signed_query(token, timestamp or int(time.time()), nonce)


def post_xml(client, xml, args=None):
    return client.post("/wechat", query_string=args or signed_args(),
                       data=xml.encode("utf-8"), content_type="text/xml")


def content(response_or_xml):
    """The Content of a text reply ('' for an empty reply)."""
    body = response_or_xml if isinstance(response_or_xml, str) else \
        response_or_xml.get_data(as_text=True)
    if not body or body == "success":
        return ""
    return xmltodict.parse(body)["xml"].get("Content") or ""


class Chat:
    """A cadre's phone in tests: `say("疫情")` posts a text message and returns the reply text."""

    def __init__(self, client, user, args=None):
        self.client, self.user, self.args = client, user, args
        self.next_id = abs(hash(user)) % 10**9 * 1000

    def say(self, text):
        self.next_id += 1
        return content(post_xml(self.client, text_xml(self.user, text, self.next_id),
                                self.args))

    def event(self, name, key=None):
        return content(post_xml(self.client, event_xml(self.user, name, key,
                                                       created=self._clock()), self.args))

    def _clock(self):
        self.next_id += 1
        return int(time.time()) + self.next_id % 1000


_SIGNED = set()  # (request, timestamp) pairs signed so far in this test run


def webhook_headers(method, target, body=b"", secret="test-publish-secret"):
    """The webhook's two signature headers for one request, signed now — or a second earlier
    when this very request was already signed at that second: identical requests signed in
    the same second share a signature, and the webhook accepts a signature once."""
    import hashlib

    from push.webhook import signed_headers

    request = (secret, method, target, hashlib.sha256(body).hexdigest())
    timestamp = int(time.time())
    while (request, timestamp) in _SIGNED:
        timestamp -= 1
    _SIGNED.add((request, timestamp))
    return signed_headers(secret, method, target, body, timestamp)
