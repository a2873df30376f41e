"""Bounds on what one upload may make the parser do, and the checks that enforce them early.

    from bulletin.limits import Limits, TooLarge, DEFAULT_LIMITS
    limits = Limits(pages=20)                 # any field may be lowered (or raised) per caller
    check_pdf(data, limits)                   # pages and inflated stream size, before extraction
    check_json_depth(text, limits)            # nesting depth, before json.loads
    try: ...
    except TooLarge as error: error.limit, error.status, str(error)   # "pages", 413, 一句话

A bulletin is a few pages and a few dozen items; every default is many times that. Each check
costs far less than what it prevents (counting pages does not extract them, measuring an
inflated stream does not keep it). Time and memory are bounded by `bulletin.bounded`.
"""

import io
import re
import zlib
from dataclasses import dataclass
from itertools import accumulate

from bulletin.errors import ParseError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the upload itself
MAX_PAGES = 60  # PDF pages (a bulletin has 2–20)
MAX_OCR_PAGES = 6  # pages of a scan read through OCR (about 5–10 s of CPU each)
MAX_ITEMS = 300  # items in one issue
MAX_TITLE_CHARS = 200  # characters in one title
MAX_DEPARTMENT_CHARS = 60  # characters in one department (attribution)
MAX_TEXT_CHARS = 400_000  # characters of text after reading (about 200 pages of prose)
MAX_PARAGRAPHS = 20_000  # DOCX paragraphs
MAX_INFLATED_BYTES = 256 * 1024 * 1024  # all of a PDF's compressed streams, inflated
MAX_JSON_DEPTH = 32  # nesting of JSON arrays and objects
MAX_SECONDS = 90.0  # wall time of one bounded parse (OCR included)
MAX_MEMORY_MB = 2048  # address space of the child process that parses

# Which HTTP status a caller should answer for each limit: too much (413) or malformed (422).
STATUS = {"bytes": 413, "pages": 413, "ocr_pages": 413, "items": 413, "text_chars": 413,
          "paragraphs": 413, "inflated_bytes": 413, "memory": 413, "seconds": 413,
          "json_depth": 422, "title_chars": 422, "department_chars": 422}


@dataclass(frozen=True)
class Limits:
    bytes: int = MAX_UPLOAD_BYTES
    pages: int = MAX_PAGES
    ocr_pages: int = MAX_OCR_PAGES
    items: int = MAX_ITEMS
    title_chars: int = MAX_TITLE_CHARS
    department_chars: int = MAX_DEPARTMENT_CHARS
    text_chars: int = MAX_TEXT_CHARS
    paragraphs: int = MAX_PARAGRAPHS
    inflated_bytes: int = MAX_INFLATED_BYTES
    json_depth: int = MAX_JSON_DEPTH
    seconds: float = MAX_SECONDS
    memory_mb: int = MAX_MEMORY_MB


DEFAULT_LIMITS = Limits()


class TooLarge(ParseError):
    """An upload over one of the limits: `error.limit` names it, `error.status` is 413 or 422.

    A ParseError, so a caller that only knows ParseError still answers 4xx with the reason.
    """

    def __init__(self, limit, message):
        super().__init__(message)
        self.limit = limit
        self.status = STATUS.get(limit, 413)


def check_size(data, limits):
    if len(data) > limits.bytes:
        raise TooLarge("bytes", f"文件过大（{len(data) // 1024} KB），上限为 {limits.bytes // 1024} KB。")


def check_text(text, limits):
    if len(text) > limits.text_chars:
        raise TooLarge("text_chars", f"文字过多（{len(text)} 字），一期简报的上限为 {limits.text_chars} 字。")


def check_pages(count, limits, ocr=False):
    limit, name = (limits.ocr_pages, "ocr_pages") if ocr else (limits.pages, "pages")
    if count > limit:
        what = "扫描件页数" if ocr else "PDF 页数"
        raise TooLarge(name, f"{what}过多（{count} 页），上限为 {limit} 页。")


def pdf_page_count(data):
    """`pdf_page_count(pdf_bytes)` -> pages, or None when pdfium cannot open the file."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except Exception:  # broken or encrypted: pdfplumber reports it in its own words
        return None
    try:
        return len(document)
    finally:
        document.close()


STREAM = re.compile(rb"stream\r?\n")


def inflated_size(data, ceiling):
    """`inflated_size(pdf_bytes, ceiling)` -> bytes all Flate streams inflate to, stopping past ceiling.

    Inflates in 1 MB steps and keeps nothing, so a 1 GB bomb costs a second, not a gigabyte.
    """
    total = 0
    for match in STREAM.finditer(data):
        inflater = zlib.decompressobj()
        position, chunk = match.end(), data[match.end():match.end() + 65536]
        try:
            while chunk:
                out = inflater.decompress(chunk, 1 << 20)
                total += len(out)
                while inflater.unconsumed_tail and not inflater.eof and total <= ceiling:
                    out = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
                    total += len(out)
                if total > ceiling or inflater.eof:
                    break
                position += len(chunk)
                chunk = data[position:position + 65536]
        except zlib.error:
            continue  # not a Flate stream (an image, or plain content)
        if total > ceiling:
            break
    return total


def check_pdf(data, limits):
    """Pages and inflated size of a PDF, before any page is extracted."""
    count = pdf_page_count(data)
    if count is not None:
        check_pages(count, limits)
    total = inflated_size(data, limits.inflated_bytes)
    if total > limits.inflated_bytes:
        raise TooLarge("inflated_bytes", f"PDF 解压后过大（超过 {limits.inflated_bytes // 1048576} MB，"
                                         "疑似压缩炸弹），已拒绝读取。")
    return count


def check_docx(data, limits):
    """Paragraphs of a DOCX (`<w:p>` elements of word/document.xml), counted while inflating."""
    import zipfile

    count, tail = 0, b""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("word/document.xml") as member:
            while count <= limits.paragraphs:
                chunk = member.read(1 << 20)
                if not chunk:
                    break
                window = tail + chunk
                count += window.count(b"<w:p>") + window.count(b"<w:p ")
                tail = window[-5:]
                count -= tail.count(b"<w:p>") + tail.count(b"<w:p ")  # counted again next round
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        return  # read_docx reports a broken package
    if count > limits.paragraphs:
        raise TooLarge("paragraphs", f"Word 文件段落过多（超过 {limits.paragraphs} 段），不像一期简报。")


def check_json_depth(text, limits):
    """Nesting of arrays and objects, counted outside strings, before json.loads recurses."""
    brackets = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    steps = [1 if c in "[{" else -1 for c in re.findall(r"[\[\]{}]", brackets)]
    depth = max(accumulate(steps), default=0)
    if depth > limits.json_depth:
        raise TooLarge("json_depth", f"JSON 嵌套过深（{depth} 层），上限为 {limits.json_depth} 层。")


def check_issue(issue, limits):
    """Items per issue, characters per title and per department."""
    if len(issue.items) > limits.items:
        raise TooLarge("items", f"条目过多（{len(issue.items)} 条），一期简报的上限为 {limits.items} 条。")
    for item in issue.items:
        if len(item.title) > limits.title_chars:
            raise TooLarge("title_chars", f"第 {item.seq} 条的标题过长（{len(item.title)} 字），"
                                          f"上限为 {limits.title_chars} 字。")
        for name in [item.department or "", *item.departments]:
            if len(name) > limits.department_chars:
                raise TooLarge("department_chars", f"第 {item.seq} 条的部门名称过长（{len(name)} 字），"
                                                   f"上限为 {limits.department_chars} 字。")
