"""Planning: who gets which items, one message per cadre per issue, batching identical payloads.

Helpers here (`publish`, `add_cadre`) are shared by the other push test modules.
"""

import json
import re

from bulletin.model import Issue, Item
from fixtures_chat import approved
from push import outbox, plan
from channels import make_channel
from store.departments import learn
from store.issues import save_issue

ITEMS = [
    ("lead", "上街区十个重大项目集中开工", "1月4日，郑州市2021年第一批重大项目集中开工。", None),
    ("article", "区督查局新年谋新篇", "新年伊始，区督查局早行动早部署。", "区督查局"),
    ("article", "区审计局“四个一”提升信息宣传工作", "一是打造一支宣传队伍。", "区审计局"),
    ("brief", "峡窝镇扎实做好冬季疫情防控", "峡窝镇开展疫情防控检查。", "峡窝镇"),
    ("brief", "区审计局开展专项审计", "区审计局对重点项目开展专项审计。", "区审计局"),
]


def make_issue(items=ITEMS, date="2021-01-06", number="第1期"):
    return Issue(issuer="中共上街区委办公室", date=date, number=number,
                 items=[Item(n, kind, title, body, dept)
                        for n, (kind, title, body, dept) in enumerate(items, 1)])


def publish(db, issue=None, approve=True):
    """Store an issue, approved (as pushing needs, and cadres' chat); returns its id."""
    issue_id = save_issue(db, issue or make_issue(), source="test")[0]
    return approved(db, issue_id) if approve else issue_id


def add_cadre(db, name, recipient, departments=(), everything=False, bound=True,
              removed=False, identity="openid"):
    """A roster row subscribed to `departments` (names); returns its id."""
    row = {"name": name, identity: recipient, "subscribe_all": int(everything),
           "bound_at": "2021-01-01T00:00:00Z" if bound else None,
           "removed_at": "2021-01-02T00:00:00Z" if removed else None}
    cadre_id = db["cadres"].insert(row).last_pk
    for department in departments:
        db["subscriptions"].insert({"cadre_id": cadre_id, "department_id": learn(db, department)})
    return cadre_id


LINK = re.compile(r'<a href="([^"]+)">')


def message_urls(body):
    """The item links of one message body: a news message's article urls, or the
    `<a href>` links of a text (WeCom's confidential listing of 内部 items, a notice)."""
    if body.get("msgtype") == "news":
        return [article["url"] for article in body["news"]["articles"]]
    return LINK.findall((body.get("text") or {}).get("content") or "")


def item_ids(db, issue_id):
    return {title: item_id for item_id, title in db.execute(
        "SELECT id, title FROM items WHERE issue_id = ?", [issue_id]).fetchall()}


def test_each_cadre_gets_the_lead_and_exactly_the_items_they_follow(app, db):
    issue_id = publish(db)
    ids = item_ids(db, issue_id)
    audit = add_cadre(db, "审计", "o-audit", ["区审计局"])
    both = add_cadre(db, "两个", "o-both", ["区审计局", "峡窝镇"])
    add_cadre(db, "全部", "o-all", everything=True)
    add_cadre(db, "无订阅", "o-none")
    add_cadre(db, "未绑定", "o-unbound", ["区审计局"], bound=False)
    add_cadre(db, "已移除", "o-removed", ["区审计局"], removed=True)
    messages = plan.plan_issue(db, issue_id, make_channel(app.config, "unused"), app.config)
    got = {r: m.items for m in messages for _, r in m.recipients}
    lead = ids["上街区十个重大项目集中开工"]
    assert got == {
        "o-audit": [lead, ids["区审计局“四个一”提升信息宣传工作"], ids["区审计局开展专项审计"]],
        "o-both": [lead, ids["区审计局“四个一”提升信息宣传工作"],
                   ids["峡窝镇扎实做好冬季疫情防控"], ids["区审计局开展专项审计"]],
        "o-all": sorted(ids.values()),
        "o-none": [lead],
    }
    assert {cadre for m in messages for cadre, _ in m.recipients} >= {audit, both}
    # sandbox sends one recipient per call: each message has one payload of news articles
    for message in messages:
        assert len(message.recipients) == 1
        [payload] = message.payloads
        assert len(payload["news"]["articles"]) == len(message.items)


def test_links_name_the_cadre_on_single_recipient_channels(app, db):
    from channels.links import read_token

    issue_id = publish(db)
    cadre = add_cadre(db, "审计", "o-audit", ["区审计局"])
    [message] = plan.plan_issue(db, issue_id, make_channel(app.config, "unused"), app.config)
    for item_id, article in zip(message.items, message.payloads[0]["news"]["articles"]):
        token = article["url"].split("?t=")[1]
        assert read_token(app.config, token, item_id) == {"i": item_id, "c": cadre}


def test_wecom_batches_identical_item_sets_into_calls_of_at_most_1000(make_app):
    app = make_app(BOT_CHANNEL="work", WECOM_CORP_ID="ww", WECOM_SECRET="s", WECOM_AGENT_ID="1",
                   WECOM_TOKEN="t", WECOM_ENCODING_AES_KEY="a" * 43)
    from store.db import open_db
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    audit = learn(db, "区审计局")
    first = db.execute("SELECT COALESCE(MAX(id), 0) FROM cadres").fetchone()[0] + 1
    db["cadres"].insert_all([{"id": first + n, "name": f"审计{n}", "userid": f"audit{n}",
                              "bound_at": "2021-01-01T00:00:00Z"} for n in range(2300)])
    db["subscriptions"].insert_all([{"cadre_id": first + n, "department_id": audit}
                                    for n in range(2300)])
    for n in range(5):
        add_cadre(db, f"镇{n}", f"town{n}", ["峡窝镇"], identity="userid")
    add_cadre(db, "公众号", "o-mp-only", ["峡窝镇"])  # no WeCom userid: not reachable on work
    messages = plan.plan_issue(db, issue_id, make_channel(app.config, app.config["DATABASE_PATH"]),
                               app.config)
    sizes = sorted(len(m.recipients) for m in messages)
    assert sizes == [5, 300, 1000, 1000]
    groups = {m.group for m in messages}
    assert len(groups) == 2  # two distinct item sets -> two payloads
    audit = [m for m in messages if len(m.recipients) == 1000]
    assert audit[0].payloads == audit[1].payloads
    assert audit[0].payloads[0]["enable_duplicate_check"] == 1
    db.conn.close()


def test_planning_twice_queues_nothing_new_but_picks_up_newcomers(app, db):
    issue_id = publish(db)
    add_cadre(db, "审计", "o-audit", ["区审计局"])
    channel = make_channel(app.config, app.config["DATABASE_PATH"])
    first = outbox.enqueue(db, issue_id, "sandbox", plan.plan_issue(db, issue_id, channel, app.config))
    again = outbox.enqueue(db, issue_id, "sandbox", plan.plan_issue(db, issue_id, channel, app.config))
    add_cadre(db, "新人", "o-new", ["峡窝镇"])
    newcomer = outbox.enqueue(db, issue_id, "sandbox",
                              plan.plan_issue(db, issue_id, channel, app.config))
    assert (first, again, newcomer) == (1, 0, 1)
    rows = db.execute("SELECT recipient, part, items FROM deliveries ORDER BY id").fetchall()
    assert [(r, p) for r, p, _ in rows] == [("o-audit", 1), ("o-new", 1)]
    assert len(json.loads(rows[1][2])) == 2  # lead + the town's brief
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 2


def test_more_cards_than_one_message_holds_are_split_into_parts(app, db):
    items = [("brief", f"区审计局第{n}项工作", f"第{n}项工作内容。", "区审计局") for n in range(11)]
    issue_id = publish(db, make_issue(items))
    add_cadre(db, "审计", "o-audit", ["区审计局"])
    [message] = plan.plan_issue(db, issue_id, make_channel(app.config, "x"), app.config)
    assert [len(p["news"]["articles"]) for p in message.payloads] == [8, 3]
    assert outbox.enqueue(db, issue_id, "sandbox", [message]) == 2
    parts = db.execute("SELECT part FROM deliveries ORDER BY part").fetchall()
    assert parts == [(1,), (2,)]


def test_unknown_issue_plans_nothing(app, db):
    assert plan.plan_issue(db, 999, make_channel(app.config, "x"), app.config) is None


def test_issue_title():
    assert plan.issue_title({"number": "第1期", "date": "2021-01-06"}) == "简报 第1期（2021-01-06）"
    assert plan.issue_title({"number": None, "date": None}) == "简报"
