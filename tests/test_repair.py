"""Repair of PDF text, and the promise that nothing is silently lost (hypothesis).

"Content character": any character of the input, after `normalize` (Kangxi radicals to
ideographs), that is not whitespace and not a control/format character (Unicode Cc, Cf).
Every content character of the input appears exactly once in header + item titles (those
printed, not the ones made for briefs) + bodies + departments (not those read from a printed
title, `issue.derived_departments`) + footer + `issue.dropped`
+ `issue.front` (editor's note, table of contents) + `issue.chrome` (a web copy's chrome),
and `issue.dropped` only ever holds the artefacts listed in docs/parsing.md.
"""

import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin import ParseError, parse_text
from bulletin.repair import (clean_lines, fix_spaces, is_artefact_line, join_lines, layout,
                             normalize)

ARTEFACT = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页.*|\d{1,4}\s*/\s*\d{1,4}|\d{1,3}"
    r"|[Pp]age.*|[-—–－_=＝━─═~～*＊·•. ]{3,}"  # page numbers and rule lines
    r"|[△▲▽■□●○◆◇★☆◎•▪▫►▶❖※]"  # brief bullets
    r"|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|【|】"  # title numbering
    r"|[（）()]|(?:供稿单位|稿件来源|信息来源|报送单位|供稿|来源|撰稿|作者|报送)\s*[：:]?"
    r"|供稿|提供)$")  # attribution brackets and labels


def content(text):
    return [c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf")]


def accounted(issue):
    """Every place a character of the input can end up, once each."""
    parts = [issue.header, issue.footer, *issue.dropped, *issue.front, *issue.chrome]
    for item in issue.items:
        if item.seq not in issue.derived_titles:
            parts.append(item.title)
        parts += [item.body, "" if item.seq in issue.derived_departments else item.department or ""]
    return Counter(content("".join(parts)))


def check_nothing_lost(text):
    try:
        issue = parse_text(text)
    except ParseError:
        return None
    assert Counter(content(normalize(text))) == accounted(issue)
    # what was dropped is an artefact, or a section heading (a title with no body)
    titles_without_body = set()
    for dropped in issue.dropped:
        if not ARTEFACT.match(dropped.strip()):
            titles_without_body.add(dropped)
    for dropped in titles_without_body:  # a section heading, or punctuation only
        assert ("\n" not in dropped and len(dropped) <= 80) or not re.search(r"[^\W_]", dropped), dropped
    return issue


# --- unit tests of the repairs --------------------------------------------------------

@pytest.mark.parametrize("raw, fixed", [
    ("中 共上 街 区委 办 公室", "中共上街区委办公室"),
    ("1月 4日，郑州市 2021 年", "1月4日，郑州市2021年"),
    ("总投资 24.4亿元，16.5 亿元", "总投资24.4亿元，16.5亿元"),
    ("开展 COVID 19 test 检测", "开展 COVID 19 test 检测"),  # Latin words keep their spaces
    ("在线办案率 100%，达 100 %", "在线办案率100%，达100%"),
    ("“红黄绿” 评价", "“红黄绿”评价"),
    ("10 000 人", "10 000人"),  # a space inside a number stays
])
def test_fix_spaces(raw, fixed):
    assert fix_spaces(raw) == fixed


def test_join_lines():
    assert join_lines(["郑州市 2021", "年第一批"]) == "郑州市 2021年第一批"
    assert join_lines(["COVID", "19 test"]) == "COVID 19 test"
    assert join_lines(["留抵退税 86", "0 万元"]) == "留抵退税 860 万元"


@pytest.mark.parametrize("line", ["- 2 -", "— 12 —", "第 2 页", "第2页 共4页", "3/4", "7",
                                  "Page 3 of 9", "──────", "=====", "* * *"])
def test_artefact_lines(line):
    assert is_artefact_line(line)
    assert ARTEFACT.match(line.strip())


@pytest.mark.parametrize("line", ["2021", "第3期", "共印50份", "一、标题", "- 注意 -"])
def test_not_artefact_lines(line):
    assert not is_artefact_line(line)


def test_normalize_kangxi_radicals_and_invisible_marks():
    assert normalize("⼀⽉⽇\u200b简\ufeff报") == "一月日简报"


def test_page_break_line_with_leading_space_is_joined(sample_path):
    lines, dropped = clean_lines(sample_path.read_text(encoding="utf-8"))
    assert not dropped
    assert not any(line.text.startswith(" ") for line in lines)
    common, blanks_break = layout(lines)
    assert 24 <= common <= 30 and blanks_break is False  # blank after every line: not breaks


def test_dropped_artefacts_are_each_recorded():
    text = ("上街简报\n第3期\n中共上街区委办公室 2021年1月6日\n"
            "一、区审计局开展培训\n区审计局组织培训。（供稿：区审计局）\n- 2 -\n"
            "【区民政局走访困难群众】区民政局走访困难群众。（区民政局）\n──────\n"
            "【简讯】\n■ 1月5日，区统计局发布数据。（区统计局供稿）\n"
            "第 3 页\n报：市委办公室。\n（共印50份）\n")
    issue = check_nothing_lost(text)
    assert issue.dropped == ["- 2 -", "──────", "第 3 页", "一、", "（", "）", "供稿：", "【", "】",
                             "（", "）", "【", "】", "■", "（", "）", "供稿", "简讯"]
    assert [i.department for i in issue.items] == ["区审计局", "区民政局", "区统计局"]
    assert issue.footer == "报：市委办公室。\n（共印50份）"


def test_nothing_lost_in_sample_and_fixtures(sample_path):
    from tests.conftest import FIXTURES
    check_nothing_lost(sample_path.read_text(encoding="utf-8"))
    for name in ("gaoxin-numbered.txt", "jinshui-brackets.txt", "shangjie-layout.txt"):
        check_nothing_lost((FIXTURES / name).read_text(encoding="utf-8"))
    check_nothing_lost((FIXTURES / "erqi-gbk.txt").read_bytes().decode("gbk"))


# --- properties ----------------------------------------------------------------------

PIECES = list("区委办公室审计局镇街道年月日第期简报一二三四五六七八九十项目工作会议召开推进"
              "发展建设群众服务") + list("0123456789.%") + list("abcXYZ") \
    + list("，。；：！？、“”（）【】《》") + list("△■●◆") + [" ", " ", "\u3000", "\n", "\n", "\n\n", "-"] \
    + ["（区审计局）", "（供稿：区民政局）", "第 2 页", "- 3 -", "报：市委。", "共印50份", "一、", "（二）",
       "2021 年 1 月 6 日", "中 共上 街 区委 办 公室", "⼀"]


@pytest.mark.slow  # hypothesis: many generated examples
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.characters(), max_size=120).map("".join))
def test_no_content_character_lost_or_duplicated(text):
    check_nothing_lost(text)


# Issues put together from parts, rendered as typed text or as PDF text (hard wrapped, blank
# line after each line, spaces between CJK and digits): the parts come back.
HAN = "安保备比边标表并步材采参测层查产长场车成城承程持充筹出初处传创从村达大带单当导"
SENTENCE = st.builds(lambda a, n, b: a + "，" + n + b + "。", st.text(HAN, min_size=3, max_size=18),
                     st.sampled_from(["", "", "12", "2021年", "3.5"]), st.text(HAN, min_size=2, max_size=14))
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=3).map("".join)
ARTICLE = st.tuples(st.text(HAN, min_size=6, max_size=18), st.lists(PARAGRAPH, min_size=1, max_size=3),
                    st.sampled_from([None, "区审计局", "峡窝镇", "工业路街道", "区人社局"]))
BRIEF = st.tuples(PARAGRAPH, st.sampled_from(["区农委", "区资源规划局"]))


def render_typed(articles, briefs):
    lines = ["上街简报", "第 3 期", "中共上街区委办公室 2021年1月6日"]
    for title, paragraphs, department in articles:
        lines.append(title)
        lines += paragraphs[:-1] + [paragraphs[-1] + (f"（{department}）" if department else "")]
    lines += [f"△ {body}（{department}）" for body, department in briefs]
    return "\n".join(lines + ["报：市委办公室。", "共印50份"])


def wrap(text, width=26):
    """Hard wrap as typesetters do: closing punctuation never starts a line."""
    rows = []
    for char in text:
        if rows and (len(rows[-1]) < width or char in "，。；：、！？）”"):
            rows[-1] += char
        else:
            rows.append(char)
    return [re.sub(r"(?<=[\u4e00-\u9fff])(?=\d)|(?<=\d)(?=[\u4e00-\u9fff])", " ", r) for r in rows]


def render_pdf_text(articles, briefs):
    lines = ["中 共上 街 区委 办 公室 2021 年 1 月 6 日"]
    for title, paragraphs, department in articles:
        first = title + " " + paragraphs[0]
        rest = paragraphs[1:]
        body = [first] + rest
        body[-1] += f"（{department}）" if department else ""
        for paragraph in body:
            lines += wrap(paragraph)
    for body, department in briefs:
        lines += wrap(f"△ {body}（{department}）")
    return "\n\n".join(lines)


@pytest.mark.slow  # hypothesis: many generated examples
@settings(max_examples=150, deadline=None)
@given(st.lists(ARTICLE, min_size=1, max_size=5), st.lists(BRIEF, max_size=3),
       st.sampled_from([render_typed, render_pdf_text]))
def test_generated_issues_come_back(articles, briefs, render):
    articles[0] = articles[0][:2] + (None,)  # the lead carries no attribution
    for index in range(1, len(articles)):  # an unattributed article must end its paragraph short
        title, paragraphs, department = articles[index - 1]
        if department is None and render is render_pdf_text and len(paragraphs[-1]) % 26 > 20:
            articles[index - 1] = (title, paragraphs, "区审计局")
    issue = check_nothing_lost(render(articles, briefs))
    assert issue.date == "2021-01-06" and issue.issuer == "中共上街区委办公室"
    got = [(i.kind, i.title, i.body.replace("\n", ""), i.department) for i in issue.items]
    want = [("lead" if n == 0 else "article", t, "".join(p), d) for n, (t, p, d) in enumerate(articles)]
    want += [("brief", issue.items[len(articles) + n].title if len(issue.items) > len(articles) + n
              else None, b, d) for n, (b, d) in enumerate(briefs)]
    assert got == want
    if render is render_typed:
        assert [i.body.count("\n") + 1 for i in issue.items[:len(articles)]] == [
            len(p) for _, p, _ in articles]
