"""Issues printed in traditional characters: the masthead, attributions, front matter and
footer read as in simplified, the text kept as printed, one character folded for one.

    pytest tests/test_segment_traditional.py
"""

from bulletin import parse_text
from test_segment_layouts import layout


def test_traditional_characters_masthead_and_attributions():
    """An issue in traditional characters: `工作簡報`, `中共臨河區委辦公室` were not a masthead (the
    issuer and date became the lead's title); item text stays as printed."""
    issue = layout("traditional.txt")
    assert (issue.issuer, issue.date, issue.number) == ("中共臨河區委辦公室", "2024-03-15", "第5期")
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "臨河區召開一季度重點項目推進會", "區發改局"), ("article", "區財政局提升預算績效管理水平", "區財政局"),
        ("brief", "區市場監管局開展春季食品安全專項檢查", "區市場監管局")]


def test_traditional_characters_front_matter_footer_and_labels():
    from test_repair import check_nothing_lost

    issue = check_nothing_lost(
        "內部資料\n某某資訊\n2024年第3期（總第56期）\n某某縣委辦公室編    2024年3月15日\n本期目錄\n"
        "某某縣召開防汛工作會議……1\n某某鎮探索積分制治理模式……2\n一、工作動態\n某某縣召開防汛工作會議\n"
        "6月17日，某某縣召開防汛工作會議。（稿件來源：縣水利局）\n編者按：某某鎮的做法值得借鑒。\n"
        "某某鎮探索積分制治理模式\n近年來，某某鎮推行積分制管理。（某某鎮黨委辦公室 張三）\n"
        "△連日來，某某區衛健委開展義診。（區衛健委）\n本期編輯：張三  簽發：李四\n報：市委辦公室\n")
    assert (issue.issuer, issue.number, issue.classification) == ("某某縣委辦公室", "第3期", "内部")
    assert len(issue.front) == 3 and issue.footer.split("\n") == ["本期編輯：張三 簽發：李四", "報：市委辦公室"]
    assert [(i.title, i.department, i.section) for i in issue.items] == [
        ("某某縣召開防汛工作會議", "縣水利局", "工作動態"), ("某某鎮探索積分制治理模式", "某某鎮黨委辦公室", "工作動態"),
        ("某某區衛健委開展義診", "區衛健委", "工作動態")]
    assert issue.items[1].body == "編者按：某某鎮的做法值得借鑒。\n近年來，某某鎮推行積分制管理。\n（張三）"


TRADITIONAL_TWIN = (
    "工作簡報\n第7期\n中共青禾區委辦公室                2024年5月20日\n\n"
    "青禾區召開安全生產工作會議\n5月18日，青禾區召開安全生產工作會議，部署當前重點工作。（區應急管理局）\n\n"
    "區財政局與區稅務局聯合開展減稅降費政策宣講\n"
    "今年以來，兩部門深入企業開展政策宣講36場，惠及市場主體1200餘戶。（區財政局與區稅務局）\n\n"
    "△ 當前，區衛生健康委員會組織開展家庭醫生簽約服務進社區活動。（區衛生健康委員會）\n"
    "△ 勞動節期間，區文化和旅遊局開展文旅惠民活動20場。（區文化和旅遊局）\n\n"
    "報：市委辦公室\n送：區委各部門\n")


def test_traditional_issue_parses_like_its_simplified_twin():
    """Rule words outside the structural words' characters (`與` between joint units, the time
    phrases `當前，` and `勞動節期間，` a brief's title skips) are read as in the simplified twin
    (OpenCC's t2s of the same text); what is returned stays as printed."""
    import opencc

    to_simplified = opencc.OpenCC("t2s").convert
    simplified = to_simplified(TRADITIONAL_TWIN)
    assert len(simplified) == len(TRADITIONAL_TWIN)
    twin, issue = parse_text(simplified), parse_text(TRADITIONAL_TWIN)

    def as_simplified(value):
        if isinstance(value, str):
            return to_simplified(value)
        if isinstance(value, list):
            return [as_simplified(v) for v in value]
        if isinstance(value, dict):
            return {k: as_simplified(v) for k, v in value.items()}
        return value

    assert as_simplified(issue.to_dict()) == twin.to_dict()
    assert issue.footer == "報：市委辦公室\n送：區委各部門"
    assert [(i.title, i.departments) for i in issue.items[1:]] == [
        ("區財政局與區稅務局聯合開展減稅降費政策宣講", ["區財政局", "區稅務局"]),
        ("區衛生健康委員會組織開展家庭醫生簽約服務進社區活動", ["區衛生健康委員會"]),
        ("區文化和旅遊局開展文旅惠民活動20場", ["區文化和旅遊局"])]


def test_fold_is_one_character_for_one():
    from bulletin.traditional import fold

    printed = "（區財政局與區稅務局）當前，勞動節期間 資訊科 乾淨 ABC １２ 简体不变"
    folded = fold(printed)
    assert len(folded) == len(printed)
    assert folded == "（区财政局与区税务局）当前，劳动节期间 信息科 干净 ABC １２ 简体不变"
