"""Bulletin parsing: an issue as text, PDF, DOCX or JSON in; an Issue of Items out. Pure.

    from bulletin import parse_file, parse_bytes, parse_text, ParseError
    issue = parse_file("shangjie-2021-01-06.txt")      # Issue(issuer, date, number, items, …)
    issue = parse_bytes(upload, filename="x.pdf")        # format from magic bytes / type / name
    issue.to_dict()                                      # the `parse --json` shape

Every failure is a ParseError (a ValueError) whose message is one sentence for the user;
over a limit (bulletin.limits) it is a TooLarge (a ParseError with `.limit` and `.status`).
For uploads, `bulletin.bounded.parse_bytes_bounded` parses in a child process with a memory
and time limit as well.
"""

from bulletin.limits import DEFAULT_LIMITS, Limits, TooLarge, check_issue, check_text
from bulletin.model import Issue, Item
from bulletin.errors import ParseError
from bulletin.read import read_bytes
from bulletin.review import review, review_ocr
from bulletin.json_issue import segment_json
from bulletin.segment import segment_paragraphs, segment_text

__all__ = ["Issue", "Item", "Limits", "ParseError", "TooLarge", "parse_bytes", "parse_file",
           "parse_text"]


def parse_text(text, limits=None):
    """`parse_text("中共东城区委办公室 2021年1月6日\\n…")` -> Issue."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("文件是空的，没有可读取的内容。")
    limits = limits or DEFAULT_LIMITS
    check_text(text, limits)
    issue = review(segment_text(text))
    check_issue(issue, limits)
    return issue


def parse_bytes(data, filename=None, content_type=None, limits=None):
    """`parse_bytes(open("a.docx", "rb").read(), filename="a.docx")` -> Issue."""
    limits = limits or DEFAULT_LIMITS
    source = read_bytes(data, filename=filename, content_type=content_type, limits=limits)
    if source.kind == "json":
        issue = review(segment_json(source.data), whole=False)
    elif source.kind == "docx":
        issue = review(segment_paragraphs(source.paragraphs))
    else:
        issue = review(segment_text(source.text))
        if source.ocr is not None:
            review_ocr(issue, source.ocr)
    check_issue(issue, limits)
    return issue


def parse_file(path):
    """`parse_file("issue.pdf")` -> Issue; a missing or unreadable file is a ParseError too."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise ParseError(f"{path} 是一个目录，不是文件。")
    except FileNotFoundError:
        raise ParseError(f"找不到文件：{path}。")
    except OSError as error:
        raise ParseError(f"无法打开文件 {path}：{error.strerror}。")
    return parse_bytes(data, filename=str(path))
