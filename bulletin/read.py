"""Bytes of an uploaded issue -> text or structured paragraphs, by format.

    source = read_bytes(data, filename="jianbao.pdf")   # -> Source(kind="text"|"docx"|"json", ...)

Formats: PDF (pdfplumber), DOCX (python-docx), JSON that already lists items, and plain
text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK. The format is chosen
from magic bytes first, then the declared content type or file extension. Anything that
cannot be read raises ParseError with one sentence a user can act on.
"""

import io
import re
import json
import zipfile
from dataclasses import dataclass, field

from bulletin.errors import ParseError
from bulletin.repair import ends_sentence, starts_block


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_DOCX_UNPACKED = 64 * 1024 * 1024  # bytes, all members together
MAX_DOCX_RATIO = 200  # uncompressed / compressed, per member
KIND_BY_EXTENSION = {".pdf": "pdf", ".docx": "docx", ".json": "json", ".txt": "text", ".text": "text",
                     ".png": "image", ".jpg": "image", ".jpeg": "image"}
KIND_BY_TYPE = {"application/pdf": "pdf", DOCX_TYPE: "docx", "application/json": "json",
                "text/plain": "text", "image/png": "image", "image/jpeg": "image"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
NAMES = {"pdf": "PDF", "docx": "Word（.docx）", "json": "JSON", "text": "文本", "image": "图片"}


@dataclass
class Paragraph:
    """One DOCX paragraph: its text and what its formatting says about titles."""
    text: str
    heading: bool = False  # a heading style, or wholly bold and no sentence: the paragraph is a title
    bold_prefix: int = 0  # length of a bold run-in title (no sentence end) at the start of the text
    row: bool = False  # a row of a data table: its cells' texts joined by tabs


@dataclass
class Source:
    kind: str  # "text" (plain or PDF text), "docx" or "json"
    text: str = ""
    paragraphs: list = field(default_factory=list)
    data: dict | None = None
    ocr: object = None  # bulletin.ocr.OcrText when the text was read from page images


def read_bytes(data, filename=None, content_type=None, limits=None):
    """`read_bytes(b"%PDF-1.7...")` -> Source; raises ParseError if the bytes cannot be read.

    `limits` (bulletin.limits.Limits, default DEFAULT_LIMITS): over one, TooLarge (a ParseError).
    """
    from bulletin import limits as bounds

    limits = limits or bounds.DEFAULT_LIMITS
    if not data or not data.strip():
        raise ParseError("文件是空的，没有可读取的内容。")
    bounds.check_size(data, limits)
    declared = declared_kind(filename, content_type)
    sniffed = sniff(data)
    if declared in ("pdf", "docx", "image") and sniffed != declared:
        raise ParseError(f"文件声明为 {NAMES[declared]}，但内容不是有效的 {NAMES[declared]} 文件。")
    kind = sniffed if sniffed in ("pdf", "docx", "doc", "image") else (declared or sniffed)
    if kind == "doc":
        raise ParseError("不支持旧版 Word（.doc）文件，请另存为 .docx 或 PDF 后再上传。")
    if kind == "image":
        from bulletin.ocr import read_image
        return ocr_source(read_image(data), limits)
    if kind == "pdf":
        bounds.check_pdf(data, limits)
        text = read_pdf(data, scanned_ok=True)
        if text is None:  # no text layer: a scan
            from bulletin.ocr import read_scanned_pdf
            return ocr_source(read_scanned_pdf(data, limits), limits)
        bounds.check_text(text, limits)
        return Source("text", text=text)
    if kind == "docx":
        check_zip(data)
        bounds.check_docx(data, limits)
        paragraphs = read_docx(data)
        bounds.check_text("".join(p.text for p in paragraphs), limits)
        return Source("docx", paragraphs=paragraphs)
    text = decode_text(data)
    bounds.check_text(text, limits)
    if kind == "json" or (declared in (None, "text") and text.lstrip().startswith("{")):
        bounds.check_json_depth(text, limits)
        return Source("json", data=read_json(text))
    return Source("text", text=text)


def ocr_source(result, limits):
    """An OCR result (bulletin.ocr.OcrText) -> Source of kind "text" marked as OCR'd."""
    from bulletin import limits as bounds

    bounds.check_text(result.text, limits)
    return Source("text", text=result.text, ocr=result)


def declared_kind(filename, content_type):
    """`declared_kind("a.PDF", None)` -> "pdf": what the uploader says the file is, or None."""
    if content_type:
        kind = KIND_BY_TYPE.get(content_type.split(";")[0].strip().lower())
        if kind:
            return kind
    if filename:
        name = str(filename).lower()
        for extension, kind in KIND_BY_EXTENSION.items():
            if name.endswith(extension):
                return kind
    return None


def sniff(data):
    """`sniff(b"%PDF-1.4")` -> "pdf"; "docx", "doc", "zip" or "text" from the first bytes."""
    if data[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if _zip_has(data, "word/document.xml") else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return "image"
    return "text"


def _zip_has(data, name):
    try:
        return name in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def decode_text(data):
    """`decode_text("简报".encode("gbk"))` -> "简报": UTF-8 (BOM or not), UTF-16 BOM, GB18030."""
    text = _decode(data)
    if text is None or not _looks_like_text(text):
        raise ParseError("无法识别文件的文字编码，请另存为 UTF-8 文本、Word（.docx）或 PDF。")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return _try(data[3:], "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _try(data, "utf-16")
    for encoding in ("utf-8", "gb18030"):
        text = _try(data, encoding)
        if text is not None:
            return text
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    return str(best) if best is not None else None


def _try(data, encoding):
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_like_text(text):
    """Binary data decoded by accident is full of control characters."""
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls <= len(text) // 100


def read_json(text):
    """`read_json('{"items": [...]}')` -> the dict, or ParseError naming the fault."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ParseError("JSON 嵌套过深，无法读取。")
    except json.JSONDecodeError as error:
        raise ParseError(f"JSON 格式错误（第 {error.lineno} 行第 {error.colno} 列）：{error.msg}。")
    if not isinstance(data, dict):
        raise ParseError("JSON 顶层必须是一个对象，包含 issuer、date、number 和 items。")
    return data


def read_pdf(data, scanned_ok=False):
    """`read_pdf(pdf_bytes)` -> the text of every page, in order (pdfplumber).

    A PDF with no text layer (a scan) is a ParseError, or None when `scanned_ok`.
    """
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_text(page) for page in pdf.pages]
    except MemoryError:
        raise  # bulletin.bounded turns it into TooLarge("memory")
    except Exception as error:  # pdfminer raises many kinds on a broken file
        if _out_of_memory(error):
            raise MemoryError(str(error))
        if _encrypted(error):
            raise ParseError("PDF 文件已加密，请上传未加密的版本。")
        raise ParseError("PDF 文件已损坏，无法读取。")
    text = "\n".join(pages)
    if not text.strip():
        if scanned_ok:
            return None
        raise ParseError("PDF 中没有可提取的文字（可能是扫描件），请上传文字版 PDF、Word 或文本。")
    return text


def _page_text(page):
    """A page's text lines (pdfplumber), a line starting clearly right of the page's left margin
    marked as indented (two ideographic spaces): a paragraph's first line or a centred title."""
    import statistics

    lines = page.extract_text_lines(return_chars=True)
    if not lines:
        return ""
    margin = min(line["x0"] for line in lines)
    widths = [c["x1"] - c["x0"] for line in lines for c in line["chars"] if c["text"].strip()]
    em = statistics.median(widths) if widths else 10
    return "\n".join(("\u3000\u3000" if line["x0"] - margin > 1.5 * em else "") + _gaps_kept(line, em)
                     for line in lines)


def _gaps_kept(line, em):
    """A line's text with each gap wider than 1.5 em (between a table's cells) as a run of spaces
    as wide as the gap, as `pdftotext -layout` prints it (bulletin.columns reads the rows); the
    text as pdfplumber joined it otherwise."""
    chars = [c for c in line["chars"] if c["text"].strip()]
    if "".join(c["text"] for c in chars) != re.sub(r"\s", "", line["text"]):
        return line["text"]
    out = chars[:1] and [chars[0]["text"]]
    wide = False
    for before, char in zip(chars, chars[1:]):
        gap = char["x0"] - before["x1"]
        if gap > 1.5 * em:
            out.append(" " * max(2, round(gap / (em / 2))))
            wide = True
        elif gap > 3:  # pdfplumber's own word gap (x_tolerance)
            out.append(" ")
        out.append(char["text"])
    return "".join(out) if wide else line["text"]


def _out_of_memory(error):
    """pdfplumber wraps pdfminer's errors; zlib's allocation failure is one (under a memory limit)."""
    causes = [error, *getattr(error, "args", ()), error.__cause__, error.__context__]
    return any(isinstance(c, MemoryError) for c in causes) or "allocate" in str(error)


def _encrypted(error):
    """pdfminer's password errors, possibly wrapped by pdfplumber."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    causes = [error, *getattr(error, "args", ())]
    return any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes)


def read_docx(data):
    """`read_docx(docx_bytes)` -> [Paragraph]: body paragraphs and table cells, in order."""
    check_zip(data)  # again when called alone
    import docx
    from docx.table import Table

    from bulletin.word_lists import WordLists

    try:
        document = docx.Document(io.BytesIO(data))
        lists = WordLists(document)
        paragraphs = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                paragraphs.extend(_table_paragraphs(block, lists))
            else:
                paragraphs.extend(_text_boxes(block, lists))
                paragraphs.append(docx_paragraph(block, lists))
    except (ParseError, MemoryError):
        raise
    except Exception:  # python-docx raises many kinds on a broken package
        raise ParseError("Word 文件已损坏，无法读取。")
    return paragraphs


def _text_boxes(paragraph, lists):
    """The paragraphs of the text boxes anchored in a paragraph, before its own text: a
    masthead is often set in a text box (`w:txbxContent`), which python-docx's text skips.
    Word writes a box twice, as DrawingML and as a VML fallback (`mc:Fallback`): read once."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    for box in paragraph._p.iter(f"{W}txbxContent"):
        if any(a.tag == f"{MC}Fallback" for a in box.iterancestors()):
            continue  # the fallback copy (a box inside a box comes after its outer box)
        for child in box:
            if child.tag == f"{W}p":
                inner = DocxParagraph(child, paragraph._parent)
                yield docx_paragraph(inner, lists)
            elif child.tag == f"{W}tbl":
                yield from _table_paragraphs(Table(child, paragraph._parent), lists)


def _table_paragraphs(table, lists=None):
    """A table's content, row by row. A data table (a row with text in two or more cells: a
    figures table, a list of units and their progress) gives one Paragraph per row, the
    cells joined by tabs (`row=True`: never a title); a one-column table (a box around a
    brief, a footer) gives its cells' paragraphs as body paragraphs."""
    rows = list(_table_cells(table))
    if any(sum(1 for cell in row if cell.text.strip()) >= 2 for row in rows):
        for row in rows:
            cells = [" ".join(p.text for p in cell.paragraphs).replace("\n", " ").strip() for cell in row]
            if any(cells):
                yield Paragraph(text="\t".join(c for c in cells if c), row=True)
        return
    for row in rows:
        for cell in row:
            yield from (docx_paragraph(p, lists) for p in cell.paragraphs)


def _table_cells(table):
    """Each row's cells, every cell once. A merged cell is listed at each grid position it
    covers; it is recognised by its `<w:tc>` element itself (the set holds the elements, so
    lxml hands back the same proxy: an `id()` of a dropped proxy is reused and loses cells)."""
    seen = set()
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:  # merged cells repeat
                continue
            seen.add(cell._tc)
            cells.append(cell)
        yield cells


def check_zip(data):
    """`check_zip(data)`: ParseError for a corrupt archive or a zip bomb, before python-docx unpacks."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ParseError("Word 文件已损坏，无法读取。")
    total = sum(m.file_size for m in members)
    bomb = any(m.file_size > MAX_DOCX_RATIO * max(m.compress_size, 1) and m.file_size > 1_000_000
               for m in members)
    if total > MAX_DOCX_UNPACKED or bomb:
        raise ParseError("Word 文件解压后过大（疑似压缩炸弹），已拒绝读取。")


def docx_paragraph(paragraph, lists=None):
    """A python-docx paragraph -> Paragraph(text, heading, bold_prefix); `lists`
    (bulletin.word_lists.WordLists) puts the bullet or number Word draws in front of the text."""
    marker = lists.marker(paragraph) if lists is not None else ""
    text = paragraph.text
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    heading = style.lower().startswith(("heading", "title")) or style.startswith(("标题",))
    position, bold_prefix, in_prefix, all_bold, seen_text = 0, 0, True, True, False
    for run in paragraph.runs:
        if run.text.strip():
            seen_text = True
            if _is_bold(run, paragraph):
                bold_prefix = position + len(run.text) if in_prefix else bold_prefix
            else:
                in_prefix = all_bold = False
        position += len(run.text)
    heading = heading or (seen_text and all_bold and not lead_sentence(text))
    if heading or bold_prefix >= len(text.rstrip()) or lead_sentence(text[:bold_prefix]):
        bold_prefix = 0
    if marker and text.strip() and not starts_block(text.strip()):  # a number typed as well: once
        text, bold_prefix = marker + text, bold_prefix + len(marker) if bold_prefix else 0
    return Paragraph(text=text, heading=heading and bool(text.strip()), bold_prefix=bold_prefix)


def lead_sentence(text):
    """`lead_sentence("搭建招聘平台。")` -> True: bold text that ends a sentence (or a clause
    before a colon) is a topic sentence set in bold, common in official writing, not a title:
    titles carry no sentence end."""
    text = text.strip()
    return bool(text) and (ends_sentence(text) or text.endswith(("：", ":")))


def _is_bold(run, paragraph):
    if run.bold is not None:
        return bool(run.bold)
    style = paragraph.style
    while style is not None:
        if style.font is not None and style.font.bold is not None:
            return bool(style.font.bold)
        style = style.base_style
    return False
