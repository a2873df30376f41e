"""Contents boxes (本期要目, 目录, 导读) at the top of an issue, with and without page numbers,
set off from the body or not: what is the contents and where the body's first heading is.
Fixtures in tests/fixtures/layouts/ (made-up issues typed like real ones).

    pytest tests/test_segment_contents.py
"""

import re

import pytest

from bulletin import parse_text
from bulletin.repair import fix_spaces
from test_segment_layouts import layout


def test_a_table_of_contents_with_page_numbers_leaves_the_first_section_heading():
    """Entries printed with dot leaders and page numbers: `一、工作动态` after them was taken as
    one more entry, so the first section was lost."""
    issue = layout("toc-leaders.txt")
    assert issue.front[0] == "目录" and issue.front[-1].startswith("基层动态") and len(issue.front) == 5
    assert [(i.title, i.section) for i in issue.items] == [
        ("宜城市召开优化营商环境大会", "工作动态"), ("市发改委全力抓好重大项目谋划储备", "工作动态"),
        ("市城管局深化“城市管家”改革", "工作动态"), ("鄢城街道建成“15分钟便民生活圈”4个", "基层动态"),
        ("小河镇举办第三届西瓜节", "基层动态")]


@pytest.mark.parametrize("contents", [
    "【工作动态】\n某某局开展业务培训……………1\n关于某某镇推进农村人居环境整治\n工作情况的报告…………………2\n",  # a heading, a wrapped entry
    "某某局开展业务培训  1\n关于某某镇推进农村人居环境整治工作情况的报告  2\n",  # page numbers after a space
])
def test_contents_with_page_numbers_and_headings_or_wrapped_entries(contents):
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n本期要目\n" + contents
                       + "一、工作动态\n某某局开展业务培训\n某某局组织干部开展业务培训，参训80人。（某某局）\n"
                       "关于某某镇推进农村人居环境整治工作情况的报告\n今年以来，某某镇整治村庄12个。（某某镇）\n")
    assert len(issue.front) == 1 + contents.count("\n")
    assert [(i.title, i.section) for i in issue.items] == [
        ("某某局开展业务培训", "工作动态"), ("关于某某镇推进农村人居环境整治工作情况的报告", "工作动态")]


TRAINING, REPORT = "某某局开展业务培训", "关于某某镇推进农村人居环境整治工作情况的报告"


@pytest.mark.parametrize("contents, first, second", [
    ((TRAINING, REPORT), "一、工作动态", ""),
    ((TRAINING, REPORT), "【工作动态】", ""),
    ((TRAINING, REPORT), "工作动态", ""),
    ((TRAINING, REPORT), "一、工作动态", "二、基层动态"),
    (("工作动态", TRAINING, "基层动态", REPORT), "一、工作动态", "二、基层动态"),  # headings listed unnumbered
    (("一、工作动态", TRAINING, "二、基层动态", REPORT), "一、工作动态", "二、基层动态"),
    ((TRAINING, REPORT), "", ""),
    (("◇" + TRAINING, "◇" + REPORT), "一、工作动态", ""),
    ((TRAINING, "某某镇人居环境整治报告"), "", ""),  # an entry shortened: a title, not the issue's heading
])
def test_contents_without_page_numbers_leave_the_first_section_heading(contents, first, second):
    """Plain entries (no page numbers, no marks), then the issue's first section heading and the
    first title: the heading was taken as one more entry (the list ended only at the title, which
    repeats an entry). The contents list what the issue prints: an entry printed nowhere after
    them, just before the repeated title, is the issue's own line."""
    from test_repair import check_nothing_lost

    issue = check_nothing_lost(
        "某某信息\n第1期\n某某办公室 2024年1月2日\n本期要目\n" + "".join(entry + "\n" for entry in contents)
        + (first + "\n" if first else "") + TRAINING + "\n某某局组织干部开展业务培训，参训80人。（某某局）\n"
        + (second + "\n" if second else "") + REPORT + "\n今年以来，某某镇整治村庄12个。（某某镇）\n")
    assert issue.front == ["本期要目", *contents]
    sections = ([first, second or first] if first else [None, None])
    assert [(i.title, i.section) for i in issue.items] == [
        (TRAINING, fix_spaces(re.sub(r"^[一二三]、|[【】]", "", sections[0])) if sections[0] else None),
        (REPORT, fix_spaces(re.sub(r"^[一二三]、|[【】]", "", sections[1])) if sections[1] else None)]


def test_a_contents_box_set_off_from_the_body_keeps_its_last_entry():
    """`本期要目` / two titles / `简讯四则`, a blank line, then the first title: the last entry
    (printed nowhere after, under 8 characters) was taken for the issue's first section heading,
    and every item stood under `简讯四则`. The box ends where the blank line sets it off."""
    issue = layout("contents-box-briefs.txt")
    assert issue.front == ["本期要目", "青禾县召开全县优化营商环境大会", "县市场监管局推行“一业一证”改革", "简讯四则"]
    assert [i.section for i in issue.items[:2]] == [None, None]
    assert issue.items[0].kind == "lead"


@pytest.mark.parametrize("after", ["", "\n"])
def test_a_contents_entry_is_the_issues_heading_only_when_not_set_off(after):
    """Without a blank line between the box and the body, `一、工作动态` just above the first title
    is still the issue's own heading; with the blank line before the heading too."""
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n本期要目\n" + TRAINING + "\n" + REPORT + "\n"
                       + after + "一、工作动态\n" + TRAINING + "\n某某局组织干部开展业务培训，参训80人。（某某局）\n"
                       + REPORT + "\n今年以来，某某镇整治村庄12个。（某某镇）\n")
    assert issue.front == ["本期要目", TRAINING, REPORT]
    assert [i.section for i in issue.items] == ["工作动态", "工作动态"]


def test_a_bracketed_contents_head_is_the_contents():
    """`【本期要目】` over `1.…` `2.…` `3.简讯（4则）`: the bracketed head was not seen, so the head
    became a section and the entries ran into the lead's title."""
    issue = layout("contents-bracketed-head.txt")
    assert issue.front == ["【本期要目】", "1.望江区召开乡村振兴工作推进会", "2.区委组织部开展“党员先锋岗”创建活动", "3.简讯（4则）"]
    assert [(i.kind, i.title, i.section) for i in issue.items[:2]] == [
        ("lead", "望江区召开乡村振兴工作推进会", None), ("article", "区委组织部开展“党员先锋岗”创建活动", None)]
    assert {i.section for i in issue.items[2:]} == {"简讯"}


@pytest.mark.parametrize("head", ["【本期要目】", "〔目录〕", "［本期导读］", "◆本期要目◆", "【 目 录 】"])
def test_contents_heads_in_brackets_or_marks(head):
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n" + head + "\n" + TRAINING + "\n" + REPORT + "\n"
                       + TRAINING + "\n某某局组织干部开展业务培训，参训80人。（某某局）\n"
                       + REPORT + "\n今年以来，某某镇整治村庄12个。（某某镇）\n")
    assert issue.front == [fix_spaces(head), TRAINING, REPORT]
    assert [(i.title, i.section) for i in issue.items] == [(TRAINING, None), (REPORT, None)]
