"""Bulletins as other offices make them: one small issue each, typed or pulled from a PDF the
way that office prints it (made-up places and units), and the rule that reads it."""

import pathlib

from bulletin import parse_file

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
