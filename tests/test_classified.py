"""An issue marked 秘密, 机密 or 绝密 is refused on every entry point and nothing is stored:
the webhook (422 with the reason), the console (one clear message) and the CLI (one line,
exit 2). Classified documents must never be on a system connected to the internet."""

import pytest

from fixtures_chat import webhook_headers
from test_console import login, page_token

BODY = "{mark}\n某某工作简报\n第3期\n某某办公室  2023年6月30日\n\n区审计局开展审计\n区审计局对项目开展审计。（区审计局）\n"
MARKS = ["秘密", "机密★6个月", "绝密★长期"]


def stored(db):
    return [db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("issues", "items")]


@pytest.mark.parametrize("mark", MARKS)
def test_the_webhook_refuses_a_classified_issue_with_422(client, db, mark):
    body = BODY.format(mark=mark).encode()
    response = client.post("/api/issues?push=1", data=body, content_type="text/plain",
                           headers=webhook_headers("POST", "/api/issues?push=1", body))
    assert response.status_code == 422
    assert mark in response.get_json()["error"] and "涉密" in response.get_json()["error"]
    assert stored(db) == [0, 0]


@pytest.mark.parametrize("mark", MARKS)
def test_the_console_refuses_a_classified_upload_with_one_message(client, db, mark):
    login(client)
    response = client.post("/admin/publish", follow_redirects=True,
                           data={"text": BODY.format(mark=mark), "csrf_token": page_token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "涉密文件不得上传" in page and mark in page
    assert stored(db) == [0, 0]


@pytest.mark.parametrize("mark", MARKS)
def test_the_cli_refuses_a_classified_file_in_one_line_with_exit_2(runner, db, tmp_path, mark):
    path = tmp_path / "issue.txt"
    path.write_text(BODY.format(mark=mark), encoding="utf-8")
    result = runner.invoke(args=["publish", str(path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "涉密" in result.output
    assert stored(db) == [0, 0]


def test_an_internal_marking_is_stored(runner, db, tmp_path):
    path = tmp_path / "issue.txt"
    path.write_text(BODY.format(mark="内部资料"), encoding="utf-8")
    assert runner.invoke(args=["publish", str(path)]).exit_code == 0
    assert stored(db) == [1, 1]
