"""Segmentation: the real sample gives exactly its 8 items; other offices' styles parse too."""

import json

import pytest

from bulletin import ParseError, parse_bytes, parse_file, parse_text
from tests.conftest import FIXTURES

SAMPLE_ITEMS = [
    ("lead", "上街区十个重大项目集中开工", None),
    ("article", "区督查局新年谋新篇以“一引领四提升”献礼建党100周年", "区督查局"),
    ("article", "区审计局“四个一”提升信息宣传工作", "区审计局"),
    ("article", "区劳动人事争议仲裁院着力营造法治化营商环境", "区人社局"),
    ("article", "工业路街道“三近”居民锻炼青年党员干部", "工业路街道"),
    ("article", "峡窝镇发放“就地过年”倡议书扎实做好疫情防控工作", "峡窝镇"),
    ("brief", None, "区资源规划局"),
    ("brief", None, "区农委"),
]


@pytest.fixture(scope="module")
def sample(sample_path):
    return parse_file(sample_path)


def test_sample_header(sample):
    assert (sample.issuer, sample.date, sample.number) == ("中共上街区委办公室", "2021-01-06", None)
    assert sample.header == "中共上街区委办公室2021年1月6日"
    assert sample.footer == ""


def test_sample_has_exactly_its_eight_items(sample):
    assert [(i.kind, i.department) for i in sample.items] == [(k, d) for k, _, d in SAMPLE_ITEMS]
    assert [i.seq for i in sample.items] == list(range(1, 9))
    for item, (_, title, _) in zip(sample.items, SAMPLE_ITEMS):
        if title:
            assert item.title == title


def test_sample_bodies_have_no_title_attribution_or_stray_spaces(sample):
    for item in sample.items:
        assert item.title not in item.body or item.kind == "brief"
        assert not item.body.endswith("）"), item.body[-20:]
        assert " " not in item.body  # the sample has no Latin words: every space was an artefact
    assert sample.items[1].body.startswith("新年伊始，区督察局早行动早部署")
    assert sample.items[5].body.startswith("近日，区峡窝镇")  # 工/作 wrapped inside the title
    assert sample.items[3].body.startswith("去年以来，区劳动人事争议仲裁院")


def test_sample_paragraphs_and_numbers(sample):
    lead = sample.items[0].body
    assert lead.count("\n") == 2  # three paragraphs; blank lines in the PDF text are not breaks
    assert lead.startswith("1月4日，郑州市2021年第一批重大项目集中开工。")
    assert "年度计划投资70亿元" in lead and "总投资24.4亿元" in lead and "16.5亿元" in lead
    assert "其中，10亿元以上项目1个" in lead  # the page-break line (leading space) joined
    assert "2021 " not in lead and "1月 4日" not in lead


def test_sample_brief_titles_come_from_the_first_clause(sample):
    brief1, brief2 = sample.items[6], sample.items[7]
    assert brief2.title == "我区开展农产品定量检测57批次"  # `去年，` skipped
    # the first clause is 29 characters: who certified it (经…) is left to the body, nothing is cut
    assert brief1.title == "我区建成区面积认定为33.28平方公里"
    assert brief1.body.startswith("2020年，我区建成区面积")
    assert sample.derived_titles == [7, 8]


@pytest.mark.parametrize("name", ["gaoxin-numbered", "jinshui-brackets", "erqi-gbk", "shangjie-layout"])
def test_fixture_issues(name):
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    raw = (FIXTURES / f"{name}.txt").read_bytes()
    if expected.get("encoding") == "gbk":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # the fixture really is GBK bytes
    issue = parse_file(FIXTURES / f"{name}.txt")
    assert (issue.issuer, issue.date, issue.number) == (
        expected["issuer"], expected["date"], expected["number"])
    assert len(issue.items) == len(expected["items"])
    for item, want in zip(issue.items, expected["items"]):
        assert item.kind == want["kind"]
        assert item.department == want["department"]
        if "title" in want:
            assert item.title == want["title"]
        else:
            # a made title is never cut inside a word: the first clause whole when it is long
            assert item.title.startswith(want["title_starts"]) and "…" not in item.title
        assert item.body.startswith(want["body_starts"]), item.body[:40]
        assert item.body.endswith(want["body_ends"]), item.body[-40:]
        assert item.body.count("\n") + 1 == want["paragraphs"]
    for text in expected["footer_contains"]:
        assert text in issue.footer
    for item in issue.items:
        assert not any(text in item.body for text in expected["footer_contains"])


def test_section_heading_is_not_an_item():
    issue = parse_file(FIXTURES / "jinshui-brackets.txt")
    assert "简讯" not in [i.title for i in issue.items]
    assert "简讯" in issue.dropped


def test_page_numbers_and_rules_are_dropped():
    issue = parse_file(FIXTURES / "jinshui-brackets.txt")
    assert "第 2 页" in issue.dropped
    assert any(set(d) == {"─"} for d in issue.dropped)
    assert all("页" not in i.body for i in issue.items)


def test_attribution_forms():
    text = ("某某简报\n第1期\n某某区委办公室 2021年2月1日\n"
            "区审计局开展培训\n区审计局组织培训。（区审计局 张三）\n"
            "区民政局走访困难群众\n区民政局走访困难群众。（供稿：区民政局）\n"
            "区统计局发布数据\n一季度数据显示增长。（区统计局供稿）\n"
            "区城管局整治市容\n城管局开展整治（见附件）。\n")
    items = parse_text(text).items
    assert [i.department for i in items] == ["区审计局", "区民政局", "区统计局", None]
    assert items[0].body == "区审计局组织培训。\n（张三）"  # the byline stays, the unit moves
    assert items[1].body == "区民政局走访困难群众。"
    assert items[3].body == "城管局开展整治（见附件）。"


def test_brief_titles_skip_a_leading_time_phrase():
    text = ("甲区动态\n第 2 期\n甲区区委办公室 2021年3月1日\n"
            "△ 2月28日，甲区召开安全生产会议，部署节后复工安全工作。（甲区应急局）\n"
            "△ 今年以来，甲区新增市场主体1200户。（甲区市场监管局）\n")
    items = parse_text(text).items
    assert [i.kind for i in items] == ["brief", "brief"]
    assert items[0].title == "甲区召开安全生产会议"
    assert items[1].title == "甲区新增市场主体1200户"


def test_json_issue():
    issue = parse_file(FIXTURES / "cms-export.json")
    assert (issue.issuer, issue.date, issue.number) == ("中共惠济区委办公室", "2021-05-20", "第8期")
    assert [(i.seq, i.kind, i.department) for i in issue.items] == [
        (1, "lead", None), (2, "article", "区发改委")]


@pytest.mark.parametrize("payload, reason", [
    (b'{"issuer": "x", "items": []}', "items 是空的"),
    (b'{"issuer": "x"}', "缺少 items"),
    (b'{"items": [{"title": "t"}]}', "缺少 title 或 body"),
    (b'{"items": [{"title": "t", "body": "b", "kind": "news"}]}', "kind"),
    (b'{"date": "yesterday", "items": [{"title": "t", "body": "b"}]}', "date"),
    (b'{"items": [1]}', "必须是对象"),
    (b'{"items": [', "JSON 格式错误"),
    (b'[1, 2]', "顶层必须是一个对象"),
])
def test_bad_json_is_a_parse_error(payload, reason):
    with pytest.raises(ParseError) as error:
        parse_bytes(payload, filename="issue.json")
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_text_with_no_items_is_a_parse_error():
    with pytest.raises(ParseError, match="没有识别出任何条目"):
        parse_text("上街简报\n第3期\n中共上街区委办公室 2021年1月6日\n")


def test_title_typed_over_two_lines_and_section_headings():
    text = ("上街简报\n第3期\n中共上街区委办公室 2021年1月6日\n"
            "上街区召开2021年全区经济工作会议暨\n优化营商环境推进大会\n"
            "1月5日，上街区召开全区经济工作会议。\n"
            "工作动态\n区审计局开展业务培训\n1月4日，区审计局组织培训。（区审计局）\n"
            "经开区：项目建设跑出“加速度”\n今年以来，经开区新开工项目21个。（经开区管委会）\n")
    issue = parse_text(text)
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "上街区召开2021年全区经济工作会议暨优化营商环境推进大会", None),
        ("article", "区审计局开展业务培训", "区审计局"),
        ("article", "经开区：项目建设跑出“加速度”", "经开区管委会")]
    assert "工作动态" in issue.dropped


def test_a_title_that_looks_like_a_masthead_is_not_header():
    text = ("中共上街区委办公室 2021年1月6日\n全区安全生产情况通报\n"
            "1月5日，区安委办通报全区安全生产情况。\n")
    issue = parse_text(text)
    assert issue.header == "中共上街区委办公室2021年1月6日"
    assert issue.items[0].title == "全区安全生产情况通报"


def test_reporter_bylines_are_not_departments():
    text = ("中共上街区委办公室 2021年1月6日\n区委召开常委会\n1月5日，区委召开常委会。（记者 张三）\n")
    item = parse_text(text).items[0]
    assert item.department is None and item.body.endswith("。（记者张三）")


def test_punctuation_only_is_not_an_item():
    with pytest.raises(ParseError, match="没有识别出任何条目"):
        parse_text("……\n。。。\n——")
    issue = parse_text("中共上街区委办公室 2021年1月6日\n区委召开常委会\n1月5日，区委召开常委会。\n……\n")
    assert len(issue.items) == 1


@pytest.mark.parametrize("header, issuer, date, number", [
    ("上街简报    中共上街区委办公室  2021年1月6日", "中共上街区委办公室", "2021-01-06", None),
    ("内部资料 注意保存\n上街信息\n2021年第 3 期（总第125期）\n上街区委办公室编印 2021年1月6日",
     "上街区委办公室", "2021-01-06", "第3期"),
    ("主办：中共上街区委办公室\n（总第125期）\n二〇二一年一月六日", "中共上街区委办公室", "2021-01-06", "总第125期"),
    ("上街动态\n第十二期\n2021.1.6", None, "2021-01-06", "第十二期"),
])
def test_header_styles(header, issuer, date, number):
    issue = parse_text(header + "\n区委召开常委会\n1月5日，区委召开常委会。\n")
    assert (issue.issuer, issue.date, issue.number) == (issuer, date, number)
    assert [i.title for i in issue.items] == ["区委召开常委会"]


def test_text_without_any_chinese_is_not_a_bulletin(tmp_path):
    """A configuration file or a log has lines that look like items, but no bulletin is without Chinese."""
    config_file = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    with pytest.raises(ParseError, match="没有中文"):
        parse_text(config_file)


@pytest.mark.parametrize("ending, department, departments, last", [
    ("。（某县审计局 某县财政局）", "某县审计局 某县财政局", ["某县审计局", "某县财政局"], "完成。"),
    ("。（某区审计局和某区财政局）", "某区审计局和某区财政局", ["某区审计局", "某区财政局"], "完成。"),
    ("。（某区农业农村和水利局）", "某区农业农村和水利局", ["某区农业农村和水利局"], "完成。"),
    ("。（某区住房和城乡建设局）", "某区住房和城乡建设局", ["某区住房和城乡建设局"], "完成。"),
    ("。（某县民政局社会救助股）", "某县民政局社会救助股", ["某县民政局社会救助股"], "完成。"),
    ("。（某县审计局 张三）", "某县审计局", ["某县审计局"], "（张三）"),
    ("。（王晓东）", None, [], "完成。（王晓东）"),
    ("。〔某县农业农村局〕", "某县农业农村局", ["某县农业农村局"], "完成。"),
    ("。【某县委组织部】", "某县委组织部", ["某县委组织部"], "完成。"),
    ("。【见附件】", None, [], "完成。【见附件】"),
    ("。\n——某县财政局", "某县财政局", ["某县财政局"], "完成。"),
    ("。\n来源：某县教育局", "某县教育局", ["某县教育局"], "完成。"),
])
def test_more_attribution_forms(ending, department, departments, last):
    """Joint units with a space or 和, sub-units (股), a name alone (no unit: no department),
    〔〕 and 【】 after a sentence end, and a source on a line of its own."""
    from test_repair import check_nothing_lost

    issue = check_nothing_lost("某某简报\n第1期\n某某区委办公室 2021年2月1日\n某局开展专项检查\n"
                               f"某局开展专项检查，已完成{ending}\n某镇开展培训\n某镇组织培训。（某镇）\n")
    item = issue.items[0]
    assert (item.department, item.departments) == (department, departments)
    assert item.body.split("\n")[-1].endswith(last)
    assert issue.items[-1].title == "某镇开展培训"
    if department:
        assert "某局开展专项检查，已完成。" == item.body.split("\n")[0]


def test_a_source_under_the_title_keeps_the_article_open():
    issue = parse_text("某某简报\n第1期\n某某区委办公室 2021年2月1日\n"
                       "某局开展专项检查\n供稿单位：某县市场监督管理局\n9月以来，某局检查门店78家。\n下一步，将持续检查。\n"
                       "某镇开展培训\n（某镇）\n某镇组织培训，参训80人。\n")
    assert [(i.title, i.department, i.body) for i in issue.items] == [
        ("某局开展专项检查", "某县市场监督管理局", "9月以来，某局检查门店78家。\n下一步，将持续检查。"),
        ("某镇开展培训", "某镇", "某镇组织培训，参训80人。")]
