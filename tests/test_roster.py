"""The roster: binding codes, binding, WeCom members, removal, subscriptions, open access
(reading the office's CSV: test_roster_csv.py)."""

import json

import pytest

from store import binding, departments, roster
from subscriptions import audience, roster_csv
from subscriptions import subscribe

HEADER = "name,department,mobile,userid,subscriptions\n"


@pytest.fixture
def known(db):
    for name in ("区审计局", "区督查局", "区资源规划局", "峡窝镇", "区人社局"):
        departments.learn(db, name)
    return db


def write_csv(tmp_path, text, name="roster.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


@pytest.fixture
def cadres(known, tmp_path):
    roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "张三,区审计局,13800000001,zhangsan,\n"
                                          "李四,峡窝镇,13800000002,,\n"))
    return {c["name"]: c["id"] for c in roster.list_cadres(known)}


def codes(db, **kwargs):
    return {i["name"]: i["code"] for i in binding.invite(db, **kwargs)}


def test_invite_codes_are_digits_unique_and_for_unbound_cadres_only(known, cadres):
    issued = codes(known)
    assert set(issued) == {"张三", "李四"}
    assert all(len(code) >= 6 and code.isdigit() for code in issued.values())
    assert len(set(issued.values())) == 2
    assert binding.bind(known, issued["李四"], openid="o-li").ok
    assert set(codes(known, renew=True)) == {"张三"}


def test_bind_outcomes(known, cadres):
    issued = codes(known)
    assert binding.bind(known, "00000000", openid="o-x").reason == "unknown"
    result = binding.bind(known, issued["李四"], openid="o-li")
    assert (result.ok, result.reason, result.cadre["name"]) == (True, "ok", "李四")
    assert binding.cadre_for(known, openid="o-li")["id"] == cadres["李四"]
    again = binding.bind(known, issued["李四"], openid="o-li")
    assert again.ok and again.already
    assert binding.bind(known, issued["李四"], openid="o-other").reason == "used"
    # a fresh code for an already bound cadre: bound elsewhere
    other = binding.invite(known, cadre_ids=[cadres["张三"]], renew=True)[0]["code"]
    assert binding.bind(known, other, openid="o-li").reason == "identity_taken"
    assert binding.bind(known, f" {other[:4]} {other[4:]} ", openid="o-zhang").ok  # spaces ok


def test_bound_elsewhere_and_unbind(known, cadres):
    first = codes(known)["张三"]
    assert binding.bind(known, first, openid="o-zhang").ok
    known.execute("INSERT INTO binding_codes (code, cadre_id, expires_at) VALUES "
                  "('11112222', ?, '2999-01-01T00:00:00Z')", [cadres["张三"]])
    known.conn.commit()
    assert binding.bind(known, "11112222", openid="o-new-phone").reason == "bound_elsewhere"
    assert binding.unbind(known, cadres["张三"])
    assert binding.cadre_for(known, openid="o-zhang") is None
    assert binding.bind(known, codes(known, renew=True)["张三"], openid="o-new-phone").ok


def test_expired_and_superseded_codes(known, cadres):
    stale = codes(known, ttl_hours=-1)["张三"]
    assert binding.bind(known, stale, openid="o-zhang").reason == "expired"
    old = codes(known)["张三"]
    new = codes(known, renew=True)["张三"]
    assert binding.bind(known, old, openid="o-zhang").reason == "expired"
    assert binding.bind(known, new, openid="o-zhang").ok


def test_inviting_again_keeps_the_codes_handed_out(known, cadres, runner):
    first = codes(known)
    assert codes(known) == {}  # everyone unbound already holds a valid code
    assert set(binding.valid_codes(known)) == {cadres["张三"], cadres["李四"]}
    again = runner.invoke(args=["roster", "invite", "--json"])
    assert json.loads(again.stdout) == [] and "2 cadres still hold a valid code" in again.stderr
    assert binding.bind(known, first["李四"], openid="o-li").ok
    renewed = codes(known, cadre_ids=[cadres["张三"]], renew=True)["张三"]
    assert binding.bind(known, first["张三"], openid="o-zhang").reason == "expired"
    assert binding.bind(known, renewed, openid="o-zhang").ok


def test_guessing_is_throttled(known, cadres):
    real = codes(known)["张三"]
    for guess in range(binding.MAX_FAILED):
        assert binding.bind(known, f"{guess:08d}", openid="o-guess").reason == "unknown"
    assert binding.bind(known, real, openid="o-guess").reason == "throttled"
    assert binding.bind(known, real, openid="o-zhang").ok  # others are not affected


def test_wecom_member_binds_without_code(known, cadres):
    assert binding.cadre_for(known, userid="zhangsan") is None
    cadre = binding.bind_wecom_member(known, "zhangsan")
    assert cadre["name"] == "张三" and cadre["bound_at"]
    assert binding.cadre_for(known, userid="zhangsan")["id"] == cadres["张三"]
    assert binding.bind_wecom_member(known, "stranger") is None
    assert binding.bind_wecom_member(known, "") is None
    with pytest.raises(ValueError):
        binding.cadre_for(known)


RULE = audience.Rule(identity="any", default_follow="none")


def followers(db, department_id):
    """Who gets that department's items in the sandbox, with no default follow."""
    return audience.followers(db, department_id, RULE)


def test_removed_cadre_gets_nothing_and_returns_on_reimport(known, cadres, tmp_path):
    assert binding.bind(known, codes(known)["李四"], openid="o-li").ok
    subscribe.subscribe_all(known, cadres["李四"])
    pending = codes(known, renew=True)["张三"]
    assert roster.remove_cadre(known, cadres["李四"])
    assert roster.remove_cadre(known, cadres["张三"])
    assert not roster.remove_cadre(known, cadres["张三"])
    assert binding.cadre_for(known, openid="o-li") is None
    assert followers(known, None) == []
    assert binding.bind(known, pending, openid="o-zhang").reason == "removed"
    assert binding.bind_wecom_member(known, "zhangsan") is None
    assert {c["name"] for c in roster.list_cadres(known)} == set()
    assert len(roster.list_cadres(known, include_removed=True)) == 2
    roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "李四,峡窝镇,13800000002,,\n",
                                          name="back.csv"))
    assert binding.cadre_for(known, openid="o-li")["name"] == "李四"


def test_subscriptions(known, cadres):
    audit, check, land = (departments.resolve(known, w).department["id"]
                          for w in ("审计", "督查", "资源规划"))
    zhang = cadres["张三"]
    binding.bind_wecom_member(known, "zhangsan")
    assert subscribe.subscribe(known, zhang, [audit, check, audit]) == [audit, check]
    assert subscribe.subscribe(known, zhang, [audit]) == []
    assert subscribe.subscribe(known, zhang, [9999]) == []  # no such department
    mine = subscribe.subscriptions_of(known, zhang)
    assert mine["all"] is False and {d["name"] for d in mine["departments"]} == {"区审计局", "区督查局"}
    assert [c["id"] for c in followers(known, audit)] == [zhang]
    assert followers(known, land) == []
    assert subscribe.unsubscribe(known, zhang, [audit, land]) == [audit]
    subscribe.subscribe_all(known, zhang)
    assert subscribe.subscriptions_of(known, zhang)["all"] is True
    assert [c["id"] for c in followers(known, land)] == [zhang]
    assert [c["id"] for c in followers(known, None)] == [zhang]
    # dropping one department under 全部 keeps every other one
    assert subscribe.unsubscribe(known, zhang, [land]) == [land]
    mine = subscribe.subscriptions_of(known, zhang)
    assert mine["all"] is False and len(mine["departments"]) == 4
    counts = {r["name"]: r["subscribers"] for r in audience.follower_counts(known, RULE)}
    assert counts["区审计局"] == 1 and counts["区资源规划局"] == 0
    subscribe.unsubscribe_all(known, zhang)
    assert subscribe.subscriptions_of(known, zhang) == {"all": False, "departments": []}


def test_unbound_cadres_receive_nothing(known, cadres):
    li = cadres["李四"]  # no WeCom userid, not bound
    subscribe.subscribe_all(known, li)
    assert followers(known, None) == []


def test_roster_cli(runner, known, tmp_path):
    path = write_csv(tmp_path, HEADER + "张三,区审计局,13800000001,zhangsan,审计\n,x,,,\n")
    result = runner.invoke(args=["roster", "import", path])
    assert result.exit_code == 0
    assert "1 added" in result.stdout and "line 3" in result.stderr
    invited = runner.invoke(args=["roster", "invite", "--json"])
    assert invited.exit_code == 0
    data = json.loads(invited.stdout)
    assert [set(d) for d in data] == [{"name", "code"}] and data[0]["name"] == "张三"
    assert binding.bind(known, data[0]["code"], openid="o-zhang").ok
    assert json.loads(runner.invoke(args=["roster", "invite", "--json"]).stdout) == []
    listed = runner.invoke(args=["roster", "list"])
    assert "张三" in listed.stdout and "bound" in listed.stdout
    bad = runner.invoke(args=["roster", "import", str(tmp_path / "missing.csv")])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1


def test_roster_remove_and_unbind_cli(runner, known, cadres):
    assert binding.bind(known, codes(known)["李四"], openid="o-li").ok
    unbound = runner.invoke(args=["roster", "unbind", str(cadres["李四"])])
    assert unbound.exit_code == 0 and binding.cadre_for(known, openid="o-li") is None
    removed = runner.invoke(args=["roster", "remove", str(cadres["张三"])])
    assert removed.exit_code == 0
    assert [c["name"] for c in roster.list_cadres(known)] == ["李四"]
    again = runner.invoke(args=["roster", "remove", str(cadres["张三"])])
    assert again.exit_code == 2 and again.stderr.count("\n") == 1
    assert runner.invoke(args=["roster", "unbind", "999"]).exit_code == 2


def test_open_access_enrolment(known, cadres):
    follower = binding.enrol(known, openid="o-public")
    assert follower["name"] == "公众用户" and follower["bound_at"]
    assert binding.enrol(known, openid="o-public")["id"] == follower["id"]
    subscribe.subscribe_all(known, follower["id"])
    assert [c["id"] for c in followers(known, None)] == [follower["id"]]
    roster.remove_cadre(known, follower["id"])
    assert binding.enrol(known, openid="o-public") is None  # the office removed them
    assert binding.enrol(known, userid="zhangsan")["id"] == cadres["张三"]  # roster member


def test_a_self_enrolled_follower_binds_as_the_codes_cadre(known, cadres):
    """The follower's record holds the openid; a roster code moves the person onto the
    cadre: 全部 and subscriptions merged, the follower's record gone (one recipient)."""
    follower = binding.enrol(known, openid="o-public")
    subscribe.subscribe(known, follower["id"], [departments.resolve(known, "峡窝镇").department["id"]])
    subscribe.subscribe_all(known, follower["id"])
    subscribe.subscribe(known, cadres["李四"], [departments.resolve(known, "人社").department["id"]])
    result = binding.bind(known, codes(known)["李四"], openid="o-public")
    assert (result.ok, result.merged, result.cadre["id"]) == (True, True, cadres["李四"])
    assert binding.get_cadre(known, follower["id"]) is None
    mine = subscribe.subscriptions_of(known, cadres["李四"])
    assert mine["all"] and [d["name"] for d in mine["departments"]] == ["区人社局", "峡窝镇"]
    assert [c["id"] for c in roster.list_cadres(known, include_removed=True)
            if c["openid"] == "o-public"] == [cadres["李四"]]
    assert binding.bind(known, codes(known, renew=True).get("张三"), openid="o-public").reason \
        == "identity_taken"  # now a roster cadre's openid: never merged away


def test_a_follower_the_office_removed_still_binds_with_a_roster_code(known, cadres):
    follower = binding.enrol(known, openid="o-public")
    roster.remove_cadre(known, follower["id"])
    result = binding.bind(known, codes(known)["李四"], openid="o-public")
    assert result.ok and result.merged
    assert binding.cadre_for(known, openid="o-public")["id"] == cadres["李四"]


def test_empty_lists_on_day_one_say_how_to_fill_them(runner):
    # A fresh office: `departments`, `roster list` and `user list` printed nothing at all.
    departments_out = runner.invoke(args=["departments"])
    assert departments_out.exit_code == 0 and "No departments yet" in departments_out.stderr
    assert "departments import" in departments_out.stderr and departments_out.stdout == ""
    assert runner.invoke(args=["departments", "--json"]).stdout.strip() == "[]"
    roster_out = runner.invoke(args=["roster", "list"])
    assert roster_out.exit_code == 0 and "The roster is empty" in roster_out.stderr
    assert "roster import" in roster_out.stderr and roster_out.stdout == ""
    users = runner.invoke(args=["user", "list"])
    assert users.exit_code == 0 and "No console accounts yet" in users.stderr
    assert "BOT_ADMIN_PASSWORD" in users.stderr and "user add" in users.stderr
