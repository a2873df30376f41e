"""Word layouts other offices use: data tables inside articles, tables around the masthead and
the footer. Each .docx is built here with python-docx (made-up text, no committed binaries)."""

import io

import docx

from bulletin import parse_bytes


def build(blocks):
    """blocks: ("p", text, bold) paragraphs and ("table", [[cell, …], …]) tables -> .docx bytes."""
    document = docx.Document()
    for block in blocks:
        if block[0] == "table":
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        else:
            _, text, bold = block
            document.add_paragraph().add_run(text).bold = bold
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


MASTHEAD = [("p", "统计简报", True), ("p", "第9期", False), ("p", "某某县统计局  2024年7月25日", False)]


def test_a_figures_table_stays_in_its_article_row_by_row():
    data = build(MASTHEAD + [
        ("p", "上半年全县经济运行总体平稳", True),
        ("p", "上半年，全县地区生产总值增长5.1%。主要指标如下：", False),
        ("table", [["指标", "绝对值", "同比增长"], ["地区生产总值", "58.2亿元", "5.1%"],
                   ["规上工业增加值", "—", "7.3%"], ["社会消费品零售总额", "21.6亿元", "4.2%"]]),
        ("p", "从三次产业看，第二产业增长较快。（县统计局）", False),
        ("p", "某某局抓好夏粮收储", True),
        ("p", "全县完成夏粮收购1.1万吨。（县粮食局）", False),
    ])
    issue = parse_bytes(data, filename="a.docx")
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "上半年全县经济运行总体平稳", "县统计局"), ("article", "某某局抓好夏粮收储", "县粮食局")]
    assert issue.items[0].body.split("\n") == [
        "上半年，全县地区生产总值增长5.1%。主要指标如下：", "指标\t绝对值\t同比增长",
        "地区生产总值\t58.2亿元\t5.1%", "规上工业增加值\t—\t7.3%", "社会消费品零售总额\t21.6亿元\t4.2%",
        "从三次产业看，第二产业增长较快。"]
    assert all(i.section is None for i in issue.items)


def test_a_table_after_an_attributed_article_is_that_articles():
    data = build(MASTHEAD + [
        ("p", "关于重点项目推进情况的通报", True),
        ("p", "近日，督查室对重点项目推进情况进行了督查，现将进展通报如下。（县委督查室）", False),
        ("table", [["某某局", "老旧小区改造：已开工12个小区。"], ["某某委", "卫生院改造：已完成5所。"]]),
        ("p", "某某局开展安全检查", True),
        ("p", "近日，某某局开展安全检查，整改隐患46处。（县应急局）", False),
    ])
    issue = parse_bytes(data, filename="a.docx")
    assert [(i.title, i.department) for i in issue.items] == [
        ("关于重点项目推进情况的通报", "县委督查室"), ("某某局开展安全检查", "县应急局")]
    assert issue.items[0].body.split("\n")[1:] == ["某某局\t老旧小区改造：已开工12个小区。",
                                                  "某某委\t卫生院改造：已完成5所。"]


def test_masthead_and_footer_tables_are_header_and_footer():
    data = build([("p", "工作动态", True), ("p", "第19期", False),
                  ("table", [["中共某某县委办公室", "2024年11月20日"]]),
                  ("p", "某某县召开防灭火工作会议", True),
                  ("p", "11月18日，某某县召开会议，部署防灭火工作。（县应急局）", False),
                  ("table", [["报：市委办公室。"], ["送：县委常委，县政府领导。"], ["发：各乡镇党委。"],
                             ["某某县委办公室    2024年11月20日印发"]])])
    issue = parse_bytes(data, filename="a.docx")
    assert (issue.issuer, issue.date, issue.number) == ("中共某某县委办公室", "2024-11-20", "第19期")
    assert [i.title for i in issue.items] == ["某某县召开防灭火工作会议"]
    assert issue.footer.split("\n") == ["报：市委办公室。", "送：县委常委，县政府领导。", "发：各乡镇党委。",
                                        "某某县委办公室2024年11月20日印发"]
