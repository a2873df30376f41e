"""A cadre on a new phone: once per cadre, whichever WeChat account had the issue.

乙 had the issue on one account; the office unbound it (a lost phone, a phone handed on) and
乙 bound a new one. Pushing the issue again (to reach cadres who bound since), a department
correction and a resend of what failed must treat 乙 as the cadre who already had it — or
who still needs it — at the account 乙 has now.
"""

import json

from channels import inbox
from push.worker import run_until_idle
from store import binding
from test_corrections import pushed
from test_plan import add_cadre, item_ids, publish


def rebind(runner, db, recipient, new):
    """Unbind the cadre at `recipient` (the office's `roster unbind`), bind `new` with a new
    code; returns the cadre id."""
    cadre = db.execute("SELECT id FROM cadres WHERE openid = ?", [recipient]).fetchone()[0]
    assert runner.invoke(args=["roster", "unbind", str(cadre)]).exit_code == 0
    [code] = binding.invite(db, cadre_ids=[cadre])
    assert binding.bind(db, code["code"], openid=new).ok
    return cadre


def dry_run(runner, issue_id):
    result = runner.invoke(args=["push", str(issue_id), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_pushing_again_sends_nothing_to_a_cadre_who_had_it_on_the_old_phone(runner, db):
    issue_id, _ = pushed(runner, db)
    rebind(runner, db, "sandbox-2", "sandbox-new")
    add_cadre(db, "丁", "sandbox-4", ["区审计局"])        # bound since: the reason to push again

    preview = dry_run(runner, issue_id)
    assert preview["recipients"] == 1                    # 丁 only
    assert preview["already_planned"] == 3               # 甲, 乙 (old phone), 丙
    assert preview["already_planned_other_account"] == 1  # 乙: said so
    text = runner.invoke(args=["push", str(issue_id), "--dry-run"]).output
    assert "1 of them on a WeChat account since replaced" in text

    result = runner.invoke(args=["push", str(issue_id)])
    assert result.exit_code == 0, result.output
    assert inbox(db, "sandbox-new") == []                # nothing again for 乙
    assert len(inbox(db, "sandbox-4")) == 1
    status = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).output)
    assert status["total"] == 4 and status["sent"] == 4


def test_a_department_correction_reaches_the_new_phone_with_the_item_alone(runner, db):
    """乙 (区审计局) had the issue without the 峡窝镇 brief; it is corrected to 区审计局: 乙
    gets that item on its own at the new account, not the whole issue again."""
    issue_id, _ = pushed(runner, db)
    rebind(runner, db, "sandbox-2", "sandbox-new")
    brief = item_ids(db, issue_id)["峡窝镇扎实做好冬季疫情防控"]
    result = runner.invoke(args=["item", "correct", str(brief), "--department", "区审计局",
                                 "--note", "单位有误", "--json"])
    assert result.exit_code == 0, result.output
    gained = json.loads(result.stdout)["gained"]
    assert gained["new_to_issue"] == 0 and gained["recipients"] == 2  # 甲 and 乙
    [message] = inbox(db, "sandbox-new")
    assert "峡窝镇扎实做好冬季疫情防控" in json.dumps(message["payload"], ensure_ascii=False)
    assert "四个一" not in json.dumps(message["payload"], ensure_ascii=False)


def test_a_resend_to_a_cadre_bound_again_goes_to_the_new_account(app, runner, db):
    """The push was queued, 乙 lost the phone before it went (the worker rightly refused the
    unbound account), 乙 bound a new one: `resend` sends 乙 the issue there, once."""
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    add_cadre(db, "乙", "sandbox-2", ["区审计局"])
    assert runner.invoke(args=["push", str(issue_id), "--no-wait"]).exit_code == 0
    rebind(runner, db, "sandbox-2", "sandbox-new")
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert inbox(db, "sandbox-2") == [] and inbox(db, "sandbox-new") == []

    result = runner.invoke(args=["resend", str(issue_id)])
    assert result.exit_code == 0, result.output
    assert len(inbox(db, "sandbox-new")) == 1 and inbox(db, "sandbox-2") == []
    status = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).output)
    assert status == {**status, "total": 2, "sent": 2, "failed": 0, "pending": 0}
    assert runner.invoke(args=["resend", str(issue_id)]).exit_code == 0
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    assert len(inbox(db, "sandbox-new")) == 1            # once
