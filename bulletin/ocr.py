"""Scanned issues: page images -> text lines through OCR, laid out like extracted PDF text.

    result = read_image(png_bytes)               # OcrText(text, pages=1, confidence, low, seconds)
    result = read_scanned_pdf(pdf_bytes, limits) # each page rendered by pdfium at 200 dpi, then OCR

The model is PP-OCRv4 (detection + recognition) shipped inside the `rapidocr-onnxruntime`
wheel; it runs on the CPU through onnxruntime and is loaded once per process. Nothing is
downloaded. Recognised boxes are put back into lines (by their vertical centre), boxes on one
line are joined with a run of spaces when far apart (issuer  date), and a line that starts
clearly right of the page's left margin is indented (a paragraph start or a centred title),
which is what `bulletin.repair` expects of PDF text.
"""

import functools
import io
import statistics
import time
from dataclasses import dataclass, field

from bulletin.errors import ParseError

RENDER_SCALE = 150 / 72  # pdfium renders at 72 dpi × scale; 150 dpi reads 12 pt text well
LOW_CONFIDENCE = 0.80  # a line recognised with less is quoted in a warning
MAX_IMAGE_PIXELS = 40_000_000  # a larger picture is refused before it is decoded


@dataclass
class OcrText:
    text: str
    pages: int
    confidence: float  # mean line score, 0..1
    low: list = field(default_factory=list)  # [(line text, score)] under LOW_CONFIDENCE
    seconds: float = 0.0


@functools.lru_cache(maxsize=1)
def _engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:  # pragma: no cover - the package is in requirements.txt
        raise ParseError("无法读取扫描件：未安装文字识别组件（rapidocr-onnxruntime）。")
    return RapidOCR()


def read_image(data):
    """`read_image(open("scan.png", "rb").read())` -> OcrText for one photographed or scanned page."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            from bulletin.limits import TooLarge
            raise TooLarge("bytes", f"图片过大（{image.width}×{image.height} 像素），无法识别。")
        image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ParseError("图片已损坏或格式不受支持，请上传 PNG 或 JPEG。")
    return _recognise([image])


def read_scanned_pdf(data, limits):
    """`read_scanned_pdf(pdf_bytes, limits)` -> OcrText: every page rendered, then recognised."""
    import pypdfium2 as pdfium

    from bulletin.limits import check_pages

    try:
        document = pdfium.PdfDocument(data)
    except Exception:
        raise ParseError("PDF 文件已损坏，无法读取。")
    try:
        check_pages(len(document), limits, ocr=True)
        images = [document[i].render(scale=RENDER_SCALE).to_pil().convert("RGB") for i in range(len(document))]
    except (ParseError, MemoryError):
        raise
    except Exception:  # pdfium: a page that cannot be loaded or rendered
        raise ParseError("PDF 文件已损坏，无法读取。")
    finally:
        document.close()
    return _recognise(images)


def _recognise(images):
    import numpy

    start = time.perf_counter()
    engine = _engine()
    pages, scores, low = [], [], []
    for image in images:
        pixels = numpy.asarray(image)
        try:
            result, _ = engine(pixels[:, :, ::-1], use_cls=False)  # BGR like OpenCV; pages are upright
        except MemoryError:
            raise
        except Exception:  # the recogniser on a picture it cannot handle (too small, one colour…)
            raise ParseError("无法识别扫描件中的文字，请上传更清晰的扫描件或文字版文件。")
        boxes = [(box, text, float(score)) for box, text, score in (result or []) if text.strip()]
        pages.append(layout(boxes, ink=pixels.min(axis=2)))
        for _, text, score in boxes:
            scores.append(score)
            if score < LOW_CONFIDENCE:
                low.append((text, score))
    text = cjk_punctuation("\n".join(pages))
    if not text.strip():
        raise ParseError("扫描件中没有识别出文字，请上传更清晰的扫描件或文字版文件。")
    confidence = statistics.fmean(scores) if scores else 0.0
    return OcrText(text, len(images), confidence, low, time.perf_counter() - start)


def layout(boxes, ink=None):
    """[(box, text, score)] of one page -> its text, one printed line per line.

    A box is four corner points; boxes whose vertical centres are within half a line height
    share a line. A line starting more than 1.5 character widths right of the leftmost text
    is indented with two ideographic spaces. With the page's grey levels (`ink`), a line whose
    text starts about one character right of the margin with ink in that gap begins with a
    glyph the recogniser does not read: a bullet (`◆ ★ ■`), written as `●`.
    """
    if not boxes:
        return ""
    placed = []
    for box, text, _ in boxes:
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        placed.append((min(xs), max(xs), (min(ys) + max(ys)) / 2, max(ys) - min(ys), text.strip()))
    height = statistics.median(p[3] for p in placed)
    char = statistics.median((p[1] - p[0]) / max(len(p[4]), 1) for p in placed)
    placed.sort(key=lambda p: p[2])
    rows = []
    for p in placed:
        if rows and abs(p[2] - rows[-1][-1][2]) < height / 2:
            rows[-1].append(p)
        else:
            rows.append([p])
    margin = min(p[0] for p in placed)
    lines = []
    for row in rows:
        row.sort(key=lambda p: p[0])
        text = row[0][4]
        for before, after in zip(row, row[1:]):
            gap = after[0] - before[1]
            text += ("    " if gap > 2 * char else " " if gap > 0.6 * char else "") + after[4]
        offset = row[0][0] - margin
        indent = "\u3000\u3000" if offset > 1.5 * char else ""
        if not indent and ink is not None and 0.6 * char < offset and _inked(ink, row[0], margin, height):
            indent = "●"
        lines.append(indent + text)
    return "\n".join(lines)


def _inked(ink, box, margin, height):
    """Dark pixels between the margin and the box's left edge, at the box's height."""
    x0, _, middle, _, _ = box
    top, bottom = int(middle - height / 3), int(middle + height / 3)
    region = ink[max(top, 0):bottom, int(margin):int(x0) - 2]
    return region.size > 0 and (region < 128).mean() > 0.05


HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}


def cjk_punctuation(text):
    """`cjk_punctuation('按照"西美"要求,强化')` -> '按照“西美”要求，强化'.

    The recogniser often answers ASCII punctuation for the fullwidth marks Chinese print uses:
    next to a Chinese character they become fullwidth again, straight quotes become curly
    (opening or closing by the quotes before them).
    """
    out, open_quote = [], False
    for index, char in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if char in "“”\"":
            if char == "\"":
                char = "”" if open_quote else "“"
            open_quote = char == "“"
        elif char in HALF_TO_FULL and (_han(before) or _han(after)):
            char = HALF_TO_FULL[char]
        elif char == "\n":
            open_quote = open_quote and not _ends_paragraph(out)
        out.append(char)
    return "".join(out)


def _han(char):
    return "\u3400" <= char <= "\u9fff"


def _ends_paragraph(out):
    return bool(out) and out[-1] in "。！？"
