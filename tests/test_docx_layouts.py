"""Word layouts other offices use: data tables inside articles, tables around the masthead and
the footer, bold topic sentences. Each .docx is built here with python-docx (made-up text, no committed binaries)."""

import io

import docx

from bulletin import parse_bytes


def build(blocks):
    """blocks: ("p", text, bold) paragraphs, ("runs", [(text, bold), …]) and ("table", [[cell, …], …])
    tables -> .docx bytes."""
    document = docx.Document()
    for block in blocks:
        if block[0] == "table":
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        elif block[0] == "runs":  # ("runs", [(text, bold), …]): one paragraph of several runs
            paragraph = document.add_paragraph()
            for text, bold in block[1]:
                paragraph.add_run(text).bold = bold
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


def test_bold_lead_sentences_are_body_not_titles():
    """Official writing sets a paragraph's topic sentence in bold (`聚焦…，筑牢…。` then plain
    text): a bold run-in that ends a sentence is body. A bold run-in without a sentence end is
    still a title, and so is a bold paragraph that is no sentence."""
    data = build(MASTHEAD + [
        ("p", "某某县“三个聚焦”推动基层治理提质增效", True),
        ("p", "今年以来，某某县着力推动基层治理现代化。", False),
        ("runs", [("聚焦组织引领，筑牢治理“主心骨”。", True), ("划分网格612个，配备网格员1800余名。", False)]),
        ("runs", [("聚焦矛盾化解！", True), ("累计化解矛盾纠纷2300余件。", False)]),
        ("runs", [("会议要求：", True), ("各级要压实责任。（县委政法委）", False)]),
        ("p", "某某局多措并举稳就业", True),
        ("runs", [("搭建招聘平台。", True), ("举办招聘会15场，提供岗位6000余个。", False)]),
        ("p", "全年将开展培训2100人次。", True),
        ("runs", [("强化技能培训。", True), ("开展职业技能培训2100人次。（县人社局）", False)]),
        ("runs", [("某某镇开展安全检查", True), (" 近日，某某镇检查企业20家。（某某镇）", False)]),
    ])
    issue = parse_bytes(data, filename="a.docx")
    assert [(i.title, i.department) for i in issue.items] == [
        ("某某县“三个聚焦”推动基层治理提质增效", "县委政法委"), ("某某局多措并举稳就业", "县人社局"),
        ("某某镇开展安全检查", "某某镇")]
    assert issue.items[0].body.split("\n")[1:] == [
        "聚焦组织引领，筑牢治理“主心骨”。划分网格612个，配备网格员1800余名。",
        "聚焦矛盾化解！累计化解矛盾纠纷2300余件。", "会议要求：各级要压实责任。"]
    assert issue.items[1].body.split("\n") == [
        "搭建招聘平台。举办招聘会15场，提供岗位6000余个。", "全年将开展培训2100人次。",
        "强化技能培训。开展职业技能培训2100人次。"]
