"""Segmentation rules of issue 12, one case each (the corpus tests them in whole issues)."""

import pytest

from bulletin import parse_text
from bulletin.masthead import classification, header_fields, header_kind

HEAD = "某某信息\n第1期\n某某办公室 2024年1月2日\n"


@pytest.mark.parametrize("line, fields", [
    ("1886 期 / 第2版", (None, None, "1886期")),
    ("20期", (None, None, "20期")),
    ("2023年第4期（总第56期）", (None, None, "第4期")),
    ("某某县委督查室  签发人：王某某", ("某某县委督查室", None, None)),
    ("某某区委办公室编        2023年4月12日", ("某某区委办公室", "2023-04-12", None)),
    ("某某县人民政府办公室    2024.5.8", ("某某县人民政府办公室", "2024-05-08", None)),
    ("某某区委办公室 2021年1月6", ("某某区委办公室", "2021-01-06", None)),
    ("2024年5月17日（星期五）", (None, "2024-05-17", None)),
    ("某某区委办公室  2024年5月17日 星期五", ("某某区委办公室", "2024-05-17", None)),
    ("中共某某区委政研室", ("中共某某区委政研室", None, None)),
    ("中共某某区委办公室信息科编", ("中共某某区委办公室信息科", None, None)),
])
def test_masthead_variants_are_header_lines(line, fields):
    assert header_kind(line) == "strong"
    assert header_fields(line) == fields


@pytest.mark.parametrize("header, marking", [
    ("秘密★1年\n某某专报", "秘密★1年"), ("机密\n某某专报", "机密"), ("绝密★长期", "绝密★长期"),
    ("内部资料  注意保存\n某某简报", "内部"), ("某某简报\n第3期", None),
])
def test_classification(header, marking):
    assert classification(header) == marking


def test_signatory_on_the_issuer_line_is_no_item_and_the_date_no_title():
    issue = parse_text("某某专报\n第2期\n某某县委督查室  签发人：王某某\n2023年6月30日\n"
                       "关于某某工作的报告\n督查室对全县重点项目开展了督查，发现问题3个。（县委督查室）\n")
    assert (issue.issuer, issue.date, issue.number) == ("某某县委督查室", "2023-06-30", "第2期")
    assert [i.title for i in issue.items] == ["关于某某工作的报告"]


def test_numbered_subheadings_stay_in_their_article():
    issue = parse_text(HEAD + "关于某某工作的报告\n某某局对重点项目开展了督查。\n（一）总体情况\n"
                       "项目进展总体顺利。\n（二）存在问题\n一是手续慢，二是资金不到位。\n"
                       "二是人手不足，工期偏紧。（某某局）\n")
    assert len(issue.items) == 1
    assert issue.items[0].body.split("\n")[1:4] == ["（一）总体情况", "项目进展总体顺利。", "（二）存在问题"]


def test_numbered_items_after_an_unattributed_lead_are_items():
    issue = parse_text(HEAD + "某某区召开经济工作会议\n1月2日，某某区召开经济工作会议，部署今年任务。\n"
                       "（一）区住建局加快推进城市更新\n区住建局推进城市更新项目23个。（区住建局）\n"
                       "（二）区教育局做好寒假安全工作\n区教育局开展安全检查40次。（区教育局）\n")
    assert [(i.kind, i.department) for i in issue.items] == [
        ("lead", None), ("article", "区住建局"), ("article", "区教育局")]


def test_sections_label_the_items_under_them():
    issue = parse_text(HEAD + "【工作动态】\n某某局开展培训\n某某局组织干部开展业务培训。（某某局）\n"
                       "某某镇推进改造\n某某镇完成老旧小区改造3个。（某某镇）\n【简讯】\n"
                       "△近日，某某街道开展义诊活动。（某某街道）\n")
    assert [(i.kind, i.section) for i in issue.items] == [
        ("article", "工作动态"), ("article", "工作动态"), ("brief", "简讯")]


@pytest.mark.parametrize("marker", list("⭐★◆▲◇○※▶"))
@pytest.mark.parametrize("space, indent", [("", ""), (" ", "  "), ("  ", "\u3000")])
def test_brief_markers_with_any_spacing_and_indent(marker, space, indent):
    issue = parse_text(HEAD + f"{indent}{marker}{space}近日，某某局完成检查工作，发现问题3个。（某某局）\n"
                       f"{indent}{marker}{space}3月下旬，某某镇开展培训，参训120人。（某某镇）\n")
    assert [(i.kind, i.title) for i in issue.items] == [
        ("brief", "某某局完成检查工作"), ("brief", "某某镇开展培训")]


@pytest.mark.parametrize("opening, title", [
    ("1至2月，全区新增市场主体2316户，同比增长12.4%。", "全区新增市场主体2316户"),
    ("一季度，全区完成投资86亿元，同比增长9%。", "全区完成投资86亿元"),
    ("清明假期，全区接待游客18.6万人次，同比增长6%。", "全区接待游客18.6万人次"),
    ("2月份，某某局办理案件46件，结案率100%。", "某某局办理案件46件"),
    ("2020年，我区建成区面积经市自然资源和规划局认定为33.28平方公里，相较去年新增。",
     "我区建成区面积认定为33.28平方公里"),
    # these were titles of their own (only a time phrase, or only the purpose)
    ("连日来，某某镇组织干部排查隐患，整改问题17处。", "某某镇组织干部排查隐患"),
    ("入汛以来，某某局巡查河道42公里。", "某某局巡查河道42公里"),
    ("近段时间，某某街道开展文明创建，发动志愿者300人。", "某某街道开展文明创建"),
    ("为进一步优化营商环境，某某局推出“一窗通办”，办件时限压缩一半。", "某某局推出“一窗通办”"),
    ("根据上级统一部署，某某镇开展专项整治，关停小作坊5家。", "某某镇开展专项整治"),
    ("连日来，为保障群众安全，某某镇开展燃气检查，覆盖商户86家。", "某某镇开展燃气检查"),
])
def test_brief_titles_are_never_a_time_phrase_nor_cut(opening, title):
    issue = parse_text(HEAD + f"△{opening}（某某局）\n")
    assert issue.items[0].title == title


def test_a_title_after_a_last_sentence_without_a_blank_line():
    issue = parse_text(HEAD + "某某区召开经济工作会议\n1月2日，某某区召开经济工作会议，部署今年任务。\n"
                       "某某局开展业务培训\n某某局组织干部开展业务培训，参训80人。（某某局）\n")
    assert [i.title for i in issue.items] == ["某某区召开经济工作会议", "某某局开展业务培训"]


def test_a_word_broken_over_two_typed_lines_is_joined():
    issue = parse_text(HEAD + "某某局扶持企业发展\n某某局出台措施，扶持企\n业发展，兑现资金3200万元。（某某局）\n")
    assert issue.items[0].body == "某某局出台措施，扶持企业发展，兑现资金3200万元。"


RUNNING = ("某某县委信息\n第23期\n中共某某县委办公室          2023年11月6日\n"
           "县委中心组开展专题学习\n"
           "11月3日，县委理论学习中心组举行集体学习，围绕学习贯彻党的\n"
           "二十大精神开展专题研讨。县委书记主持会议并讲话。会议要求，\n"
           "全县各级党组织要坚持学思用贯通，推动各项工作走深走实。\n"
           "（县委宣传部）\n"
           "县发改局推进重点项目建设 今年以来，县发改局坚持把项目建设\n"
           "作为经济工作的“牛鼻子”，全县68个重点项目完成投资54.6亿\n"
           "元，新开工项目21个，竣工项目15个，项目建设提速增效明显，\n"
           "{edge}"
           "占年度计划的91.2%。项目建设的各项要素保障有力有效。\n"
           "（县发改局）\n"
           "县民政局提升养老服务水平 县民政局以居家社区养老服务改革为重\n"
           "点，新建乡镇养老服务中心4个、村级互助养老服务点36个。\n"
           "（县民政局）\n")


@pytest.mark.parametrize("edge", [
    "— 1 —\n某某县委信息 第23期\n",  # running header: masthead and issue number
    "— 1 —\n某某县委信息  2023年第 23 期\n",
    "— 1 —\n某某县委信息\n",  # the masthead line itself
    "某某县委信息 第23期\n— 1 —\n",  # a running footer above the page number
])
def test_a_running_header_at_a_page_break_is_dropped_and_the_paragraph_joined(edge):
    from test_repair import check_nothing_lost

    issue = check_nothing_lost(RUNNING.format(edge=edge))
    assert [(i.title, i.department) for i in issue.items] == [
        ("县委中心组开展专题学习", "县委宣传部"), ("县发改局推进重点项目建设", "县发改局"),
        ("县民政局提升养老服务水平", "县民政局")]
    assert "占年度计划的91.2%" in issue.items[1].body and "信息" not in issue.items[1].body
    assert issue.items[1].body.count("\n") == 0


def test_a_heading_after_a_page_number_that_does_not_repeat_the_masthead_stays():
    issue = parse_text(RUNNING.format(edge="").replace("县民政局提升", "— 1 —\n基层信息\n县民政局提升"))
    assert "基层信息" not in issue.dropped and "基层信息" in issue.items[-1].title


@pytest.mark.parametrize("title", ["念好“某字经” 做活“某文章”", "念好“某字经”\u3000做活“某文章”",
                                   "抓党建促振兴 强产业助增收"])
def test_a_two_part_title_with_a_space_is_one_title(title):
    issue = parse_text(HEAD + "某某局开展专项审计\n近日，某某局开展专项审计，发现问题12个。（某某局）\n"
                       f"{title}\n近年来，某某县大力发展林下经济，产值达21.6亿元。（某某县林业局）\n")
    assert [(i.title, i.body) for i in issue.items][1] == (   # printed with its space
        title.replace(" ", "\u3000"), "近年来，某某县大力发展林下经济，产值达21.6亿元。")


@pytest.mark.parametrize("title", ["念好“某字经” 做活“某文章”", "强基固本", "某某县大力发展林下经济"])
def test_a_dash_line_after_a_title_is_its_subtitle(title):
    issue = parse_text(HEAD + f"{title}\n——某某县发展林下经济助力乡村振兴的实践\n"
                       "近年来，某某县大力发展林下经济，带动4.2万农户增收。\n坚持规划引领。编制发展规划。（某某县林业局）\n"
                       "某某局开展专项审计\n近日，某某局开展专项审计，发现问题12个。（某某局）\n")
    assert [(i.title, i.section) for i in issue.items] == [
        (title.replace(" ", "\u3000") + "——某某县发展林下经济助力乡村振兴的实践", None),
        ("某某局开展专项审计", None)]
    assert issue.items[0].body.startswith("近年来")


@pytest.mark.parametrize("title", ["兜牢民生底线 托起幸福晚年", "聚焦“三个一” 推动养老服务提质增效"])
def test_a_two_part_title_and_subtitle_in_pdf_text(title):
    """pdfplumber's lines (centred and indented lines marked with two ideographic spaces): a
    short line in hard-wrapped text is a title whole, halves of one length or not."""
    text = ("\u3000\u3000民 政 工 作 简 报\n\u3000\u30002024年第11期（总第156期）\n某某县民政局编 2024年11月4日\n"
            f"\u3000\u3000{title}\n\u3000\u3000——某某县推进养老服务体系建设纪实\n"
            "\u3000\u3000近年来，某某县坚持把养老服务作为重要民生工程，构建居家\n"
            "社区机构相协调、医养康养相结合的养老服务体系，全县养老床位\n达到3260张，每千名老年人拥有养老床位34张。\n"
            "\u3000\u3000一是完善设施网络。新建县级综合养老服务中心1个、乡镇区\n域养老服务中心6个，改造提升村级幸福院48所。\n"
            "\u3000\u3000（县民政局）\n\u3000\u3000某某局开展社会救助专项治理\n"
            "\u3000\u3000某某局联合县纪委监委开展社会救助领域专项治理，排查低保\n对象1.6万人，清退不符合条件对象126户。\n"
            "\u3000\u3000（某某局）\n")
    issue = parse_text(text)
    assert [(i.title, i.department) for i in issue.items] == [
        (title.replace(" ", "\u3000" if title.index(" ") * 2 + 1 == len(title) else "")
         + "——某某县推进养老服务体系建设纪实", "县民政局"),   # a couplet keeps its space
        ("某某局开展社会救助专项治理", "某某局")]


LEAD = "某某县召开防汛工作会议\n6月17日，某某县召开防汛工作会议，部署防汛工作。（县水利局）\n"


@pytest.mark.parametrize("heading, numbers", [
    ("【简讯】", ["①", "②", "③"]), ("【简讯】", ["", "", ""]), ("二、基层动态", ["1.", "2.", "3."]),
    ("基层动态", ["1、", "2、", "3、"]), ("★要闻", ["△", "△", "△"]), ("◆ 基层传真 ◆", ["", "", ""]),
    ("基层动态", ["１．", "２．", "３．"]),
])
def test_a_heading_over_briefs_is_their_section(heading, numbers):
    """A bodiless heading followed by briefs (marked, numbered or not) is their section; Arabic
    and circled numbers go like `一、` does."""
    from test_repair import check_nothing_lost

    briefs = ["近日，某某局完成年度隐患点排查，排查隐患点58处。（某某局）", "某某社新建服务站15个。（某某社）",
              "6月15日，某某大队开展灭火救援演练。（某某大队）"]
    issue = check_nothing_lost(HEAD + LEAD + heading + "\n"
                               + "".join(n + b + "\n" for n, b in zip(numbers, briefs)))
    section = heading.strip("【】★◆ ").removeprefix("二、")
    assert [(i.kind, i.title, i.department, i.section) for i in issue.items] == [
        ("lead", "某某县召开防汛工作会议", "县水利局", None),
        ("brief", "某某局完成年度隐患点排查", "某某局", section),
        ("brief", "某某社新建服务站15个", "某某社", section),
        ("brief", "某某大队开展灭火救援演练", "某某大队", section)]


def test_numbered_titles_under_a_marked_heading_lose_their_numbers():
    issue = parse_text(HEAD + LEAD + "◆ 基层传真 ◆\n1.某某镇举办农产品展销会\n3月16日，某某镇举办展销会，成交86万元。（某某镇）\n"
                       "2.某某街道开展清洁家园行动\n近日，某某街道清理卫生死角210处。（某某街道）\n")
    assert [(i.title, i.section) for i in issue.items[1:]] == [
        ("某某镇举办农产品展销会", "基层传真"), ("某某街道开展清洁家园行动", "基层传真")]


def test_a_reports_numbered_subheadings_are_not_sections_and_decimals_no_numbers():
    issue = parse_text(HEAD + "关于某某工作的调研报告\n一、基本情况\n全区共有行政村156个，村均收入87万元。\n"
                       "二、存在问题\n发展不均衡，差距较大。\n（某某调研组）\n")
    assert all(i.section != "基本情况" for i in issue.items)
    issue = parse_text(HEAD + "某某局完成造林\n某某局完成冬春植树造林任务，面积达\n1.5万亩。（某某局）\n")
    assert issue.items[0].body == "某某局完成冬春植树造林任务，面积达1.5万亩。"


def test_a_brief_opening_with_a_subject_that_starts_like_a_purpose_keeps_it():
    issue = parse_text(HEAD + "△为民服务中心投入使用，日均办件300件。（某某镇）\n")
    assert issue.items[0].title == "为民服务中心投入使用"


@pytest.mark.parametrize("opening, title", [
    ("3．７月份，全区规模以上工业增加值同比增长７．６％。", "全区规模以上工业增加值同比增长７．６％"),
    ("2.1至5月，全区新增就业岗位1200个。", "全区新增就业岗位1200个"),
])
def test_a_list_number_before_a_month_is_a_number_not_part_of_the_title(opening, title):
    """`3．７月份，…` kept `3．７月份` as the brief's title (the number, then only a time)."""
    issue = parse_text(HEAD + f"{opening}（某某局）\n")
    assert issue.items[0].title == title
