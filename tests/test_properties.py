"""Property tests (hypothesis) over generated issues: random mastheads, items, brief markers,
wraps and page breaks. For every one: no character of the input is lost or duplicated (each
lands once in the header, a printed title, a body, a department, the footer or what the parser
records as dropped), and no item body has a line break inside a sentence.

    pytest tests/test_properties.py
"""

import pytest

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_repair import check_nothing_lost

pytestmark = pytest.mark.slow  # child processes / hypothesis

HAN = "安保备比边标表并步材采参测层查产长场车成城承程持充筹出初处传创从村达大带单当导"
UNITS = ["区审计局", "县财政局", "镇政府", "街道办事处", "区教育局", "区审计局、区财政局"]
MARKERS = list("△▲■●◆◇★⭐○※▶")

MASTHEADS = st.sampled_from([
    ["某某信息", "第 3 期", "某某区委办公室 2021年1月6日"],
    ["内部资料", "某某专报", "20期", "某某县政府办公室    2024.5.8"],
    ["某某动态", "1886 期 / 第2版", "某某区委办公室主办", "2022年9月3日"],
    ["某某简报", "2023年第4期（总第56期）", "某某县委办公室 编        2023年4月12日"],
    ["秘密★1年", "某某督查专报", "第2期", "某某县委督查室  签发人：王某某", "2023年6月30日"],
])
SENTENCE = st.builds(lambda a, n, b: a + "，" + n + b + "。", st.text(HAN, min_size=3, max_size=16),
                     st.sampled_from(["", "12", "2021年", "3.5万"]), st.text(HAN, min_size=2, max_size=12))
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=3).map("".join)
ARTICLE = st.tuples(st.just("article"), st.text(HAN, min_size=6, max_size=16),
                    st.lists(PARAGRAPH, min_size=1, max_size=3), st.sampled_from(UNITS))
BRIEF = st.tuples(st.just("brief"), st.sampled_from(MARKERS), st.lists(PARAGRAPH, min_size=1, max_size=1),
                  st.sampled_from(UNITS))
LAYOUT = st.fixed_dictionaries({
    "wrap": st.sampled_from([None, 24, 30, 36]),  # None: typed, one paragraph per line
    "indent": st.sampled_from(["", "\u3000\u3000", "    "]),
    "marker_space": st.sampled_from(["", " ", "  "]),
    "marker_indent": st.sampled_from(["", "  ", "\u3000"]),
    "page": st.integers(min_value=5, max_value=40),  # lines per page; `- N -` between pages
    "blank": st.booleans(),
})


def wrap(text, width):
    rows = []
    for char in text:
        if rows and (len(rows[-1]) < width or char in "，。；：、！？）”"):
            rows[-1] += char
        else:
            rows.append(char)
    return rows


def render(masthead, items, style):
    lines = list(masthead) + [""]
    for entry in items:
        paragraphs = list(entry[2])
        paragraphs[-1] += f"（{entry[3]}）"
        if entry[0] == "article":
            lines.append(entry[1])
            starts = [style["indent"] + p for p in paragraphs]
        else:
            starts = [style["marker_indent"] + entry[1] + style["marker_space"] + paragraphs[0]]
        for text in starts:
            if style["wrap"]:
                rows = wrap(text.lstrip(), style["wrap"])
                lines += [text[:len(text) - len(text.lstrip())] + rows[0]] + rows[1:]
            else:
                lines.append(text)
        if style["blank"]:
            lines.append("")
    body, page = [], 1
    for index, line in enumerate(lines, start=1):
        body.append(line)
        if index % style["page"] == 0:
            body += ["", f"- {page} -", ""]
            page += 1
    return "\n".join(body + ["报：市委办公室。", "（共印50份）"])


def sentence_breaks(body):
    """Line breaks in a body that fall inside a sentence (the text before does not end one)."""
    return [m.start() for m in re.finditer("\n", body) if body[m.start() - 1] not in "。！？”）"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MASTHEADS, st.lists(ARTICLE | BRIEF, min_size=1, max_size=6), LAYOUT)
def test_generated_issues_lose_nothing_and_break_no_sentence(masthead, items, style):
    text = render(masthead, items, style)
    issue = check_nothing_lost(text)
    assert issue is not None, text
    for item in issue.items:
        assert not sentence_breaks(item.body), (item.body, text)
    # the item text comes back in order: bodies, read one after another, hold every paragraph
    bodies = "".join(item.body.replace("\n", "") for item in issue.items)
    assert "".join(p for entry in items for p in entry[2]) == bodies, text
