"""`python bot.py parse FILE [--json] [--cards CHANNEL]`, run as the operator runs it."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow  # every test starts `python bot.py`


@pytest.fixture
def parse(tmp_path):
    """Run `python bot.py parse ...` in a subprocess with a scratch instance folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WECHAT_", "WECOM_"))}
    env.update(BOT_INSTANCE_PATH=str(tmp_path / "instance"), BOT_CHANNEL="sandbox",
               BOT_DATABASE=str(tmp_path / "jianbao.sqlite3"), PYTHONIOENCODING="utf-8")

    def run(*args):
        return subprocess.run([sys.executable, "bot.py", "parse", *map(str, args)], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
    return run


def test_json_is_exactly_the_documented_shape(parse, sample_path):
    result = parse(sample_path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["issuer", "date", "number", "items", "warnings", "ocr", "classification"]
    assert data["ocr"] is False and data["classification"] is None
    assert all(set(w) == {"item", "code", "message"} for w in data["warnings"])
    assert (data["issuer"], data["date"], data["number"]) == ("中共上街区委办公室", "2021-01-06", None)
    assert len(data["items"]) == 8
    for item in data["items"]:
        assert list(item) == ["seq", "kind", "title", "body", "department", "section", "departments"]
        assert item["departments"] == ([item["department"]] if item["department"] else [])
    assert "上街区十个重大项目集中开工" in result.stdout  # ensure_ascii=False
    assert result.stdout.startswith("{\n  ")  # indented


def test_readable_form_shows_header_items_departments_and_cards(parse, sample_path):
    result = parse(sample_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "中共上街区委办公室" in out and "2021-01-06" in out
    assert "8. [brief]" in out and "1. [lead] 上街区十个重大项目集中开工" in out
    assert "区督查局、区审计局、区人社局、工业路街道、峡窝镇、区资源规划局、区农委" in out
    assert "卡片 (sandbox)" in out and "/items/preview/1" in out


@pytest.mark.parametrize("channel", ["sandbox", "work", "mp"])
def test_cards_json_per_channel(parse, sample_path, channel):
    result = parse(sample_path, "--cards", channel, "--json")
    assert result.returncode == 0, result.stderr
    cards = json.loads(result.stdout)
    assert len(cards) == 8
    assert cards[1]["department"] == "区督查局" and cards[1]["date"] == "2021-01-06"
    for card in cards:
        assert len(card["title"].encode()) <= 128 and len(card["digest"].encode()) <= 512


def test_gbk_fixture_through_the_cli(parse):
    result = parse(FIXTURES / "erqi-gbk.txt", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["issuer"] == "二七区人民政府办公室"


@pytest.mark.parametrize("content", [b"", b"\n \n", bytes(range(256)) * 20,
                                     "上街简报\n第3期\n".encode()])
def test_unreadable_or_empty_file_is_one_line_and_status_2(parse, tmp_path, content):
    path = tmp_path / "issue.txt"
    path.write_bytes(content)
    result = parse(path, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["missing.txt", "fake.pdf", "."])
def test_missing_fake_or_directory_is_one_line_and_status_2(parse, tmp_path, name):
    if name == "fake.pdf":
        (tmp_path / name).write_text("not a pdf")
    result = parse(tmp_path / name)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_help_text(parse):
    result = parse("--help")
    assert result.returncode == 0 and "--cards" in result.stdout and "--json" in result.stdout


def test_readable_cards_for_a_chosen_channel(parse, sample_path):
    result = parse(sample_path, "--cards", "mp")
    assert result.returncode == 0, result.stderr
    assert "卡片 (mp)" in result.stdout and "1. [lead]" in result.stdout


def test_readable_form_shows_sections_and_warnings(parse):
    from tests.conftest import FIXTURES

    result = parse(FIXTURES / "corpus" / "xinghu-web.txt")
    assert result.returncode == 0, result.stderr
    assert "〔工作动态〕 区委组织部精简会议文件" in result.stdout
    assert "提示:" in result.stdout and "⚠ 已略去" in result.stdout and "验证码" in result.stdout
