"""Round trips through real files: the sample rendered into a PDF (reportlab, WenQuanYi Zen Hei)
and read back with pdfplumber; the sample's items written into a DOCX with python-docx."""

import io

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from bulletin import ParseError, parse_bytes, parse_file

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # TrueType: reportlab cannot embed CFF Noto
LINES_PER_PAGE = 30


@pytest.fixture(scope="module")
def expected(sample_path):
    return parse_file(sample_path)


def render_pdf(lines, encrypt=None):
    """The lines drawn one per row in a CJK TrueType font, paged, with `- N -` page numbers."""
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    for start in range(0, len(lines), LINES_PER_PAGE):
        pdf.setFont("WQY", 12)
        y = 800
        for line in lines[start:start + LINES_PER_PAGE]:
            pdf.drawString(60, y, line.strip())
            y -= 22
        pdf.drawCentredString(297, 40, f"- {start // LINES_PER_PAGE + 1} -")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sample_pdf(sample_path):
    lines = [line for line in sample_path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return render_pdf(lines)


def test_pdf_round_trip_gives_the_same_eight_items(sample_pdf, expected):
    assert sample_pdf.startswith(b"%PDF")
    issue = parse_bytes(sample_pdf, filename="shangjie.pdf")
    assert issue.to_dict() == expected.to_dict()
    assert any(d.startswith("- ") for d in issue.dropped)  # page numbers found and dropped


def test_pdf_is_recognised_by_magic_bytes_without_a_name(sample_pdf, expected):
    assert parse_bytes(sample_pdf).to_dict() == expected.to_dict()


def test_password_protected_pdf_is_refused(sample_path):
    data = render_pdf(["中共上街区委办公室 2021年1月6日"], encrypt="secret")
    with pytest.raises(ParseError, match="加密"):
        parse_bytes(data, filename="locked.pdf")


def test_pdf_without_text_is_refused():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.rect(10, 10, 100, 100)
    pdf.showPage()
    pdf.save()
    with pytest.raises(ParseError, match="扫描件"):
        parse_bytes(buffer.getvalue(), filename="scan.pdf")


def typeset_pdf(issue):
    """The issue laid out as an office would: 16pt title lines, indented 12pt paragraphs wrapped
    at the text width (closing punctuation kept off line starts), △ briefs, page numbers."""
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    state = {"y": 790, "page": 1}

    def line(text, size, x=60):
        if state["y"] < 70:
            pdf.drawCentredString(297, 40, f"- {state['page']} -")
            pdf.showPage()
            state["y"], state["page"] = 790, state["page"] + 1
        pdf.setFont("WQY", size)
        pdf.drawString(x, state["y"], text)
        state["y"] -= size * 1.8

    def paragraph(text, size=12, first_indent=2):
        rows, row, limit = [], "　" * first_indent, 475
        for char in text:
            if pdfmetrics.stringWidth(row + char, "WQY", size) > limit and char not in "，。、；：）”":
                rows.append(row)
                row = ""
            row += char
        for text_row in rows + [row]:
            line(text_row, size)

    line(f"{issue.issuer}    2021年1月6日", 12)
    for item in issue.items:
        ending = f"（{item.department}）" if item.department else ""
        if item.kind == "brief":
            paragraph("△ " + item.body + ending, first_indent=0)
            continue
        paragraph(item.title, size=16, first_indent=0)
        parts = item.body.split("\n")
        for index, text in enumerate(parts, start=1):
            paragraph(text + (ending if index == len(parts) else ""))
    pdf.drawCentredString(297, 40, f"- {state['page']} -")
    pdf.save()
    return buffer.getvalue()


def test_typeset_pdf_gives_the_same_items(expected):
    issue = parse_bytes(typeset_pdf(expected), filename="typeset.pdf")
    assert (issue.issuer, issue.date) == (expected.issuer, expected.date)
    got = [(i.kind, i.title, i.department, i.body.replace("\n", "")) for i in issue.items]
    assert got == [(i.kind, i.title, i.department, i.body.replace("\n", "")) for i in expected.items]
    assert issue.items[0].body.count("\n") == 2  # the lead's three paragraphs, from indentation


def write_docx(issue, run_in=False):
    """The issue as an office would type it: header line, titles in bold, △ briefs."""
    document = docx.Document()
    document.add_paragraph("中共上街区委办公室    2021年1月6日")
    for item in issue.items:
        paragraphs = item.body.split("\n")
        ending = f"（{item.department}）" if item.department else ""
        if item.kind == "brief":
            document.add_paragraph("△ " + item.body + ending)
            continue
        if run_in:  # bold title running into the first paragraph
            first = document.add_paragraph()
            first.add_run(item.title).bold = True
            first.add_run(" " + paragraphs[0] + (ending if len(paragraphs) == 1 else ""))
        else:  # the title as its own bold paragraph
            document.add_paragraph().add_run(item.title).bold = True
            document.add_paragraph(paragraphs[0] + (ending if len(paragraphs) == 1 else ""))
        for index, text in enumerate(paragraphs[1:], start=2):
            document.add_paragraph(text + (ending if index == len(paragraphs) else ""))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("run_in", [False, True], ids=["title-paragraphs", "run-in-bold"])
def test_docx_round_trip_gives_the_same_eight_items(expected, run_in):
    data = write_docx(expected, run_in=run_in)
    assert parse_bytes(data, filename="shangjie.docx").to_dict() == expected.to_dict()


def test_docx_heading_styles_are_titles():
    document = docx.Document()
    document.add_paragraph("上街简报")
    document.add_paragraph("第 7 期")
    document.add_paragraph("中共上街区委办公室 2021年2月3日")
    document.add_heading("区审计局开展审计培训", level=2)
    document.add_paragraph("2月2日，区审计局组织全体干部参加业务培训。（区审计局）")
    document.add_heading("区教育局部署开学工作", level=2)
    document.add_paragraph("区教育局召开会议，部署春季开学各项工作。")
    buffer = io.BytesIO()
    document.save(buffer)
    issue = parse_bytes(buffer.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    assert issue.number == "第7期" and issue.date == "2021-02-03"
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "区审计局开展审计培训", "区审计局"), ("article", "区教育局部署开学工作", None)]


def test_pdf_text_pasted_into_word_is_joined_back(sample_path, expected):
    document = docx.Document()
    for line in sample_path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            document.add_paragraph(line)  # one Word paragraph per printed line
    buffer = io.BytesIO()
    document.save(buffer)
    assert parse_bytes(buffer.getvalue(), filename="pasted.docx").to_dict() == expected.to_dict()
