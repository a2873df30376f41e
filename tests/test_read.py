"""Reading uploads: format by magic bytes / content type / extension, encodings, bad files."""

import io
import zipfile

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin import ParseError, parse_bytes, parse_file
from bulletin.read import decode_text, declared_kind, read_docx, sniff

ISSUE = "上街简报\n第3期\n中共上街区委办公室 2021年1月6日\n区审计局开展培训 近日，区审计局组织培训。（区审计局）\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_in_every_office_encoding(encoding):
    issue = parse_bytes(ISSUE.encode(encoding), filename="issue.txt")
    assert issue.issuer == "中共上街区委办公室" and issue.number == "第3期"
    assert [(i.title, i.department) for i in issue.items] == [("区审计局开展培训", "区审计局")]


def test_gb18030_only_characters():
    text = ISSUE.replace("组织培训", "组织培训𠀀")  # outside GBK, inside GB18030
    assert decode_text(text.encode("gb18030")) == text


def test_windows_line_endings():
    assert decode_text(ISSUE.replace("\n", "\r\n").encode("gbk")) == ISSUE


def test_binary_garbage_is_refused():
    garbage = bytes(range(256)) * 40
    with pytest.raises(ParseError, match="编码"):
        parse_bytes(garbage, filename="issue.txt")


@pytest.mark.parametrize("data", [b"", b"   \n\n  "])
def test_empty_file_is_refused(data):
    with pytest.raises(ParseError, match="空的"):
        parse_bytes(data, filename="issue.txt")


def test_not_a_pdf():
    with pytest.raises(ParseError, match="不是有效的 PDF"):
        parse_bytes(ISSUE.encode(), filename="issue.pdf")
    with pytest.raises(ParseError, match="不是有效的 PDF"):
        parse_bytes(ISSUE.encode(), content_type="application/pdf")


def test_truncated_pdf_is_refused():
    with pytest.raises(ParseError, match="PDF"):
        parse_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", filename="broken.pdf")


def test_not_a_docx():
    with pytest.raises(ParseError, match="不是有效的 Word"):
        parse_bytes(b"hello", filename="issue.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not word")
    with pytest.raises(ParseError, match="不是有效的 Word"):
        parse_bytes(buffer.getvalue(), filename="issue.docx")


def test_old_word_doc_is_refused_with_advice():
    with pytest.raises(ParseError, match=r"\.docx"):
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, filename="issue.doc")


def test_zip_bomb_docx_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b"a" * (8 * 1024 * 1024))
    with pytest.raises(ParseError, match="压缩炸弹"):
        parse_bytes(buffer.getvalue(), filename="bomb.docx")


def test_corrupt_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed")
    with pytest.raises(ParseError, match="Word 文件已损坏"):
        parse_bytes(buffer.getvalue(), filename="broken.docx")


def test_docx_tables_are_read():
    document = docx.Document()
    document.add_paragraph("中共上街区委办公室 2021年1月6日")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "△ 1月5日，区统计局发布年度数据。（区统计局）"
    buffer = io.BytesIO()
    document.save(buffer)
    issue = parse_bytes(buffer.getvalue())
    assert [(i.kind, i.department) for i in issue.items] == [("brief", "区统计局")]


def test_docx_table_cells_all_read_once_in_order():
    """Every cell of a table, row by row; a merged cell once (python-docx lists it at each
    grid position it covers). Cells were lost when merged cells were told apart by the
    `id()` of short-lived lxml proxies, which Python reuses."""
    document = docx.Document()
    grid = document.add_table(rows=4, cols=3)
    for row in range(4):
        for column in range(3):
            grid.cell(row, column).text = f"格{row}{column}"
    merged = document.add_table(rows=3, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "横向合并"
    merged.cell(0, 2).merge(merged.cell(1, 2)).text = "纵向合并"
    for row, column in ((1, 0), (1, 1), (2, 0), (2, 1), (2, 2)):
        merged.cell(row, column).text = f"格{row}{column}"
    buffer = io.BytesIO()
    document.save(buffer)
    rows = [p.text for p in read_docx(buffer.getvalue()) if p.text]  # a data table: a row a paragraph
    assert rows[:4] == ["\t".join(f"格{r}{c}" for c in range(3)) for r in range(4)]
    assert rows[4:] == ["横向合并\t纵向合并", "格10\t格11", "格20\t格21\t格22"]


def test_json_detected_by_its_first_brace():
    data = '{"items": [{"title": "标题", "body": "正文。", "department": null}]}'.encode()
    assert parse_bytes(data).items[0].title == "标题"


@pytest.mark.parametrize("filename, content_type, kind", [
    ("a.PDF", None, "pdf"), ("a.docx", None, "docx"), ("a.json", None, "json"),
    (None, "application/pdf; charset=binary", "pdf"), (None, "text/plain", "text"),
    ("a.bin", None, None), (None, None, None),
])
def test_declared_kind(filename, content_type, kind):
    assert declared_kind(filename, content_type) == kind


def test_sniff():
    assert sniff(b"%PDF-1.4") == "pdf"
    assert sniff(b"\n%PDF-1.4") == "pdf"
    assert sniff("简报".encode()) == "text"


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ParseError, match="找不到文件"):
        parse_file(tmp_path / "nope.txt")
    with pytest.raises(ParseError, match="目录"):
        parse_file(tmp_path)


def test_parse_errors_are_value_errors_with_one_line():
    with pytest.raises(ValueError) as error:
        parse_bytes(b"", filename="x.txt")
    assert "\n" not in str(error.value)


@pytest.mark.slow  # hypothesis: many generated examples
@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "x.txt", "x.pdf", "x.docx", "x.json"]))
def test_any_bytes_give_an_issue_or_a_parse_error(data, filename):
    try:
        parse_bytes(data, filename=filename)
    except ParseError as error:
        assert str(error) and "\n" not in str(error)


@pytest.fixture(scope="module")
def real_files(sample_path):
    from tests.test_roundtrip import render_pdf, write_docx
    issue = parse_file(sample_path)
    return {"pdf": render_pdf(["中共上街区委办公室 2021年1月6日", "区审计局开展培训 近日，区审计局组织培训。"]),
            "docx": write_docx(issue)}


@pytest.mark.slow  # hypothesis: many generated examples
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["pdf", "docx"]), cuts=st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_damaged_pdf_and_docx_give_an_issue_or_a_parse_error(real_files, kind, cuts):
    data = bytearray(real_files[kind])
    for cut in cuts:  # overwrite a few bytes anywhere, as a bad transfer would
        position = cut % len(data)
        data[position:position + 4] = b"\x00\xff!?"
    try:
        parse_bytes(bytes(data), filename=f"damaged.{kind}")
    except ParseError as error:
        assert str(error) and "\n" not in str(error)
