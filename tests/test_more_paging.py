"""更多 when the archive changes between two pages, through the signed callback: an issue
published (and approved) between a search and 更多, an item withdrawn between 最新 and 更多,
a later issue out between 最新 and 更多 — 更多 never repeats an item nor skips one, and says
in one line when it starts again; what it keeps per user stays a few bytes.

    pytest tests/test_more_paging.py
"""

import json
import re

import pytest

from fixtures_chat import Chat
from test_plan import add_cadre

from store import chat_state

NUMBERED = re.compile(r'^(\d+)\. <a href="[^"]+">([^<]+)</a>', re.M)


def issue(date, number, titles, body="水利工作取得成效。", department="区水利局"):
    return {"issuer": "中共上街区委办公室", "date": date, "number": number,
            "items": [{"seq": n, "kind": "lead" if n == 1 else "article", "title": title,
                       "body": body, "department": department}
                      for n, title in enumerate(titles, 1)]}


@pytest.fixture
def office(app, db, runner, tmp_path):
    """`office(issue_dict)` publishes and approves through the CLI -> the issue id; a cadre
    chats on the sandbox."""
    def publish(data):
        path = tmp_path / f"{data['number']}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        published = runner.invoke(args=["publish", str(path), "--json"])
        issue_id = json.loads(published.stdout)["id"]
        assert runner.invoke(args=["approve", str(issue_id)]).exit_code == 0
        return issue_id
    add_cadre(db, "张三", "o_zhang", everything=True)
    publish.chat = Chat(app.test_client(), "o_zhang")
    return publish


def listed(reply):
    """[(number, title)] of a reply's items."""
    return [(int(n), title) for n, title in NUMBERED.findall(reply)]


def item_id(db, title):
    return db.execute("SELECT id FROM items WHERE title = ?", [title]).fetchone()[0]


def test_more_after_a_new_issue_says_so_and_shows_the_new_first_page(office):
    office(issue("2021-01-06", "第1期", [f"水利工作第{n}项" for n in range(1, 13)]))
    first = office.chat.say("水利")
    assert first.startswith("找到12条：") and [n for n, _ in listed(first)] == [1, 2, 3, 4, 5]
    office(issue("2021-02-03", "第2期", [f"水利第{n}项" for n in range(1, 4)]))  # ranked first
    again = office.chat.say("更多")
    assert again.startswith("简报有更新，以下重新列出：\n找到15条：")   # not "第6–10条"
    shown = listed(again)
    assert [n for n, _ in shown] == [1, 2, 3, 4, 5]
    assert [t for _, t in shown][:3] == [f"水利第{n}项" for n in range(1, 4)]  # the new hits
    after = office.chat.say("更多")                                   # and on from there
    assert after.startswith("找到15条，第6–10条：")
    assert not {t for _, t in listed(after)} & {t for _, t in shown}


def test_more_after_an_unrelated_change_goes_on_without_a_word(office, db):
    office(issue("2021-01-06", "第1期", [f"水利工作第{n}项" for n in range(1, 13)]))
    first = listed(office.chat.say("水利"))
    office(issue("2021-02-03", "第2期", ["环保督察反馈问题整改"], body="整改到位。",
                 department="区农委"))                                # no match
    after = office.chat.say("更多")
    assert after.startswith("找到12条，第6–10条：")
    assert [n for n, _ in listed(after)] == [6, 7, 8, 9, 10]
    assert not {t for _, t in listed(after)} & {t for _, t in first}


def test_more_after_a_withdrawal_skips_nothing(office, db, runner):
    titles = [f"环保工作第{n}项" for n in range(1, 11)]
    office(issue("2021-07-01", "第7期", titles, body="环保工作取得成效。", department="区农委"))
    first = office.chat.say("最新")
    assert [t for _, t in listed(first)] == titles[:5]
    for gone in (titles[1], titles[6]):                              # one shown, one not yet
        result = runner.invoke(args=["item", "withdraw", str(item_id(db, gone)), "--note", "错误"])
        assert result.exit_code == 0, result.output
    after = office.chat.say("更多")
    assert [t for _, t in listed(after)] == [titles[5], titles[7], titles[8], titles[9]]
    assert [n for n, _ in listed(after)] == [5, 6, 7, 8]              # as 最新 numbers them now
    assert "共8条" in after


def test_more_after_a_later_issue_goes_on_with_the_same_issue_and_says_so(office):
    titles = [f"环保工作第{n}项" for n in range(1, 9)]
    office(issue("2021-07-01", "第7期", titles, body="环保工作取得成效。", department="区农委"))
    assert office.chat.say("最新").startswith("最新一期简报（2021-07-01、第7期，共8条）：")
    office(issue("2021-07-08", "第8期", ["新一期的条目"], body="正文。"))
    after = office.chat.say("更多")
    assert after.startswith("已有更新一期，回复“最新”查看。\n简报（2021-07-01、第7期，共8条）续：")
    assert [t for _, t in listed(after)] == titles[5:]
    assert office.chat.say("最新").startswith("最新一期简报（2021-07-08、第8期")


def test_what_more_keeps_per_user_is_a_few_bytes(office, db):
    office(issue("2021-01-06", "第1期", [f"水利工作第{n}项" for n in range(1, 13)]))
    office.chat.say("水利")
    office.chat.say("更多")
    state = chat_state.load_state(db, "o_zhang")
    assert state["page"] == 10 and len(state["basis"]) <= 24          # not the ids shown
