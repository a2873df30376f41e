"""The parser's one error type (its subclasses: bulletin.limits.TooLarge).

    raise ParseError("无法识别文件的文字编码，请另存为 UTF-8 文本、Word（.docx）或 PDF。")
"""


class ParseError(ValueError):
    """An issue that cannot be read or holds no items; str(error) is one sentence for the user."""
