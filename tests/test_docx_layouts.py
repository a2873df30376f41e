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


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def add_list(document, num_id, levels, restart=None):
    """A Word list definition: levels [(numFmt, lvlText)], numbered `num_id`; `restart` adds a
    second `w:num` over the same definition that starts again at 1 (Word's "restart numbering")."""
    from docx.oxml import parse_xml

    root = document.part.numbering_part.element
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                   f'<w:lvlText w:val="{text}"/></w:lvl>' for i, (fmt, text) in enumerate(levels))
    root.insert(0, parse_xml(f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="{num_id}">{lvls}</w:abstractNum>'))
    root.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>'))
    if restart:
        root.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="{restart}"><w:abstractNumId w:val="{num_id}"/>'
                              '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))


def numbered(paragraph, num_id, level=0):
    from docx.oxml import parse_xml

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def saved(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_list_bullets_under_a_heading_are_briefs_of_its_section():
    """A Heading 1 over `List Bullet` paragraphs: the bullets are drawn by Word's numbering, not
    typed; the heading is the briefs' section (the first brief was the heading's body)."""
    document = docx.Document()
    document.add_paragraph("工作简报", style="Title")
    document.add_paragraph("第22期")
    document.add_paragraph("中共某某区委办公室\t2024年12月2日")
    document.add_paragraph("工作动态", style="Heading 1")
    document.add_paragraph("某某区部署冬春农田水利建设", style="Heading 2")
    document.add_paragraph("11月28日，某某区召开动员会，计划实施水利项目46个。（区水利局）")
    document.add_paragraph("基层传真", style="Heading 1")
    for text in ["某某镇完成2个村集体经济项目建设，带动村集体增收46万元。（某某镇）",
                 "某某街道开展冬季送温暖活动，慰问困难群众160户。（某某街道）"]:
        document.add_paragraph(text, style="List Bullet")
    issue = parse_bytes(saved(document), filename="a.docx")
    assert [(i.kind, i.title, i.department, i.section) for i in issue.items] == [
        ("article", "某某区部署冬春农田水利建设", "区水利局", "工作动态"),
        ("brief", "某某镇完成2个村集体经济项目建设", "某某镇", "基层传真"),
        ("brief", "某某街道开展冬季送温暖活动", "某某街道", "基层传真")]


def test_word_numbering_gives_headings_and_items_their_numbers():
    """Numbers drawn by Word's list numbering (`一、` headings, `1.` items, restarted under the
    next heading) act as typed ones: numbered headings are sections, numbered items lose the number."""
    document = docx.Document()
    add_list(document, 91, [("chineseCounting", "%1、")])
    add_list(document, 92, [("decimal", "%1.")], restart=93)
    for text in ("某某信息", "第3期", "某某县委办公室  2024年5月6日"):
        document.add_paragraph(text)
    numbered(document.add_paragraph("工作动态", style="Heading 1"), 91)
    numbered(document.add_paragraph("某某镇举办农产品展销会"), 92).runs[0].bold = True
    document.add_paragraph("3月16日，某某镇举办展销会，成交86万元。（某某镇）")
    numbered(document.add_paragraph("某某街道开展清洁家园行动"), 92).runs[0].bold = True
    document.add_paragraph("近日，某某街道清理卫生死角210处。（某某街道）")
    numbered(document.add_paragraph("基层动态", style="Heading 1"), 91)
    numbered(document.add_paragraph("近日，某某局完成隐患排查，排查隐患点58处。（某某局）"), 93)
    numbered(document.add_paragraph("某某社新建服务站15个。（某某社）"), 93)
    data = saved(document)
    from bulletin.read import read_docx
    texts = [p.text for p in read_docx(data)]
    assert texts[3:] == ["一、工作动态", "1.某某镇举办农产品展销会", "3月16日，某某镇举办展销会，成交86万元。（某某镇）",
                         "2.某某街道开展清洁家园行动", "近日，某某街道清理卫生死角210处。（某某街道）",
                         "二、基层动态", "1.近日，某某局完成隐患排查，排查隐患点58处。（某某局）",
                         "2.某某社新建服务站15个。（某某社）"]
    issue = parse_bytes(data, filename="a.docx")
    assert [(i.kind, i.title, i.department, i.section) for i in issue.items] == [
        ("article", "某某镇举办农产品展销会", "某某镇", "工作动态"),
        ("article", "某某街道开展清洁家园行动", "某某街道", "工作动态"),
        ("brief", "某某局完成隐患排查", "某某局", "基层动态"),
        ("brief", "某某社新建服务站15个", "某某社", "基层动态")]


def test_a_masthead_in_a_text_box_is_read():
    """A masthead set in a Word text box (`w:txbxContent`, written as DrawingML with a VML
    fallback): read once, before the paragraph it is anchored in."""
    from docx.oxml import parse_xml

    document = docx.Document()
    anchor = document.add_paragraph()
    box = "".join(f"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{t}</w:t></w:r></w:p>" for t in ("某某县委信息", "第17期"))
    ns = (f'xmlns:w="{W_NS}" xmlns:v="urn:schemas-microsoft-com:vml" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"')
    anchor._p.append(parse_xml(
        f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
        f'<w:txbxContent>{box}</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{box}</w:txbxContent></v:textbox>'
        '</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    document.add_paragraph("中共某某县委办公室                2024年7月9日")
    document.add_paragraph().add_run("某某县全力做好防汛救灾工作").bold = True
    document.add_paragraph("7月以来，某某县遭遇多轮强降雨，转移群众3200余人。（县应急管理局）")
    issue = parse_bytes(saved(document), filename="a.docx")
    assert (issue.issuer, issue.date, issue.number) == ("中共某某县委办公室", "2024-07-09", "第17期")
    assert issue.header.split("\n") == ["某某县委信息", "第17期", "中共某某县委办公室2024年7月9日"]
    assert [(i.kind, i.title) for i in issue.items] == [("lead", "某某县全力做好防汛救灾工作")]


def test_an_empty_paragraph_sets_a_contents_box_off_as_a_blank_line_does():
    """Word: `本期要目` / two titles / `简讯四则`, an empty paragraph, then the first title: the
    empty paragraph was ignored, so `简讯四则` was taken for the issue's first section heading
    (in text a blank line keeps it in the contents)."""
    titles = ["某某县召开项目建设推进会", "某某局开展“党员先锋岗”创建活动"]
    data = build(MASTHEAD + [("p", "", False), ("p", "本期要目", True)] + [("p", t, False) for t in titles]
                 + [("p", "简讯四则", False), ("p", "", False),
                    ("p", titles[0], True), ("p", "9月19日，某某县召开推进会，签约项目12个。（县发改局）", False),
                    ("p", titles[1], True), ("p", "近日，某某局命名先锋岗126个。（某某局）", False)])
    issue = parse_bytes(data, filename="a.docx")
    assert issue.front == ["本期要目", *titles, "简讯四则"]
    assert [(i.title, i.department, i.section) for i in issue.items] == [
        (titles[0], "县发改局", None), (titles[1], "某某局", None)]
