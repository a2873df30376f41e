"""A department split in two (机构改革): `departments split OLD NEW1 NEW2`.

区农委's work goes to 区农业农村局 and 区水利局. Its followers and its own cadres must keep
hearing of that work, so they follow both new departments; 区农委 stays a department of
its own (its items in the archive keep their attribution, its cadres their department
until the roster or the address book moves them) and is an alias of neither.
"""

import json

from bulletin.model import Issue, Item
from store.departments import learn, resolve
from test_plan import add_cadre, publish


def _cadres(db):
    old = learn(db, "区农委")
    follower = add_cadre(db, "甲", "sandbox-1", ["区农委"])
    own = add_cadre(db, "乙", "sandbox-2")
    db.execute("UPDATE cadres SET department_id = ?, department = '区农委' WHERE id = ?", [old, own])
    other = add_cadre(db, "丙", "sandbox-3", ["区审计局"])
    db.conn.commit()
    return follower, own, other


def _after_the_split(db):
    items = [Item(1, "brief", "区农业农村局部署春耕", "区农业农村局部署春耕生产。", "区农业农村局"),
             Item(2, "brief", "区水利局检查河道", "区水利局开展河道检查。", "区水利局"),
             Item(3, "brief", "区审计局开展审计", "区审计局开展专项审计。", "区审计局")]
    return publish(db, Issue(issuer="中共上街区委办公室", date="2022-03-01", number="第9期",
                             items=items))


def test_followers_and_cadres_of_the_old_department_follow_both_new_ones(runner, db):
    follower, own, other = _cadres(db)
    result = runner.invoke(args=["departments", "split", "区农委", "区农业农村局", "区水利局"])
    assert result.exit_code == 0, result.output
    assert "区农委 -> 区农业农村局、区水利局" in result.output
    issue_id = _after_the_split(db)
    preview = json.loads(runner.invoke(args=["push", str(issue_id), "--dry-run",
                                             "--json"]).stdout)
    assert preview["by_department"] == {"区农业农村局": 2, "区水利局": 2, "区审计局": 1}
    from subscriptions.audience import Rule, audience
    reach = {r["id"]: len(r["items"]) for r in audience(db, issue_id, Rule()).recipients}
    assert reach == {follower: 2, own: 2, other: 1}
    # the old department stays itself: an alias of neither, its cadre still in it
    old = resolve(db, "区农委", strict=True).department
    assert old["name"] == "区农委"
    for name in ("区农业农村局", "区水利局"):
        assert resolve(db, name, strict=True).department["id"] != old["id"]
    assert db.execute("SELECT department FROM cadres WHERE id = ?", [own]).fetchone()[0] == "区农委"
    audit = json.loads(runner.invoke(args=["audit", "--json"]).stdout)
    assert any(row["action"] == "department_split" for row in audit)
    # splitting again adds nothing
    again = runner.invoke(args=["departments", "split", "区农委", "区农业农村局", "区水利局"])
    assert again.exit_code == 0 and "0 名干部" in again.output


def test_a_split_that_makes_no_sense_is_refused_in_one_line(runner, db):
    _cadres(db)
    for args in (["区无此委", "区甲局", "区乙局"],        # unknown old department
                 ["区农委", "区甲局", "区甲局"],          # the same new department twice
                 ["区农委", "区农委", "区乙局"],          # the old one is not a new one
                 ["区农委", "局", "区乙局"],              # not a department's name
                 ["区农委", "区甲局"]):                   # one new department is a rename
        result = runner.invoke(args=["departments", "split", *args])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
