"""Bulletin parsing: an issue as text, PDF, DOCX or JSON in; an Issue of Items out. Pure.

    from bulletin import parse_file, parse_bytes, parse_text, ParseError
    issue = parse_file("shangjie-2021-01-06.txt")      # Issue(issuer, date, number, items, …)
    issue = parse_bytes(upload, filename="x.pdf")        # format from magic bytes / type / name
    issue.to_dict()                                      # the `parse --json` shape

Every failure is a ParseError (a ValueError) whose message is one sentence for the user.
"""

from bulletin.model import Issue, Item
from bulletin.read import ParseError, read_bytes
from bulletin.segment import segment_json, segment_paragraphs, segment_text

__all__ = ["Issue", "Item", "ParseError", "parse_bytes", "parse_file", "parse_text"]


def parse_text(text):
    """`parse_text("中共上街区委办公室 2021年1月6日\\n…")` -> Issue."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("文件是空的，没有可读取的内容。")
    return segment_text(text)


def parse_bytes(data, filename=None, content_type=None):
    """`parse_bytes(open("a.docx", "rb").read(), filename="a.docx")` -> Issue."""
    source = read_bytes(data, filename=filename, content_type=content_type)
    if source.kind == "json":
        return segment_json(source.data)
    if source.kind == "docx":
        return segment_paragraphs(source.paragraphs)
    return parse_text(source.text)


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
