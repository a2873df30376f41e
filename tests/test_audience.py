"""Day one: who receives an issue (subscriptions/audience.py), the same in the push, its dry
run and the console; WeCom members reachable straight from the roster, no binding."""

import json
import re

import pytest

from push import publish as publishing
from push.worker import run_until_idle
from store import levels
from store.db import open_db
from subscriptions import audience
from test_plan import add_cadre, item_ids, make_issue, publish

DEPARTMENT_ITEMS = {"区督查局": 1, "区审计局": 2, "峡窝镇": 1}


def write_roster(tmp_path, rows):
    path = tmp_path / "roster.csv"
    path.write_text("name,department,mobile,userid,subscriptions\n"
                    + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


# ---- the default audience -------------------------------------------------------------------

@pytest.mark.parametrize("follow, expected", [
    ("own", {"lead", "区审计局"}),           # the lead and their own department's two items
    ("none", {"lead"}),
    ("all", {"lead", "区审计局", "区督查局", "峡窝镇"}),
])
def test_a_cadre_with_no_subscriptions_gets_the_default(make_app, tmp_path, follow, expected):
    app = make_app(BOT_DEFAULT_FOLLOW=follow)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    app.test_cli_runner().invoke(args=["roster", "import", write_roster(
        tmp_path, [("张三", "区审计局", "", "", "")])])
    db.execute("UPDATE cadres SET openid = 'o-zhang', bound_at = '2021-01-01T00:00:00Z'")
    db.conn.commit()
    [reach] = audience.audience(db, issue_id, audience.rule_for(app.config, "any")).recipients
    kinds = {row[0] or "lead" for row in db.execute(
        f"SELECT department FROM items WHERE id IN ({','.join(map(str, reach['items']))})")}
    assert kinds == expected
    db.conn.close()


def test_subscriptions_add_to_the_default(app, db):
    issue_id = publish(db)
    cadre = add_cadre(db, "张三", "o-zhang", ["峡窝镇"])
    db.execute("UPDATE cadres SET department_id = (SELECT id FROM departments WHERE name = '区审计局')"
               " WHERE id = ?", [cadre])
    db.conn.commit()
    [reach] = audience.audience(db, issue_id, audience.Rule("any", "own")).recipients
    ids = item_ids(db, issue_id)
    assert set(reach["items"]) == {ids["上街区十个重大项目集中开工"], ids["区审计局“四个一”提升信息宣传工作"],
                                   ids["区审计局开展专项审计"], ids["峡窝镇扎实做好冬季疫情防控"]}


def test_unreached_cadres_are_counted_by_reason(app, db):
    issue_id = publish(db)
    add_cadre(db, "绑定", "o-1")
    add_cadre(db, "未绑定", "o-2", bound=False)
    add_cadre(db, "已移除", "o-3", removed=True)
    reach = audience.audience(db, issue_id, audience.Rule("any", "none"))
    assert len(reach.recipients) == 1
    assert reach.unreached == {"unbound": 1, "removed": 1, "no_matching_items": 0}


# ---- WeCom: the address book is the identity ------------------------------------------------

def test_wecom_cadres_with_a_userid_need_no_binding_and_no_code(fake_wechat, make_app, tmp_path):
    fake_wechat.add_members(["zhangsan", "lisi"])
    app = make_app(**fake_wechat.app_config("work"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["roster", "import", write_roster(tmp_path, [
        ("张三", "区审计局", "", "zhangsan", ""), ("李四", "区财政局", "", "lisi", ""),
        ("王五", "区财政局", "13800000003", "", "")])]).exit_code == 0
    invited = json.loads(runner.invoke(args=["roster", "invite", "--json"]).stdout)
    assert [i["name"] for i in invited] == ["王五"]  # only the one without a userid
    listed = runner.invoke(args=["roster", "list", "--unbound"]).stdout
    assert "王五" in listed and "张三" not in listed


def test_a_roster_imported_before_any_issue_is_reached_by_the_first_push(
        fake_wechat, make_app, tmp_path, sample_path):
    """The issue's day-one story: roster first (subscriptions to departments only the roster
    names), then `publish FILE --push` reaches every cadre with a userid, exactly once."""
    users = [f"member{n}" for n in range(12)]
    fake_wechat.add_members(users)
    app = make_app(**fake_wechat.app_config("work"), BOT_SEND_RATE=1000)
    runner = app.test_cli_runner()
    rows = [(f"干部{n}", "区财政局" if n % 2 else "区教育局", "", user,
             "区教育局|区财政局" if n % 3 == 0 else "") for n, user in enumerate(users)]
    rows.append(("没有账号", "区财政局", "13800000009", "", "区财政局"))
    imported = runner.invoke(args=["roster", "import", write_roster(tmp_path, rows)])
    assert imported.exit_code == 0 and "不是已知部门" not in imported.stderr, imported.stderr
    preview = runner.invoke(args=["publish", str(sample_path), "--json"])
    issue_id = json.loads(preview.stdout)["id"]
    dry = json.loads(runner.invoke(args=["push", str(issue_id), "--dry-run", "--json"]).stdout)
    assert dry["recipients"] == 12 and dry["unreached"]["unbound"] == 1
    pushed = runner.invoke(args=["publish", str(sample_path), "--push"])
    assert pushed.exit_code == 0, pushed.stderr
    assert fake_wechat.delivered() == {user: 1 for user in users}
    db = open_db(app.config["DATABASE_PATH"])
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == dry["api_calls"]
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == dry["messages"]
    db.conn.close()


def test_an_unknown_subscription_is_refused_with_the_closest_names(runner, db, tmp_path):
    result = runner.invoke(args=["roster", "import", write_roster(tmp_path, [
        ("张三", "区财政局", "", "", "区财证局"), ("李四", "区教育局", "", "", "区教育局")])])
    assert "订阅“区财证局”不是已知部门，是否指：区财政局" in result.stderr
    assert db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0] == 1


# ---- the dry run is what the push sends -------------------------------------------------------

@pytest.mark.parametrize("mixed", [False, True], ids=["internal", "mixed-levels"])
@pytest.mark.parametrize("channel", ["work", "mp"])
def test_dry_run_matches_the_push(fake_wechat, make_app, channel, mixed):
    identity = {"work": "userid", "mp": "openid"}[channel]
    users = [f"u{n}" for n in range(7)]
    (fake_wechat.add_members if channel == "work" else fake_wechat.add_followers)(users)
    app = make_app(**fake_wechat.app_config(channel), BOT_SEND_RATE=1000)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    if mixed:  # 公开 with one 内部 item: on WeCom news plus a confidential text
        levels.set_issue_level(db, issue_id, "公开")
        levels.set_item_level(db, min(item_ids(db, issue_id).values()) + 2, "内部")
    follows = [["区审计局"], ["峡窝镇"], [], ["区督查局", "区审计局"], ["区审计局"], [], []]
    for n, (user, departments) in enumerate(zip(users, follows)):
        add_cadre(db, f"干部{n}", user, departments, everything=n == 5, identity=identity,
                  bound=channel == "mp" or n % 2 == 0)
    add_cadre(db, "移除", "gone", ["区审计局"], removed=True, identity=identity)
    path = app.config["DATABASE_PATH"]
    dry = publishing.preview_push(db, issue_id, app.config, path)
    assert set(dry) >= {"issue", "recipients", "messages", "api_calls", "by_department", "unreached"}
    assert dry["unreached"]["removed"] == 1
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0  # nothing written
    result = publishing.push_issue(db, issue_id, app.config, path)
    run_until_idle(path, app.config)
    assert result["recipients"] == dry["recipients"] == len(users)
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == dry["api_calls"]
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == dry["messages"]
    api = "message/send" if channel == "work" else "message/custom/send"
    assert fake_wechat.calls[api] == dry["api_calls"]  # every planned call made, once
    assert set(fake_wechat.delivered()) == set(users)
    if channel == "work":  # 内部 items in confidential text, 公开 ones in news
        kinds = {(m["msgtype"], m["safe"]) for m in fake_wechat.messages}
        assert kinds == ({("news", 0), ("text", 1)} if mixed else {("text", 1)})
    by_department = {}
    for department, n in db.execute("""
            SELECT i.department, COUNT(DISTINCT d.recipient) FROM deliveries d
            JOIN json_each(d.items) j JOIN items i ON i.id = j.value
            GROUP BY i.department""").fetchall():
        by_department[department or ""] = n
    assert by_department == dry["by_department"]
    again = publishing.preview_push(db, issue_id, app.config, path)
    assert again["recipients"] == 0 and again["already_planned"] == len(users)
    db.conn.close()


def test_push_dry_run_cli(runner, db):
    issue_id = publish(db)
    add_cadre(db, "张三", "o-zhang", ["区审计局"])
    result = runner.invoke(args=["push", str(issue_id), "--dry-run", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["recipients"] == 1 and data["by_department"] == {"": 1, "区审计局": 1}
    words = runner.invoke(args=["push", str(issue_id), "--dry-run"])
    assert "1 recipients" in words.stdout and "nothing sent" in words.stdout
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 0
    missing = runner.invoke(args=["push", "999", "--dry-run", "--json"])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1


# ---- the console shows the push's audience ---------------------------------------------------

def signed_in(client):
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"password": "test-admin-password", "csrf_token": token})
    return client


def test_the_consoles_audience_equals_the_pushs(app, db, client):
    issue_id = publish(db)
    add_cadre(db, "审计", "o-1", ["区审计局"])
    add_cadre(db, "全部", "o-2", everything=True)
    own = add_cadre(db, "本部门", "o-3")
    add_cadre(db, "未绑定", "o-4", ["区审计局"], bound=False)
    db.execute("UPDATE cadres SET department_id = (SELECT id FROM departments WHERE name = '峡窝镇')"
               " WHERE id = ?", [own])
    db.conn.commit()
    signed_in(client)
    page = client.get("/admin/subscribers").get_data(as_text=True)
    rule = audience.rule_for(app.config, "any")
    for row in audience.follower_counts(db, rule):
        assert re.search(rf"{row['name']}.*?{row['subscribers']}", page, re.S)
    dry = publishing.preview_push(db, issue_id, app.config, app.config["DATABASE_PATH"])
    issue_page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert f"{dry['recipients']} 人" in issue_page and "未绑定 1" in issue_page
    counts = {r["name"]: r["subscribers"] for r in audience.follower_counts(db, rule)}
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    for name, n in counts.items():
        sent = db.execute("""
            SELECT COUNT(DISTINCT d.recipient) FROM deliveries d JOIN json_each(d.items) j
            JOIN items i ON i.id = j.value WHERE i.department = ?""", [name]).fetchone()[0]
        assert sent == n, name
    assert {d: counts[d] for d in DEPARTMENT_ITEMS} == {"区督查局": 1, "区审计局": 2, "峡窝镇": 2}
    assert make_issue  # the shared fixture data these numbers come from
