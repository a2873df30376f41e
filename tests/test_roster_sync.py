"""`roster sync`: the WeCom address book becomes the roster and the org chart.

Everything real: the fake WeCom server over loopback read by wechatpy's WeCom client, the
CLI through Flask's runner, a real SQLite file, the planner and the push worker.
"""

import json

import pytest
from fixtures_book import active_userids, make_book

from store.addressbook import apply_book
from store.db import open_db

FAST = {"BOT_RETRY_BASE_SECONDS": 0.01, "BOT_SEND_RATE": 1000.0}


def work_app(fake, make_app, **overrides):
    app = make_app(**fake.app_config("work", timeout=2.0), **FAST, **overrides)
    return app, open_db(app.config["DATABASE_PATH"])


def sync(app, *args):
    """`python bot.py roster sync --json [args]` -> (exit code, counts or the error line)."""
    result = app.test_cli_runner().invoke(args=["roster", "sync", "--json", *args])
    if result.exit_code:
        return result.exit_code, result.output.strip()
    return 0, json.loads(result.output)


def roster_state(db):
    """Everything a sync may change, to compare before and after."""
    return (db.execute("SELECT * FROM cadres ORDER BY id").fetchall(),
            db.execute("SELECT * FROM departments ORDER BY id").fetchall(),
            db.execute("SELECT * FROM department_aliases ORDER BY alias").fetchall())


def counts(added=0, updated=0, removed=0, departments=26):
    return {"added": added, "updated": updated, "removed": removed, "departments": departments}


def test_first_sync_builds_the_roster_and_the_org_chart(fake_wechat, make_app):
    departments, users = make_book(600)
    fake_wechat.set_address_book(departments, users)
    app, db = work_app(fake_wechat, make_app)
    assert sync(app) == (0, counts(added=564))
    rows = {r["userid"]: r for r in db.query("SELECT * FROM cadres")}
    assert set(rows) == active_userids(users)  # disabled / quit members are not added
    chart = {r["wecom_id"]: r for r in db.query("SELECT * FROM departments")}
    assert len(chart) == 26
    # nested departments keep their parent; names the book repeats are qualified
    assert chart[11]["name"] == "区财政局办公室" and chart[21]["name"] == "区审计局办公室"
    assert chart[11]["parent_id"] == chart[10]["id"] and chart[10]["parent_id"] == chart[1]["id"]
    assert chart[99]["name"] == "统计小组" and chart[99]["parent_id"] == chart[12]["id"]
    assert chart[1]["parent_id"] is None
    # a member belongs to their main department, even when also listed under the root
    three = rows["m0003"]
    assert three["department_id"] == chart[users[3]["main_department"]]["id"]
    assert three["department"] == chart[users[3]["main_department"]]["name"]
    assert three["mobile"] == "13900000003" and three["synced_at"] and three["bound_at"] is None


# ---- the issue's "Done when": sync, publish, push; members leave; nothing left to change ----

def follow_everything(db):
    """Every synced member follows every department (not left to BOT_DEFAULT_FOLLOW)."""
    from subscriptions import subscribe

    for (cadre_id,) in db.execute("SELECT id FROM cadres WHERE removed_at IS NULL").fetchall():
        subscribe.subscribe_all(db, cadre_id)


def bind_as_on_first_message(db):
    """What happens today when a WeCom member first messages the app (binding.bind_wecom_member)."""
    from store import binding

    for (userid,) in db.execute("SELECT userid FROM cadres WHERE removed_at IS NULL").fetchall():
        binding.bind_wecom_member(db, userid)


def push_and_drain(app, db, issue_id):
    from push import publish as publishing
    from push.worker import run_until_idle

    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=60)


@pytest.mark.parametrize("binding", [
    "none",
    "first_message",
])
def test_600_members_sync_publish_push_leave_and_sync_again(fake_wechat, make_app, sample_path,
                                                            binding):
    from push.status import summary
    from subscriptions.audience import planned_recipients
    from test_plan import make_issue, publish

    departments, users = make_book(600)
    fake_wechat.set_address_book(departments, users)
    app, db = work_app(fake_wechat, make_app)
    active = active_userids(users)
    assert sync(app) == (0, counts(added=len(active)))
    follow_everything(db)
    if binding == "first_message":
        bind_as_on_first_message(db)

    published = app.test_cli_runner().invoke(args=["publish", str(sample_path), "--json"])
    first = json.loads(published.output)["id"]
    push_and_drain(app, db, first)
    assert fake_wechat.delivered() == {userid: 1 for userid in active}  # disabled: none
    assert summary(db, first)["sent"] == len(active)
    assert fake_wechat.calls["gettoken"] == 1  # the sync and the push share one access token

    # 30 members leave the company, 10 more are disabled
    leavers = sorted(active)[:30]
    disabled = sorted(active)[30:40]
    remaining = [dict(u, status=2) if u["userid"] in disabled else u
                 for u in users if u["userid"] not in leavers]
    fake_wechat.set_address_book(users=remaining)
    assert sync(app) == (0, counts(removed=40))
    gone = db.execute("SELECT COUNT(*) FROM cadres WHERE removed_at IS NOT NULL").fetchone()[0]
    assert gone == 40 and db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0] == len(active)

    second = publish(db, make_issue(date="2021-01-13", number="第2期"))
    push_and_drain(app, db, second)
    staying = active - set(leavers) - set(disabled)
    assert planned_recipients(db, second) == staying  # the next issue skips who left
    assert fake_wechat.delivered() == {**{u: 2 for u in staying},
                                       **{u: 1 for u in leavers + disabled}}
    assert summary(db, second)["failed"] == 0

    before = roster_state(db)
    assert sync(app) == (0, counts())  # a third sync of the same book changes nothing
    assert roster_state(db) == before


# ---- failures: one line, exit status 2, nothing changed ------------------------------------

def synced_then_changed(fake, make_app, **overrides):
    """An app whose roster was synced once, and a book that has changed since."""
    departments, users = make_book(60)
    fake.set_address_book(departments, users)
    app, db = work_app(fake, make_app, **overrides)
    assert sync(app)[0] == 0
    fake.set_address_book(departments + [{"id": 500, "name": "新设科", "parentid": 10}],
                          users[5:] + [{"userid": "new1", "name": "新人", "department": [500]}])
    return app, db


@pytest.mark.parametrize("arrange, expected", [
    (lambda fake, app: app.config.update(WECOM_SECRET="wrong-secret"), "40001"),
    (lambda fake, app: setattr(fake, "contact_privilege", False), "60011"),
    (lambda fake, app: fake.inject("user/list", errcode=60020), "企业可信IP"),
    (lambda fake, app: fake.inject("department/list", http=502), "HTTP 502"),
    pytest.param(lambda fake, app: fake.inject("user/list", delay=3), "2 秒内没有应答",
                 marks=pytest.mark.slow),  # waits out the 2 s timeout
], ids=["wrong-secret", "no-privilege", "untrusted-ip", "http-502", "timeout"])
def test_a_failure_is_one_line_and_changes_nothing(fake_wechat, make_app, arrange, expected):
    app, db = synced_then_changed(fake_wechat, make_app)
    app.config["BOT_HTTP_TIMEOUT"] = 2.0
    fake_wechat.revoke_tokens()  # the secret is checked again
    arrange(fake_wechat, app)
    before = roster_state(db)
    code, message = sync(app)
    assert code == 2 and expected in message
    assert message.startswith("Error: 读取企业微信通讯录失败：") and "\n" not in message
    assert roster_state(db) == before


def test_no_privilege_names_what_to_set_in_the_wecom_admin(fake_wechat, make_app):
    fake_wechat.set_address_book(*make_book(10))
    fake_wechat.contact_privilege = False
    app, _ = work_app(fake_wechat, make_app)
    _, message = sync(app)
    assert "可见范围" in message and "WECOM_CONTACT_SECRET" in message


def test_network_down_is_one_line_and_changes_nothing(fake_wechat, make_app):
    app, db = synced_then_changed(fake_wechat, make_app)
    fake_wechat.server.stop()  # the network goes down
    before = roster_state(db)
    code, message = sync(app)
    assert code == 2 and "无法连接企业微信" in message and "\n" not in message
    assert roster_state(db) == before


def test_an_empty_book_does_not_remove_everyone(fake_wechat, make_app):
    app, db = synced_then_changed(fake_wechat, make_app)
    fake_wechat.set_address_book(users=[])
    before = roster_state(db)
    code, message = sync(app)
    assert code == 2 and "没有任何成员" in message
    assert roster_state(db) == before


def test_sync_is_only_for_the_work_channel(runner):
    result = runner.invoke(args=["roster", "sync"])
    assert result.exit_code == 2
    assert result.output.strip() == ("Error: 通讯录同步只用于企业微信（BOT_CHANNEL=work），"
                                     "当前是 sandbox")


# ---- dry run, restore, what the book does not own -----------------------------------------

def test_dry_run_counts_the_same_and_changes_nothing(fake_wechat, make_app):
    app, db = synced_then_changed(fake_wechat, make_app)
    before = roster_state(db)
    code, dry = sync(app, "--dry-run")
    assert code == 0 and roster_state(db) == before
    assert dry == counts(added=1, removed=5, departments=27)
    listed = app.test_cli_runner().invoke(args=["roster", "sync", "--dry-run"]).output
    lines = listed.splitlines()
    assert sorted(lines[:-1]) == ["would add\t新人\tnew1",
                                  *(f"would remove\t成员000{n}\tm000{n}" for n in range(5))]
    assert lines[-1] == ("1 would be added, 0 would be updated, 5 would be removed (27 "
                         "departments in the address book); nothing changed (--dry-run)")
    assert roster_state(db) == before
    assert sync(app) == (0, dry)
    text = app.test_cli_runner().invoke(args=["roster", "sync", "--dry-run"]).output
    assert text.startswith("0 would be added, 0 would be updated, 0 would be removed")


def test_members_who_come_back_are_restored_with_their_history(fake_wechat, make_app):
    from subscriptions import subscribe

    departments, users = make_book(20)
    fake_wechat.set_address_book(departments, users)
    app, db = work_app(fake_wechat, make_app)
    sync(app)
    cadre_id = db.execute("SELECT id FROM cadres WHERE userid = 'm0002'").fetchone()[0]
    subscribe.subscribe(db, cadre_id, [db.execute("SELECT id FROM departments WHERE wecom_id = 10")
                                       .fetchone()[0]])
    fake_wechat.set_address_book(users=[dict(u, status=2) if u["userid"] == "m0002" else u
                                        for u in users])
    assert sync(app) == (0, counts(removed=1))
    fake_wechat.set_address_book(users=[u for u in users if u["userid"] != "m0002"])
    assert sync(app) == (0, counts())  # already removed: nothing more to count
    fake_wechat.set_address_book(users=users)
    assert sync(app) == (0, counts(added=1))
    row = db.execute("SELECT id, removed_at FROM cadres WHERE userid = 'm0002'").fetchone()
    assert tuple(row) == (cadre_id, None)  # the same row, back on the roster
    assert subscribe.subscriptions_of(db, cadre_id)["departments"]  # history kept
    assert sync(app) == (0, counts())


def test_csv_cadres_are_matched_or_left_alone_and_hand_removals_stand(fake_wechat, make_app,
                                                                      tmp_path):
    from store import roster
    from subscriptions import roster_csv

    departments, users = make_book(20)
    fake_wechat.set_address_book(departments, users)
    app, db = work_app(fake_wechat, make_app)
    csv = tmp_path / "roster.csv"
    csv.write_text("name,department,mobile,userid,subscriptions\n"
                   "老张,区财政局,13900000000,,\n"          # m0000 by mobile
                   "成员0001,财政局办公室,,,\n"              # m0001 by name + department
                   "外聘顾问,区财政局,13700000000,,\n"       # not in the book
                   "旧账号,区财政局,,old-id,\n", encoding="utf-8")  # a userid the book lacks
    roster_csv.import_roster(db, str(csv))
    assert sync(app) == (0, counts(added=len(active_userids(users)) - 2, updated=2))
    by_name = {r["name"]: r for r in db.query("SELECT * FROM cadres")}
    assert "老张" not in by_name and by_name["成员0000"]["userid"] == "m0000"
    assert by_name["成员0001"]["userid"] == "m0001"
    for outsider in ("外聘顾问", "旧账号"):
        assert by_name[outsider]["removed_at"] is None and by_name[outsider]["synced_at"] is None
    # the office takes a member off by hand: the next syncs leave them off
    roster.remove_cadre(db, by_name["成员0005"]["id"])
    assert sync(app) == (0, counts())
    assert db.execute("SELECT removed_at FROM cadres WHERE userid = 'm0005'").fetchone()[0]


def test_departments_from_issues_are_linked_and_renames_keep_the_old_name(fake_wechat, make_app):
    from store.departments import learn, resolve

    departments, users = make_book(20)
    fake_wechat.set_address_book(departments, users)
    app, db = work_app(fake_wechat, make_app)
    learned = learn(db, "区审計局")  # printed in an issue before the sync, a variant spelling
    sync(app)
    assert db.execute("SELECT wecom_id FROM departments WHERE id = ?", [learned]).fetchone()[0] == 20
    assert db.execute("SELECT COUNT(*) FROM departments").fetchone()[0] == 26
    renamed = [dict(d, name="区审计监督局") if d["id"] == 20 else d for d in departments]
    fake_wechat.set_address_book(departments=renamed)
    assert sync(app) == (0, counts())  # no member changed: their department text follows
    assert resolve(db, "区审计局").department["id"] == learned  # the old name still resolves
    assert db.execute("SELECT COUNT(*) FROM cadres WHERE department = '区审计监督局'").fetchone()[0]


def test_the_contact_secret_reads_the_book_when_set(fake_wechat, make_app):
    fake_wechat.contact_secret = "fake-contact-secret"
    fake_wechat.set_address_book(*make_book(10))
    app, _ = work_app(fake_wechat, make_app, WECOM_CONTACT_SECRET="fake-contact-secret")
    assert sync(app)[0] == 0
    assert fake_wechat.token_fetches == {"contact": 1}


def test_apply_book_alone_is_one_transaction(app, db):
    departments, users = make_book(5)
    book = {"departments": [dict(d) for d in departments],
            "members": [dict(u, status=u.get("status", 1)) for u in users]}
    book["members"].append({"userid": "m0000", "name": "重复", "department": [1]})
    result = apply_book(db, book)
    assert result == counts(added=5)
    assert db.execute("SELECT name FROM cadres WHERE userid = 'm0000'").fetchone()[0] == "重复"


# ---- the console button ---------------------------------------------------------------------

def test_the_console_button_syncs_and_shows_the_counts(fake_wechat, make_app):
    from test_console import login, page_token

    departments, users = make_book(40)
    fake_wechat.set_address_book(departments, users)
    app, db = work_app(fake_wechat, make_app)
    client = app.test_client()
    login(client)
    page = client.get("/admin/roster").get_data(as_text=True)
    assert "从通讯录同步" in page
    assert client.post("/admin/roster/sync").status_code == 400  # no CSRF token: refused
    assert db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0] == 0
    token = page_token(client, "/admin/roster")
    response = client.post("/admin/roster/sync", data={"csrf_token": token}, follow_redirects=True)
    page = response.get_data(as_text=True)
    active = len(active_userids(users))
    assert f"新增 {active} 人，更新 0 人，移除 0 人；通讯录共 26 个部门" in page
    assert page.count("成员00") >= active  # the roster below lists them
    fake_wechat.contact_privilege = False
    before = roster_state(db)
    page = client.post("/admin/roster/sync", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "读取企业微信通讯录失败：应用没有通讯录读取权限" in page and "60011" in page
    assert roster_state(db) == before


def test_the_console_button_is_refused_off_work(client):
    from test_console import login, page_token

    login(client)
    assert "从通讯录同步" not in client.get("/admin/roster").get_data(as_text=True)
    token = page_token(client, "/admin/roster")
    page = client.post("/admin/roster/sync", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "通讯录同步只用于企业微信" in page
