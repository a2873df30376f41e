"""The corpus (tests/fixtures/corpus): every issue gives its expected items, and the parser
says what it is unsure of (warnings), what it dropped, and what the masthead marks.

    pytest tests/test_corpus.py           # scans included (OCR, several seconds a page)
"""

import json

import pytest

from bench.accuracy import corpus_files, evaluate, f1
from bulletin import parse_bytes, parse_file, parse_text
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "corpus"
FILES = list(corpus_files())
TEXT_FILES = [(p, e) for p, e in FILES if "scan" not in p.name]
SCANS = [(p, e) for p, e in FILES if "scan" in p.name]


def test_the_corpus_has_at_least_30_issues_of_every_kind():
    assert len(FILES) >= 30
    suffixes = {p.suffix for p, _ in FILES}
    assert suffixes >= {".txt", ".pdf", ".docx", ".png"}
    formats = " ".join(e["format"] for _, e in FILES)
    for kind in ("gb18030", "pdftotext-layout", "pdftotext", "web", "docx", "scan-png", "scan-pdf", "wrapped"):
        assert kind in formats


@pytest.mark.parametrize("path, expected", TEXT_FILES, ids=[p.name for p, _ in TEXT_FILES])
def test_each_issue_gives_its_items_and_masthead(path, expected):
    result = evaluate(path, expected)
    assert result.get("error") is None
    assert f1(result["matched"], result["parsed"], result["expected"])[2] >= 0.9
    assert result["header"]
    issue = result["issue"]
    for item, want in zip(issue.items, expected["items"]):
        assert item.section == want["section"] and item.departments == want["departments"]


@pytest.mark.slow  # OCR: seconds a page
@pytest.mark.parametrize("path, expected", SCANS, ids=[p.name for p, _ in SCANS])
def test_scans_are_read_through_ocr(path, expected):
    result = evaluate(path, expected)
    assert f1(result["matched"], result["parsed"], result["expected"])[2] >= 0.9
    issue = result["issue"]
    assert issue.ocr and issue.to_dict()["ocr"] is True
    assert any(w.code == "ocr" for w in issue.warnings)


def test_a_joint_attribution_lists_each_department():
    issue = parse_file(CORPUS / "qinghe-typed-noblank.txt")
    joint = issue.items[2]
    assert joint.department == "区审计局、区财政局"  # as printed
    assert joint.departments == ["区审计局", "区财政局"]
    assert issue.departments[:3] == ["区财政局", "区审计局", "区市场监管局"]
    assert issue.to_dict()["items"][2]["departments"] == ["区审计局", "区财政局"]


def test_classification_is_read_from_the_masthead():
    assert parse_file(CORPUS / "linchuan-typed.txt").classification == "秘密★1年"
    assert parse_file(CORPUS / "yunxi-typed-gb18030.txt").classification == "内部"
    assert parse_file(CORPUS / "bailu-typed.txt").classification is None
    text = "绝密\n某某专报\n第1期\n某某办公室 2024年1月2日\n某某局开展检查\n某某局开展检查工作，发现问题3个。（某某局）\n"
    assert parse_text(text).to_dict()["classification"] == "绝密"
    text = text.replace("绝密", "机密★6个月")
    assert parse_text(text).classification == "机密★6个月"


def test_web_chrome_is_dropped_and_quoted_in_a_warning():
    issue = parse_file(CORPUS / "xinghu-web.txt")
    dropped = [w for w in issue.warnings if w.code == "dropped"]
    assert len(dropped) == 1 and dropped[0].item is None
    for quoted in ("发布时间", "验证码", "ICP备", "首页 | 机构概况"):
        assert quoted in dropped[0].message
    assert all("ICP" not in i.body and "验证码" not in i.body for i in issue.items)


def test_front_matter_is_no_item_and_is_quoted():
    issue = parse_file(CORPUS / "bailu-typed.txt")
    assert [i.title for i in issue.items][0] == "新区集中签约12个产业项目"
    assert issue.front[0] == "本期要目" and len(issue.front) == 4
    note = parse_file(CORPUS / "yunxi-typed-gb18030.txt")
    assert note.items[0].kind == "lead" and not note.items[0].body.startswith("编者按")
    assert any(w.code == "front_matter" and "编者按" in w.message for w in note.warnings)


def test_item_warnings():
    text = ("某某信息\n第1期\n某某办公室 2024年1月2日\n"
            "某某局开展检查\n某某局开展检查工作，发现问题3个，已全部整改到位。\n"
            "某某局开展培训\n好。（某某局）\n")
    issue = parse_text(text)
    codes = {(w.item, w.code) for w in issue.warnings}
    assert (2, "short_item") in codes
    assert all(set(w.to_dict()) == {"item", "code", "message"} for w in issue.warnings)


def test_a_lead_without_a_department_is_no_warning():
    """The lead goes to every recipient of the issue (subscriptions.audience): it needs no
    department to reach anyone, so only the other items without one are warned of."""
    text = ("某某信息\n第1期\n某某办公室 2024年1月2日\n"
            "全县召开经济工作会议\n1月2日，全县召开经济工作会议，部署今年重点工作任务。\n"
            "某某镇开展冬季防火检查\n近日，某某镇开展冬季防火检查，发现并整改隐患12处。\n"
            "某某局开展业务培训\n近日，某某局组织全体干部开展业务培训，参训80人次。（某某局）\n")
    issue = parse_text(text)
    assert [(i.kind, i.department) for i in issue.items] == [("lead", None), ("article", None), ("article", "某某局")]
    assert [(w.item, w.code) for w in issue.warnings if w.code == "no_department"] == [(2, "no_department")]
    assert "第 2 条没有署名单位" in next(w.message for w in issue.warnings if w.code == "no_department")


def test_a_news_page_with_photo_captions_is_flagged_not_a_bulletin():
    text = ("市民公园春季花展开幕\n"
            "3月20日，市民公园春季花展正式开幕，展出各类花卉200余种，吸引了大批市民前来观赏。\n"
            "△游客在郁金香花海前拍照留念。\n△园艺工作人员在布置花境。\n△小朋友在儿童区参加植物认知活动。\n")
    issue = parse_bytes(text.encode())
    assert any(w.code == "not_a_bulletin" and w.item is None for w in issue.warnings)
    essay = "\n".join("这是一篇文章的第%d段，讲述了一件事情的经过，并没有简报的结构。" % n for n in range(8))
    assert any(w.code == "not_a_bulletin" for w in parse_text(essay).warnings)


def test_every_expected_file_is_valid_json_with_items():
    for expected in CORPUS.glob("*.expected.json"):
        data = json.loads(expected.read_text(encoding="utf-8"))
        assert data["items"] and all(set(i) >= {"kind", "title", "body", "department"} for i in data["items"])


def test_a_photo_as_jpeg_is_read_too():
    import io

    from PIL import Image

    image = Image.open(CORPUS / "yunxi-scan.png")
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=85)
    issue = parse_bytes(buffer.getvalue(), filename="photo.jpg")
    expected = json.loads((CORPUS / "yunxi-scan.png.expected.json").read_text(encoding="utf-8"))
    assert issue.ocr and [i.title for i in issue.items] == [i["title"] for i in expected["items"]]
    assert issue.classification == "内部" and issue.number == "20期"
