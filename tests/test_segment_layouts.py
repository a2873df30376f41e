"""Layouts offices use that the parser got wrong, one fixture each in tests/fixtures/layouts/
(made-up issues typed like real ones), and the rule behind each fix in variants."""

import pathlib

import pytest

from bulletin import parse_file, parse_text

LAYOUTS = pathlib.Path(__file__).resolve().parent / "fixtures" / "layouts"


def layout(name):
    from test_repair import check_nothing_lost

    issue = parse_file(LAYOUTS / name)
    check_nothing_lost((LAYOUTS / name).read_text(encoding="utf-8"))
    return issue


def test_a_title_that_ends_like_a_unit_after_the_masthead_is_the_first_title():
    """`我区新增3家省级企业技术中心` ends like an issuer (…中心); after the issuer and date line it
    is the lead's title (it was taken into the header and the lead titled from its body)."""
    issue = layout("title-ends-like-issuer.txt")
    assert (issue.issuer, issue.date, issue.number) == ("中共临川区委办公室", "2024-08-12", "第16期")
    assert issue.header.split("\n")[-1] == "中共临川区委办公室2024年8月12日"
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "我区新增3家省级企业技术中心", "区工信局"), ("article", "区委书记张建华调研区政务服务中心", "区委办公室")]


@pytest.mark.parametrize("head", [
    "工作简报\n第3期\n2024年1月2日\n",  # no issuer printed: the title followed by body text
    "工作简报\n第3期\n某某县委办公室信息科\n2024年1月2日\n",  # an issuer and a date above it
])
@pytest.mark.parametrize("under", ["", "（县卫健委）\n"])
def test_a_title_ending_in_a_units_word_is_no_issuer(head, under):
    issue = parse_text(head + "某某县人民医院开设老年医学科\n" + under
                       + "近日，某某县人民医院开设老年医学科，配备床位30张。" + ("" if under else "（县卫健委）") + "\n")
    assert [(i.title, i.department) for i in issue.items] == [("某某县人民医院开设老年医学科", "县卫健委")]
    assert issue.issuer == ("某某县委办公室信息科" if "信息科" in head else None)
    assert issue.date == "2024-01-02"


@pytest.mark.parametrize("text, issuer", [
    ("梅林街道党工委办公室\n2024年4月2日\n\n某某街道打造便民生活圈\n某某街道新建便民服务点16个。（某某街道）\n",
     "梅林街道党工委办公室"),
    ("某某信息\n第6期\n某某街道党工委办公室\n2024年4月2日\n某某街道打造便民生活圈\n某某街道新建服务点16个。（某某街道）\n",
     "某某街道党工委办公室"),
])
def test_an_issuer_on_its_own_line_before_the_date_stays_the_issuer(text, issuer):
    issue = parse_text(text)
    assert issue.issuer == issuer and issue.items[0].title == "某某街道打造便民生活圈"
