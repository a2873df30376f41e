"""Small generators of hostile uploads (nothing huge is committed; each is built in a second).

    many_page_pdf(3000)            # N pages sharing one content stream (~0.9 KB a page)
    bomb_pdf(1024)                 # one page whose content stream inflates to N MB
    long_line_text(9.9)            # one line of N MB of UTF-8
    deep_json(100_000)             # [[[[…]]]] nested N deep
    many_paragraph_docx(750_000)   # a DOCX of N paragraphs
    long_department_json(40_000)   # a JSON issue whose department is N characters
"""

import io
import json
import zipfile
import zlib

CONTENT = b"BT /F1 12 Tf 72 720 Td (Page) Tj ET"


def _pdf(objects):
    """objects: list of bytes bodies for objects 1..n -> a PDF with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def many_page_pdf(pages, content=CONTENT):
    """A valid PDF of `pages` pages (objects: catalog, pages, font, content, then each page)."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>")
    objects += [page] * pages
    return _pdf(objects)


def bomb_pdf(megabytes=1024):
    """One page whose Flate content stream (about 1 MB) inflates to `megabytes` MB of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    stream = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"]
    return _pdf(objects)


def long_line_text(megabytes=9.9):
    return ("简报内容" * int(megabytes * 1024 * 1024 / 12)).encode("utf-8")


def deep_json(depth=100_000):
    return ("[" * depth + "]" * depth).encode()


def many_paragraph_docx(paragraphs=750_000):
    body = b"".join(b"<w:p><w:r><w:t>\xe6\xae\xb5%d</w:t></w:r></w:p>" % n for n in range(paragraphs))
    document = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                b"<w:body>" + body + b"</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("_rels/.rels",
                         '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def long_department_json(chars=40_000):
    return json.dumps({"issuer": "某区委办公室", "date": "2024-03-01", "number": "第1期",
                       "items": [{"title": "某局开展培训", "body": "某局组织干部开展业务培训。",
                                  "department": "局" * chars}]}, ensure_ascii=False).encode()
