"""Issues in the forms other offices print them: a unit's name over each title or over a block
of titles, items numbered `1.` with a headline sentence, `◆`/`●` briefs signed `——XX局`, a
reading guide and a 抄送 footer, a classified masthead with its copy number and the issue number over two lines, a 专报
under a leader's instruction box, a year-end review with a table, `【…】` titles on their own
lines. One fixture each in tests/fixtures/layouts/ (made-up places and units), read as typed
text and, where the office would send one, as a PDF or a Word file built here."""

import io
import pathlib

import docx
import pytest

from bulletin import parse_bytes, parse_file, parse_text

LAYOUTS = pathlib.Path(__file__).resolve().parent / "fixtures" / "layouts"


def form(name):
    from test_repair import check_nothing_lost

    check_nothing_lost((LAYOUTS / name).read_text(encoding="utf-8"))
    return parse_file(LAYOUTS / name)


def as_pdf(name):
    """The fixture drawn a line a row (reportlab, WenQuanYi), read back through pdfplumber."""
    from test_roundtrip import render_pdf

    lines = [line for line in (LAYOUTS / name).read_text(encoding="utf-8").split("\n") if line.strip()]
    return parse_bytes(render_pdf(lines), filename=name.replace(".txt", ".pdf"))


def as_docx(blocks):
    """blocks: a paragraph's text ("" for an empty one) or a list of rows (a table) -> an Issue."""
    document = docx.Document()
    for block in blocks:
        if isinstance(block, list):
            table = document.add_table(rows=len(block), cols=max(len(row) for row in block))
            for r, row in enumerate(block):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        else:
            document.add_paragraph(block)
    buffer = io.BytesIO()
    document.save(buffer)
    return parse_bytes(buffer.getvalue(), filename="form.docx")


def items(issue):
    return [(i.kind, i.title, i.department, i.section) for i in issue.items]


def test_a_reading_guide_and_a_chaosong_footer():
    """`本期导读` with `◎` entries, then the articles; the footer a `抄送：` line and the line
    `…秘书科  2025年4月25日印发` under it (a 公文's 版记)."""
    issue = form("daodu-chaosong.txt")
    assert issue.front[0] == "本期导读" and len(issue.front) == 4
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "苍梧县一季度经济运行实现“开门红”", "县统计局"), ("article", "县发改委谋划储备重大项目89个", "县发改委"),
        ("article", "芦荻镇打造“共富工坊”带动群众增收", "芦荻镇")]
    assert issue.footer.split("\n")[-1] == "苍梧县委办公室秘书科2025年4月25日印发"


def test_bracketed_titles_on_their_own_lines_and_sources_under_the_text():
    """A 政务信息 with each title in `【】` on its own line, the text under it and the source on a
    line of its own: `【…】` items are peers (articles), not a lead and its followers."""
    issue = form("bracket-titles-own-line.txt")
    assert issue.issuer == "雁栖县人民政府办公室" and issue.number == "第33期"
    assert items(issue) == [
        ("article", "雁栖县启动秋冬季大气污染防治攻坚行动", "县生态环境分局", None),
        ("article", "县市场监管局开展校园食品安全专项检查", "县市场监管局", None),
        ("article", "蒲溪乡“小院经济”带动农民增收", "蒲溪乡", None)]
    assert issue.items[1].body.startswith("近日，县市场监管局对全县63所学校")


def test_a_classified_masthead_with_a_copy_number_and_the_issue_number_over_two_lines():
    """`秘密★6个月`, the copy number `编号：0037` under it (a classified issue numbers its copies),
    the year `2025年` on one line and `第3期（总第87期）` on the next. The copy number line ended
    the header: the masthead became the first title and `2025年` the section."""
    issue = form("masthead-two-lines-secret.txt")
    assert (issue.issuer, issue.date, issue.number, issue.classification) == (
        "中共柳堤县委办公室", "2025-03-11", "第3期", "秘密★6个月")
    assert issue.header.split("\n")[:4] == ["秘密★6个月", "编号：0037", "柳堤工作简报", "2025年"]
    assert items(issue) == [
        ("lead", "柳堤县召开县委常委会会议研究一季度重点工作", "县委办公室", None),
        ("article", "县委组织部部署开展年轻干部实践锻炼", "县委组织部", None)]


def test_copy_numbers_as_offices_print_them_stay_in_the_masthead():
    for mark in ("份号：000126", "No.0126", "编号:0126", "000126"):
        issue = parse_text(f"{mark}\n机密★1年\n岚溪要情\n二〇二五年\n第11期\n岚溪县委办公室    2025年2月3日\n"
                           "岚溪县部署春季森林防火工作\n2月1日，岚溪县召开会议部署春季森林防火工作。（县林业局）\n")
        assert (issue.number, issue.date, issue.classification) == ("第11期", "2025-02-03", "机密★1年"), mark
        assert [i.title for i in issue.items] == ["岚溪县部署春季森林防火工作"], mark


def test_diamond_and_dot_briefs_signed_with_a_dash_or_a_labelled_source():
    """`◆`/`●` briefs whose sources are `（区住建局 供稿）`, `（供稿：区税务局）` or a dash after the
    last sentence on the same line (`…未发现新疫点。——区林业局`): the dash and unit stayed in
    the body and the brief had no department."""
    for issue in (form("briefs-diamond-sources.txt"), as_pdf("briefs-diamond-sources.txt")):
        assert [(i.kind, i.department) for i in issue.items] == [
            ("lead", "区住建局"), ("article", "区税务局"), ("brief", "区林业局"), ("brief", "澄江街道"),
            ("brief", "区妇联"), ("brief", "区交通运输局")]
        assert [i.body[-8:] for i in issue.items[2:]] == [
            "，未发现新疫点。", "服务老年人400余人次。"[-8:], "，受益家长2000余人。"[-8:], "整治隐患路段17处。"[-8:]]
        assert issue.items[4].title == "区妇联开展“家庭教育进社区”巡回讲座12场"
    assert form("briefs-diamond-sources.txt").dropped.count("——") == 2


def test_a_dash_after_the_text_names_a_unit_or_is_the_text():
    issue = parse_text("岚溪信息\n第2期\n岚溪县委办公室    2025年1月6日\n"
                       "△ 县文联举办迎新春书画展，展出作品120幅。——县文联\n"
                       "△ 县图书馆开展“书香岚溪”阅读活动——全县共有1.2万人参加。\n"
                       "△ 县气象局发布寒潮预警。——县气象局 王丽\n")
    assert [(i.department, i.body) for i in issue.items] == [
        ("县文联", "县文联举办迎新春书画展，展出作品120幅。"),
        (None, "县图书馆开展“书香岚溪”阅读活动——全县共有1.2万人参加。"),
        ("县气象局", "县气象局发布寒潮预警。\n（王丽）")]


UNIT_FIRST = [("lead", "集中整治背街小巷环境卫生", "街道城管办", None),
              ("article", "“红色物业”解决居民急难愁盼问题", "桐岭社区", None),
              ("article", "开展防范电信网络诈骗宣传进小区活动", "街道平安办", None),
              ("article", "完成2025年度困难群众救助资金发放", "街道社会事务办", None)]


def test_a_unit_printed_on_a_line_over_its_title():
    """A 街道 bulletin prints who reports above each title: `■ 街道城管办` or `街道平安办：` on a
    line of its own, then the title, then the text. The bulleted unit was read as a section
    heading (every later item `section` 桐岭社区, no department) and `街道平安办：` as the last
    line of the item above."""
    for issue in (form("unit-before-title.txt"), as_pdf("unit-before-title.txt")):
        assert items(issue) == UNIT_FIRST
        assert [i.body[:6] for i in issue.items] == ["6月3日起，", "今年以来，桐", "近日，街道平", "截至5月底，"]
        assert issue.items[1].body.endswith("停车难等问题19件。")


def test_a_section_heading_over_items_is_no_unit():
    """`■ 基层动态` (no unit's ending) over titled items stays their section; a unit over a brief
    (`■ 县审计局` / `△…`) is a heading too: only a title under it makes it the item's source."""
    issue = parse_text("岚溪信息\n第2期\n岚溪县委办公室    2025年1月6日\n■ 基层动态\n"
                       "桐岭镇建成便民服务站\n近日，桐岭镇建成便民服务站8个。（桐岭镇）\n"
                       "■ 县审计局\n△ 县审计局完成3个项目的审计。（县审计局）\n")
    assert items(issue) == [("article", "桐岭镇建成便民服务站", "桐岭镇", "基层动态"),
                            ("brief", "县审计局完成3个项目的审计", "县审计局", "县审计局")]


def test_numbered_items_whose_first_sentence_is_the_headline():
    """A 政务信息 numbering its items `1.` `2.`, each one paragraph: the headline is its first
    sentence (printed in bold, ending in `。`), then the text, then the source. The headline
    stayed in the body and made the title again; items after the first were briefs."""
    for issue in (form("numbered-source-inline.txt"), as_pdf("numbered-source-inline.txt")):
        assert items(issue) == [
            ("article", "鹭江县召开防汛抗旱工作调度会", "县应急管理局", None),
            ("article", "县水利局完成病险水库除险加固", "县水利局", None),
            ("article", "檀山镇推进农村人居环境整治", "檀山镇", None),
            ("article", "县人社局举办夏季招聘会", "县人社局", None)]
        assert [i.body[:6] for i in issue.items] == ["7月10日，", "今年以来，县", "檀山镇以“清", "7月12日，"]
        assert issue.derived_titles == []


def test_a_numbered_one_sentence_item_is_still_a_brief():
    """`1.县司法局开展法治宣传12场。（县司法局）`: one sentence and nothing after it is a brief
    titled from its text; a first sentence with a comma is text, not a headline."""
    issue = parse_text("岚溪信息\n第2期\n岚溪县委办公室    2025年1月6日\n岚溪县召开全县宣传工作会议\n"
                       "1月5日，岚溪县召开全县宣传工作会议，部署全年工作。（县委宣传部）\n简讯\n"
                       "1.县司法局开展法治宣传进社区活动12场。（县司法局）\n"
                       "2.近日，县民政局发放高龄津贴230万元。惠及老人4100人。（县民政局）\n")
    assert [(i.kind, i.title, i.body[:4]) for i in issue.items[1:]] == [
        ("brief", "县司法局开展法治宣传进社区活动12场", "县司法局"), ("brief", "县民政局发放高龄津贴230万元", "近日，县")]


ZHUANBAO_BODY = [
    "今年以来，梓潼镇将全镇划分为48个网格，推行“网格+积分”治理模式，群众参与治理的积极性明显提高，矛盾纠纷化解率达98.6%。",
    "（一）织密网格，夯实治理基础", "1.科学划分网格。", "2.明确网格职责。", "（二）积分管理，激发参与热情", "1.设置积分项目。",
    "2.强化积分运用。", "（三）多方联动，形成治理合力", "整合综治、司法、民政等力量下沉网格，"]


def test_a_zhuanbao_under_a_leaders_instruction_box():
    """A 专报 prints the leader's instruction (`领导批示：`, its text, `——区委书记 周正平`, the
    date) in a box above the editor's note and its one long article. The box became three
    items (`领导批示`, `——区委书记`, and the date titling the editor's note); it is front matter
    like the note, and the report keeps its `（一）` and `1.` parts in its body."""
    issue = form("zhuanbao-instruction-box.txt")
    assert issue.front[:4] == ["领导批示：", "这份材料总结的经验做法很好，请各镇街、各部门认真学习借鉴，结合实际抓好推广。",
                               "——区委书记周正平", "2025年9月10日"]
    assert issue.front[4].startswith("编者按：近年来，梓潼镇") and len(issue.front) == 5
    assert items(issue) == [("lead", "梓潼镇“网格+积分”激活基层治理“一池春水”", "梓潼镇党委", None)]
    body = issue.items[0].body.split("\n")
    assert [p[:len(start)] for p, start in zip(body, ZHUANBAO_BODY)] == ZHUANBAO_BODY and len(body) == 9
    assert any(w.code == "front_matter" and "领导批示" in w.message for w in issue.warnings)


def test_an_instruction_box_in_word_is_front_matter():
    """The same box as Word makes it: a one-cell table holding the label, the text and the
    signature, then the report; and a leader's line `县委书记王某批示：…` without a box."""
    issue = as_docx(["檀山专报", "第2期", "中共檀山区委办公室    2025年9月12日",
                     [["领导批示：\n这份材料很好，请各镇街学习借鉴。\n——区委书记 周正平"]],
                     "梓潼镇“网格+积分”激活基层治理",
                     "今年以来，梓潼镇推行“网格+积分”治理模式，化解矛盾纠纷236件。（梓潼镇党委）"])
    assert issue.front[0] == "领导批示："
    assert items(issue) == [("lead", "梓潼镇“网格+积分”激活基层治理", "梓潼镇党委", None)]
    issue = parse_text("檀山专报\n第3期\n中共檀山区委办公室    2025年9月19日\n"
                       "区委书记周正平批示：请区农业农村局牵头抓好推广。\n"
                       "岚湾村发展林下经济带动群众增收\n岚湾村发展林下种养基地1200亩，带动群众人均增收3000元。（岚湾村）\n")
    assert issue.front == ["区委书记周正平批示：请区农业农村局牵头抓好推广。"]
    assert [(i.kind, i.title) for i in issue.items] == [("lead", "岚湾村发展林下经济带动群众增收")]


def test_a_typed_numbered_subheading_with_a_comma_is_a_line_of_its_own():
    """`（三）多方联动，形成治理合力` typed on its line, the text under it: a line with a comma and
    no sentence end continued onto the next (a typed line broken inside a sentence) and the
    sub-heading ran into its text. A numbered line that short is a heading."""
    issue = parse_text("檀山专报\n第4期\n中共檀山区委办公室    2025年10月9日\n关于我区养老服务体系建设情况的调研报告\n"
                       "全区现有养老机构21家，床位3200张。\n一、主要做法\n（一）规划先行，完善设施布局\n"
                       "编制养老服务设施专项规划，新建社区养老服务站18个。\n二、存在问题\n"
                       "专业护理人员不足，每千名老人拥有护理员仅4.2人。\n（区民政局）\n")
    assert issue.items[0].body.split("\n")[1:4] == [
        "一、主要做法", "（一）规划先行，完善设施布局", "编制养老服务设施专项规划，新建社区养老服务站18个。"]


YEAR_END_BODY = [
    "2025年，全区上下坚持稳中求进工作总基调，经济社会发展主要目标任务全面完成。", "一、经济运行稳中向好",
    "全年预计实现地区生产总值512.6亿元，增长6.1%。主要指标完成情况如下：", "指标\t完成值\t增长",
    "地区生产总值\t512.6亿元\t6.1%", "规上工业增加值\t—\t8.4%", "固定资产投资\t268.3亿元\t7.2%", "二、民生保障持续加强",
    "全年民生支出占一般公共预算支出的比重达78.5%，新增城镇就业1.26万人，新建改扩建中小学、幼儿园9所。"]


def test_a_year_end_review_with_a_table():
    """A year-end issue: the review's `一、` parts and a table of its figures, copied from Word
    into text (cells a tab apart), then one more article. The table's rows were titles: the
    header row an item, the others a section, and the review was cut in two."""
    issue = form("year-end-summary-table.txt")
    assert items(issue) == [("lead", "2025年荷塘区经济社会发展综述", "区发改局、区统计局", None),
                            ("article", "杏坛镇全年完成招商引资任务", "杏坛镇", None)]
    assert issue.items[0].body.split("\n") == YEAR_END_BODY
    assert issue.items[0].departments == ["区发改局", "区统计局"]


def test_the_year_end_review_in_word_keeps_its_table():
    lines = [line for line in (LAYOUTS / "year-end-summary-table.txt").read_text(encoding="utf-8").split("\n")]
    rows = [line.split("\t") for line in lines if "\t" in line]
    at = lines.index(next(line for line in lines if "\t" in line))
    blocks = lines[:at] + [rows] + [line for line in lines[at:] if "\t" not in line]
    issue = as_docx(blocks)
    assert items(issue) == [("lead", "2025年荷塘区经济社会发展综述", "区发改局、区统计局", None),
                            ("article", "杏坛镇全年完成招商引资任务", "杏坛镇", None)]
    assert issue.items[0].body.split("\n") == YEAR_END_BODY


def test_tabs_in_a_typed_masthead_footer_or_paragraph_are_no_table():
    text = (LAYOUTS / "year-end-summary-table.txt").read_text(encoding="utf-8")
    tabbed = text.replace("中共荷塘区委办公室                   ", "中共荷塘区委办公室\t\t").replace(
        "报：市委办公室\n", "报：市委办公室\t共印40份\n").replace("杏坛镇2025年", "\t杏坛镇2025年")
    issue = parse_text(tabbed)
    assert (issue.issuer, issue.date) == ("中共荷塘区委办公室", "2025-12-30")
    assert issue.footer.split("\n")[0] == "报：市委办公室 共印40份"
    assert issue.items[0].body.split("\n") == YEAR_END_BODY
    assert issue.items[1].body == "杏坛镇2025年签约项目34个，协议引资86亿元，完成年度任务的118%。"
    issue = parse_text("岚溪信息\n第2期\n岚溪县委办公室    2025年1月6日\n"
                       "县审计局开展业务培训\t近日，县审计局组织全体干部参加业务培训，围绕审计法、审计准则等内容进行专题辅导。（县审计局）\n")
    assert [(i.title, i.department) for i in issue.items] == [("县审计局开展业务培训", "县审计局")]


def hard_wrapped(name, width=20):
    """The fixture as PDF text wraps it: every line of the body cut at `width` characters (closing
    punctuation kept off a line's start), no indentation, masthead and footer lines whole."""
    out = []
    for n, line in enumerate((LAYOUTS / name).read_text(encoding="utf-8").split("\n")):
        if n < 3 or len(line) <= width or line.startswith(("报：", "送：", "发：", "抄送：")):
            out.append(line)
            continue
        rows = []
        for char in line:
            if rows and (len(rows[-1]) < width or char in "，。、；：）”"):
                rows[-1] += char
            else:
                rows.append(char)
        out += rows
    return "\n".join(out)


def test_a_unit_over_its_title_in_hard_wrapped_text():
    """The same 街道 bulletin as PDF text, wrapped at the page's width with nothing indented:
    `■ 街道城管办`, its title and the text ran into one paragraph (a brief titled with all
    three), and `街道平安办：` under a full last line joined the item above."""
    for blank in (True, False):
        text = hard_wrapped("unit-before-title.txt")
        issue = parse_text(text if blank else text.replace("\n\n", "\n"))
        assert items(issue) == UNIT_FIRST, blank
        assert [i.body[:6] for i in issue.items] == ["6月3日起，", "今年以来，桐", "近日，街道平", "截至5月底，"]


UNIT_BLOCKS = [("lead", "推广水稻侧深施肥技术", "镇农业服务中心", None),
               ("article", "开展秋粮病虫害统防统治", "镇农业服务中心", None),
               ("article", "举办高素质农民培训班", "镇农业服务中心", None),
               ("article", "排查化解矛盾纠纷46件", "镇综治中心", None),
               ("article", "开展夏季夜间治安巡防", "镇综治中心", None),
               ("article", "白鹭村建成村级综治服务站", "白鹭村", None),
               ("article", "镇卫生院开展老年人免费健康体检", None, None),
               ("article", "完成村级财务半年审计", "镇党政办", None),
               ("article", "石门村成立红白理事会", None, "基层动态")]


def test_a_unit_line_over_several_titled_items_heads_its_block():
    """A 镇 bulletin groups its news by who reports it: `■ 镇农业服务中心` on a line of its own,
    then that unit's two or three titled items, none signed. The unit line heads the block: each
    item under it is the unit's, up to the next unit line, a section heading (`【基层动态】`) or
    an item signed by another (`（白鹭村）`: what follows it is no longer the block's). Only the
    first item under the line had a department."""
    for issue in (form("unit-block-items.txt"), as_pdf("unit-block-items.txt")):
        assert items(issue) == UNIT_BLOCKS
        assert [i.body[:6] for i in issue.items[:4]] == ["近日，镇农业", "8月上旬，镇", "7月以来，镇", "今年以来，镇"]
        assert issue.items[8].body.startswith("石门村成立红白理事会，")
    for blank in (True, False):
        text = hard_wrapped("unit-block-items.txt")
        issue = parse_text(text if blank else text.replace("\n\n", "\n"))
        assert [i.department for i in issue.items] == [i[2] for i in UNIT_BLOCKS], blank


def test_numbered_items_whose_headline_sentence_has_a_comma():
    """The same 政务信息 form with headlines of two clauses (`1.县应急管理局召开防汛会议，部署主汛期
    工作。6月18日，…`): the sentence is short, ends where the text begins with its dateline
    (`6月18日，`, `近日，`) or with the headline's own subject (`枫林镇…。枫林镇利用…`). It was
    titled from its first clause and the sentence stayed in the body."""
    for issue in (form("numbered-headline-comma.txt"), as_pdf("numbered-headline-comma.txt")):
        assert items(issue) == [
            ("article", "县应急管理局召开防汛会议，部署主汛期工作", "县应急管理局", None),
            ("article", "县教育局开展校园安全排查，整改隐患31处", "县教育局", None),
            ("article", "枫林镇发展林下经济，带动群众增收", "枫林镇", None),
            ("article", "县医保局推进医保服务下沉", "县医保局", None)]
        assert [i.body[:6] for i in issue.items] == ["6月18日，", "近日，县教育", "枫林镇利用林", "6月以来，县"]
        assert issue.derived_titles == []


def test_a_numbered_items_first_sentence_with_a_comma_is_text_when_nothing_begins_after_it():
    """A first sentence with a comma is the text when what follows is neither a dateline nor its
    subject again, when it opens with a time phrase, or when it is the only sentence."""
    issue = parse_text("岚溪信息\n第2期\n岚溪县委办公室    2025年1月6日\n岚溪县召开全县宣传工作会议\n"
                       "1月5日，岚溪县召开全县宣传工作会议，部署全年工作。（县委宣传部）\n简讯\n"
                       "1.县司法局开展法治宣传进社区活动，发放资料3000余份。（县司法局）\n"
                       "2.县民政局发放高龄津贴230万元，惠及老人4100人。全县80岁以上老人实现应发尽发。（县民政局）\n"
                       "3.近日，县林业局开展松材线虫病普查，普查面积3万亩。未发现疫情。（县林业局）\n")
    assert [(i.kind, i.title) for i in issue.items[1:]] == [
        ("brief", "县司法局开展法治宣传进社区活动"), ("brief", "县民政局发放高龄津贴230万元"),
        ("brief", "县林业局开展松材线虫病普查")]
    assert [i.body[:4] for i in issue.items[1:]] == ["县司法局", "县民政局", "近日，县"]


def table_pdf(name):
    """The fixture as a PDF whose table rows are drawn cell by cell in columns (the tabs of the
    text are positions on the page), read back through pdfplumber -> (pdf bytes, Issue)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from test_roundtrip import render_pdf

    render_pdf(["-"])  # registers the CJK font
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("WQY", 10)
    y = 800
    for line in (LAYOUTS / name).read_text(encoding="utf-8").split("\n"):
        if line.strip():
            for column, cell in enumerate(line.split("\t")):
                pdf.drawString(40 + 150 * column, y, cell.strip())
            y -= 18
    pdf.showPage()
    pdf.save()
    return buffer.getvalue(), parse_bytes(buffer.getvalue(), filename=name.replace(".txt", ".pdf"))


@pytest.mark.slow
def test_a_table_in_pdf_text_stays_in_its_article():
    """The year-end review as a PDF: its table's cells stand apart by gaps on the page, in
    pdfplumber's text and in `pdftotext -layout` (runs of spaces). Its rows were titles: the
    header row an item, the others a section, and the review was cut in two."""
    import subprocess
    import tempfile

    data, issue = table_pdf("year-end-summary-table.txt")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        layout = subprocess.run(["pdftotext", "-layout", file.name, "-"], capture_output=True, check=True).stdout
    for parsed in (issue, parse_text(layout.decode("utf-8"))):
        assert items(parsed) == [("lead", "2025年荷塘区经济社会发展综述", "区发改局、区统计局", None),
                                 ("article", "杏坛镇全年完成招商引资任务", "杏坛镇", None)]
        assert parsed.items[0].body.split("\n") == YEAR_END_BODY


def test_lines_with_wide_gaps_that_share_no_columns_are_no_table():
    """A masthead or a signature with a wide gap, one line alone, and lines with gaps that do not
    line up, read as before; a table of contents with page numbers too."""
    issue = parse_text("岚溪信息\n第2期\n岚溪县委办公室          2025年1月6日\n本期要目\n"
                       "县审计局开展业务培训          1\n县民政局发放高龄津贴          2\n"
                       "县审计局开展业务培训\n近日，县审计局组织全体干部参加业务培训。（县审计局）\n"
                       "县民政局发放高龄津贴\n近日，县民政局发放高龄津贴230万元。    惠及老人4100人。\n"
                       "全县80岁以上老人实现应发尽发。          （县民政局）\n")
    assert issue.date == "2025-01-06" and issue.front[0] == "本期要目"
    assert [(i.title, i.department) for i in issue.items] == [
        ("县审计局开展业务培训", "县审计局"), ("县民政局发放高龄津贴", "县民政局")]
