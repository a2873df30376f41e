"""The audit log: one row per action from the console, the CLI and the webhook; append-only
(the database refuses UPDATE and DELETE); filters and CSV on the console; `audit --json`."""

import csv
import io
import json
import re
import sqlite3

import pytest

from fixtures_chat import webhook_headers
from store import audit
from test_console import issue_items, login, page_token


def actions(db):
    return [(r["who"], r["where"], r["action"], r["target"]) for r in reversed(audit.entries(db))]


def test_the_database_refuses_to_change_or_delete_a_row(db):
    audit.record(db, "li", "10.0.0.7", "push", "issue:1", {"queued": 3})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET who = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log")
    assert [(r["who"], r["details"]) for r in audit.entries(db)] == [("li", {"queued": 3})]


def test_console_actions_are_logged_with_who_and_where(client, db, sample_path):
    environ = {"REMOTE_ADDR": "10.1.2.3"}
    token = page_token(client, "/admin/login")
    client.post("/admin/login", data={"password": "nope", "csrf_token": token}, environ_base=environ)
    client.post("/admin/login", data={"password": "test-admin-password", "csrf_token": token},
                environ_base=environ)
    publish = client.post("/admin/publish", environ_base=environ, data={
        "text": sample_path.read_text(encoding="utf-8"), "csrf_token": page_token(client)})
    issue_id = int(publish.location.rstrip("/").split("/")[-1])
    item = issue_items(db, issue_id)[1]
    client.post(f"/admin/items/{item['id']}", environ_base=environ,
                data={"title": "改过的标题", "department": item["department"] or "",
                      "csrf_token": page_token(client)})
    client.post(f"/admin/issues/{issue_id}/push", environ_base=environ,
                data={"csrf_token": page_token(client)})
    client.post("/admin/logout", environ_base=environ, data={"csrf_token": page_token(client)})
    assert actions(db) == [
        ("admin", "10.1.2.3", "login_failed", None), ("admin", "10.1.2.3", "login", None),
        ("admin", "10.1.2.3", "publish", f"issue:{issue_id}"),
        ("admin", "10.1.2.3", "correct", f"item:{item['id']}"),
        ("admin", "10.1.2.3", "push", f"issue:{issue_id}"), ("admin", "10.1.2.3", "logout", None)]
    correction = audit.entries(db, action="correct")[0]["details"]
    assert correction["before"] == {"title": item["title"]}
    assert correction["after"] == {"title": "改过的标题"}


def test_webhook_publishes_and_pushes_are_logged_as_webhook(client, db, sample_path):
    body = sample_path.read_bytes()
    issue_id = client.post("/api/issues?push=1", data=body, content_type="text/plain",
                           headers=webhook_headers("POST", "/api/issues?push=1", body)
                           ).get_json()["id"]
    assert [a[:3] + (a[3],) for a in actions(db)] == [
        ("webhook", "127.0.0.1", "publish", f"issue:{issue_id}"),
        ("webhook", "127.0.0.1", "push", f"issue:{issue_id}")]


def test_cli_commands_that_change_data_are_logged_as_cli(runner, db, sample_path, tmp_path):
    out = runner.invoke(args=["publish", str(sample_path), "--json"]).output
    issue_id = json.loads(out)["id"]
    assert runner.invoke(args=["push", str(issue_id), "--no-wait"]).exit_code == 0
    assert runner.invoke(args=["search", "项目"]).exit_code == 0           # reads: not logged
    assert runner.invoke(args=["push", "999", "--no-wait"]).exit_code == 2  # refused: not logged
    assert actions(db) == [("cli", "cli", "publish", f"issue:{issue_id}"),
                           ("cli", "cli", "push", f"issue:{issue_id}")]


def test_cli_follow_ups_are_logged_with_before_and_after(runner, db, sample_path):
    """更正, 撤回, 催办 and scheduling from the CLI: one row each, a correction with its
    before and after; `remind --dry-run` changes nothing and is not logged."""
    issue_id = json.loads(runner.invoke(args=["publish", str(sample_path), "--json"]).output)["id"]
    assert runner.invoke(args=["push", str(issue_id), "--no-wait"]).exit_code == 0
    first, second = [row[0] for row in db.execute(
        "SELECT id FROM items WHERE issue_id = ? ORDER BY seq LIMIT 2", [issue_id])]
    old_title = db.execute("SELECT title FROM items WHERE id = ?", [first]).fetchone()[0]
    for args in (["item", "correct", str(first), "--title", "新标题", "--note", "标题有误"],
                 ["item", "withdraw", str(second), "--note", "误发"],
                 ["remind", str(issue_id), "--dry-run"],
                 ["remind", str(issue_id), "--no-wait"],
                 ["push", str(issue_id), "--at", "2099-01-01 08:00"],
                 ["push", str(issue_id), "--cancel"]):
        assert runner.invoke(args=args).exit_code == 0, args
    assert actions(db)[2:] == [("cli", "cli", "correct", f"item:{first}"),
                               ("cli", "cli", "withdraw", f"item:{second}"),
                               ("cli", "cli", "remind", f"issue:{issue_id}"),
                               ("cli", "cli", "schedule", f"issue:{issue_id}"),
                               ("cli", "cli", "schedule_cancel", f"issue:{issue_id}")]
    correction = audit.entries(db, action="correct")[0]["details"]
    assert correction["before"] == {"title": old_title}
    assert correction["after"] == {"title": "新标题"} and correction["note"] == "标题有误"


def test_audit_json_is_exactly_the_documented_shape_and_filters_by_date(runner, db):
    audit.record(db, "li", "10.0.0.7", "approve", "issue:3")
    rows = json.loads(runner.invoke(args=["audit", "--json"]).output)
    assert [set(r) for r in rows] == [{"at", "who", "where", "action", "target", "details",
                                       "local_time"}]
    assert rows[0]["action"] == "approve" and rows[0]["details"] == {}
    assert json.loads(runner.invoke(args=["audit", "--json", "--since", "2999-01-01"]).output) == []
    assert "approve" in runner.invoke(args=["audit"]).output
    bad = runner.invoke(args=["audit", "--since", "last week"])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1


def test_the_console_page_filters_and_exports_csv(client, db):
    audit.record(db, "li", "10.0.0.7", "approve", "issue:3")
    audit.record(db, "wang", "10.0.0.8", "push", "issue:3", {"queued": 2})
    audit.record(db, "wang", "10.0.0.8", "=cmd()", "issue:4")
    assert client.get("/admin/audit").status_code == 302           # sign in first
    login(client)
    page = client.get("/admin/audit?who=wang&action=push").get_data(as_text=True)
    assert "10.0.0.8" in page and "10.0.0.7" not in page
    assert "没有符合条件的记录" in client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert client.get("/admin/audit?since=not-a-date&target=%25").status_code == 200
    exported = client.get("/admin/audit.csv?target=issue:3")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["at", "who", "where", "action", "target", "details", "local_time"]
    assert [r[1:5] for r in rows[1:]] == [["wang", "10.0.0.8", "push", "issue:3"],
                                          ["li", "10.0.0.7", "approve", "issue:3"]]
    every = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=cmd()" in every  # a spreadsheet never runs a cell as a formula


def test_the_console_shows_and_filters_audit_times_in_the_office_time_zone(client, db):
    db.execute("""INSERT INTO audit_log (at, who, "where", action, target, details) VALUES
                  ('2026-11-28T17:39:03Z', 'li', '10.0.0.7', 'correct', 'item:25', '{}'),
                  ('2026-11-28T15:59:59Z', 'li', '10.0.0.7', 'correct', 'item:24', '{}')""")
    db.conn.commit()
    login(client)
    page = client.get("/admin/audit?action=correct").get_data(as_text=True)
    assert "时间（北京时间）" in page and "2026-11-29 01:39:03" in page and "17:39" not in page

    def targets(day):
        shown = client.get(f"/admin/audit?action=correct&since={day}&until={day}")
        return re.findall(r"<td>(item:\d+)</td>", shown.get_data(as_text=True))

    assert targets("2026-11-29") == ["item:25"]  # 01:39 Beijing time, the 28th in UTC
    assert targets("2026-11-28") == ["item:24"]  # 23:59:59 Beijing time
    exported = client.get("/admin/audit.csv?since=2026-11-29&action=correct").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert [(r[0], r[4], r[6]) for r in rows[1:]] == [
        ("2026-11-28T17:39:03Z", "item:25", "2026-11-29 01:39:03")]  # stored time kept
    assert client.get("/admin/audit?since=2026-02-30&until=9999-99-99").status_code == 200


def test_the_approval_time_and_the_sandbox_phone_show_local_time(app, client, db):
    from push.publish import push_issue
    from push.worker import run_until_idle
    from store import review
    from test_console import add_cadre, stored_issue

    issue_id = stored_issue(db)
    review.approve(db, issue_id, "li", four_eyes=False)
    db.execute("UPDATE issues SET approved_at = '2026-11-28T17:39:03Z' WHERE id = ?", [issue_id])
    db.conn.commit()
    cadre = add_cadre(db, "王明", "sandbox-1", everything=True)
    push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    db.execute("UPDATE sandbox_inbox SET received_at = '2026-11-28T17:40:00.250Z'")
    db.conn.commit()
    login(client)
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert "批准：li（2026-11-29 01:39）" in page
    inbox = client.get(f"/sandbox/{cadre}").get_data(as_text=True)
    assert '<p class="phone-time">2026-11-29 01:40</p>' in inbox


def test_the_cli_reads_and_prints_days_and_times_in_the_office_time_zone(runner, db):
    """`audit --since/--until` take BOT_TIMEZONE days, as the console's page does; the text
    shows local times; the JSON keeps `at` as stored (UTC) and adds `local_time`."""
    db.execute("""INSERT INTO audit_log (at, who, "where", action, target, details) VALUES
                  ('2026-11-28T15:59:59Z', 'li', '10.0.0.7', 'correct', 'item:24', '{}'),
                  ('2026-11-28T17:39:03Z', 'li', '10.0.0.7', 'correct', 'item:25', '{}')""")
    db.conn.commit()

    def targets(*args):
        result = runner.invoke(args=["audit", "--json", "--action", "correct", *args])
        assert result.exit_code == 0, result.output
        return [r["target"] for r in json.loads(result.stdout)]

    assert targets("--since", "2026-11-29", "--until", "2026-11-29") == ["item:25"]
    assert targets("--since", "2026-11-28", "--until", "2026-11-28") == ["item:24"]
    assert targets("--since", "2026-11-29 01:39") == ["item:25"]         # a local time
    assert targets("--since", "2026-11-28T17:00Z") == ["item:25"]        # UTC, said so
    [row] = json.loads(runner.invoke(args=["audit", "--json", "--since", "2026-11-29"]).stdout)
    assert (row["at"], row["local_time"]) == ("2026-11-28T17:39:03Z", "2026-11-29 01:39:03")
    text = runner.invoke(args=["audit", "--since", "2026-11-29"]).stdout
    assert text.startswith("2026-11-29 01:39:03  li") and "17:39" not in text
    for bad in ("2026-02-30", "yesterday", "2026-11-29 25:00"):
        refused = runner.invoke(args=["audit", "--until", bad])
        assert refused.exit_code == 2 and "YYYY-MM-DD" in refused.output, bad


def test_an_empty_answer_says_so_and_an_unknown_action_is_named(runner, db, tmp_path):
    """`audit --action pushed` (a typo) and a window with no rows printed nothing, exit 0:
    the operator could not tell an empty log from a wrong word. Now an action that is no
    action word is refused with the list; no matching row says so on stderr; and the rename
    the CLI logs (`department_rename`) is one of the words."""
    audit.record(db, "li", "10.0.0.7", "approve", "issue:3")
    typo = runner.invoke(args=["audit", "--action", "pushed"])
    assert typo.exit_code == 2 and "'pushed' is not an action" in typo.output
    assert "push," in typo.output and len(typo.output.strip().splitlines()) == 1
    empty = runner.invoke(args=["audit", "--since", "2999-01-01"])
    assert empty.exit_code == 0 and empty.stdout == ""
    assert "No audit rows match" in empty.stderr
    assert json.loads(runner.invoke(args=["audit", "--json", "--action", "push"]).stdout) == []
    chart = tmp_path / "chart.csv"
    chart.write_text("name,aliases,parent\n区审计局,审计局,\n", encoding="utf-8")
    assert runner.invoke(args=["departments", "import", str(chart)]).exit_code == 0
    assert runner.invoke(args=["departments", "rename", "区审计局", "区审计中心"]).exit_code == 0
    renamed = runner.invoke(args=["audit", "--json", "--action", "department_rename"])
    assert renamed.exit_code == 0 and len(json.loads(renamed.stdout)) == 1
    assert "`department_rename`" in open("README.md", encoding="utf-8").read()


def test_publish_push_and_push_are_logged_with_their_counts(make_app, sample_path):
    """`publish FILE --push` sent the issue with no `push` row in the audit log (only
    `publish`), and `push ID` logged `push` without the counts the console's and
    `--no-wait`'s rows carry: the log did not show who pushed what to how many."""
    from store.db import open_db
    from test_plan import add_cadre

    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["publish", str(sample_path), "--push"]).exit_code == 0
    [pushed] = audit.entries(db, action="push")
    assert pushed["who"] == "cli" and pushed["details"] == {"queued": 1, "recipients": 1}
    add_cadre(db, "乙", "sandbox-2", ["区审计局"])
    issue = pushed["target"].split(":")[1]
    assert runner.invoke(args=["push", issue]).exit_code == 0
    again = audit.entries(db, action="push")[0]
    assert again["details"] == {"queued": 1, "recipients": 1}
    db.conn.close()


def test_the_console_names_an_unknown_action_and_says_which_filters_matched_nothing(
        client, runner, db):
    """`/admin/audit?action=pushed` (a word typed into the address, an old bookmark) filtered
    by it and showed an empty page with the select on 全部, as if the log were empty; and
    `department_split`, which `departments split` writes, was neither among the select's
    actions nor accepted by `audit --action`. Now an unknown word is named and left out of
    the filter (as a bad date is), the select offers every action the code writes, and an
    empty answer names the filters that matched nothing."""
    from store.departments import learn

    audit.record(db, "li", "10.0.0.7", "approve", "issue:3")
    learn(db, "区农委")
    db.conn.commit()
    split = runner.invoke(args=["departments", "split", "区农委", "区农业农村局", "区水利局"])
    assert split.exit_code == 0, split.output
    logged = runner.invoke(args=["audit", "--json", "--action", "department_split"])
    assert logged.exit_code == 0 and len(json.loads(logged.stdout)) == 1, logged.output
    login(client)
    page = client.get("/admin/audit?action=pushed").get_data(as_text=True)
    assert "「pushed」不是已知的操作" in page
    assert "10.0.0.7" in page                               # the rest of the log, unfiltered
    assert '<option value="department_split"' in page
    empty = client.get("/admin/audit?action=push&who=li").get_data(as_text=True)
    assert "没有符合条件的记录" in empty and "操作 push" in empty and "账号 li" in empty
