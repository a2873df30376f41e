"""Bulletins as other offices make them: one small issue each, typed or pulled from a PDF the
way that office prints it (made-up places and units), and the rule that reads it."""

import pathlib

from bulletin import parse_file, parse_text

LAYOUTS = pathlib.Path(__file__).resolve().parent / "fixtures" / "layouts"


def office(name):
    from test_repair import check_nothing_lost

    check_nothing_lost((LAYOUTS / name).read_text(encoding="utf-8"))
    return parse_file(LAYOUTS / name)


def test_footer_fields_run_together_spaced_out_or_listed_by_spaces_stay_apart():
    """PDF text of a footer: two fields typed with nothing between them (`本期编辑：周敏签发：…`),
    labels spaced out like every other word (`审 核：`), units of a `送：` list set apart by
    spaces only. They were stored `周敏签发：…`, `石磊校对：…`, `区人大办区政协办区纪委办`."""
    issue = office("footer-fields-pdf.txt")
    assert issue.footer.split("\n") == [
        "本期编辑：周敏 签发：邬建国", "审核：石磊 校对：姚芳",
        "报：市委办公室 市政府办公室", "送：区人大办 区政协办 区纪委办"]
    assert [(i.title, i.department) for i in issue.items] == [
        ("梅岭片区老旧管网改造完工", "区住建局"), ("苇塘街道开设“夜间课堂”", "苇塘街道")]


def test_a_contact_line_after_the_source_stays_with_its_article():
    """`（县医保局）` then `联系电话：…` on the next line: the contact line opened an untitled brief
    titled `联系电话`, its fields run together (`姚立新电话：…`). It is the article's: a cadre
    who reads the item is the one who may call; it ends the body, fields a space apart."""
    issue = office("contact-after-source.txt")
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "柘溪县启动城乡居民医保集中参保", "县医保局"),
        ("article", "鹤鸣镇开展春季农机安全检查", "鹤鸣镇"),
        ("article", "县图书馆推出“周末亲子阅读”活动", "县文旅广体局"),
        ("article", "沩水村完成高标准农田建设", "县农业农村局")]
    assert [i.body.split("\n")[-1] for i in issue.items[:3]] == [
        "联系电话：0739-6215803", "联系人：姚立新 电话：13907396621",
        "联系人：邬晓红 联系电话：0739-6218870 邮箱：zxlib@example.org"]
    assert issue.footer == "报：市政府办公室\n送：县委办公室，县人大办，县政协办"


def test_a_meeting_printed_first_in_a_title_is_no_department():
    """`县委常委会：研究部署…`, `全县…推进大会：…`: an office's titles often open with the meeting
    that decided, then a colon. A meeting ends in 会 like an association (协会) but is no unit:
    the articles got `县委常委会` and `全县优化营商环境推进大会` as departments."""
    issue = office("meeting-first-titles.txt")
    assert [(i.title.split("：")[0], i.department) for i in issue.items] == [
        ("县委常委会", None), ("县政府常务会议", None), ("全县优化营商环境推进大会", None),
        ("县数据局", "县数据局"), ("县个体劳动者协会", "县个体劳动者协会")]


POINTS = ["一要压实防火责任，区、镇、村三级层层签订责任书；", "二要加强火源管控，在重点林区设立检查卡口；",
          "三要做好扑救准备，组建半专业扑火队伍12支。"]


def test_typed_points_each_on_a_line_stay_apart():
    """`一要…；` / `二要…；` and `一是…；` / `二是…；` typed a line each: a line ending in `；`
    continued onto the next (a typed line broken inside a sentence), and the points were one
    paragraph. A point's line ends its clause and the next opens the next point: they part."""
    issue = office("typed-points.txt")
    assert issue.items[0].body.split("\n")[1:] == POINTS
    assert issue.items[1].body.split("\n")[1:] == [
        "一是建立村庄清洁长效机制，每村配备保洁员2名以上；", "二是开展“美丽庭院”评选，评出示范户86户；",
        "三是推进农村改厕，完成户厕改造430户。"]
    assert [i.department for i in issue.items] == ["区应急管理局", "邬家镇"]


def test_points_a_line_each_in_pdf_text_stay_apart():
    """The same points pulled from a PDF, wrapped at the page's width: a point's last line is
    short and ends in `；` (the lead-in in `：`), the next opens `二要`: a paragraph ends there."""
    lead = "9月1日，姚坪区召开秋冬季森林防火工作会议，区委、区政府主要负责同志出席会议并讲话，会议要求："
    other = "近日，云溪镇组织全镇干部职工开展消防应急演练，参加人员120人，演练持续两个小时，取得良好效果。"
    lines = ["姚坪信息", "第4期", "中共姚坪区委办公室 2025年9月2日", "姚坪区部署秋冬季森林防火工作"]
    for paragraph in [lead] + POINTS:
        lines += [paragraph[at:at + 18] for at in range(0, len(paragraph), 18)]
    lines += ["（区应急管理局）", "云溪镇开展消防演练"] + [other[at:at + 18] for at in range(0, len(other), 18)]
    issue = parse_text("\n".join(lines + ["（云溪镇）"]) + "\n")
    assert issue.items[0].body.split("\n") == [lead] + POINTS
    assert issue.items[1].body == other


def test_several_names_in_a_byline_and_a_bracket_of_staff_fields_stay_apart():
    """`（县林业局 苏晓 陈立军）`: the names ran together in the body (`（苏晓陈立军）`);
    `（撰稿：余婷  审核：罗海）` under an unattributed article was read as a bodiless heading and
    dropped. Names keep one space between them; staff fields are the article's, a space apart."""
    issue = office("byline-names.txt")
    assert [(i.title, i.department, i.body.split("\n")[-1]) for i in issue.items] == [
        ("云溪县林下经济产值突破5亿元", "县林业局", "（苏晓 陈立军）"),
        ("石楼镇建成农产品冷链仓储中心", "石楼镇", "（周敏 吴刚 郑佳）"),
        ("云溪县开展农村寄递物流调研", None, "（撰稿：余婷 审核：罗海）")]
    assert issue.footer == "报：市委政研室"
