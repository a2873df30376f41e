"""Median time to parse the sample issue and a generated 100-item issue.

    .venv/bin/python bench/parse.py [--runs 50]

One warm-up parse runs before timing starts (pdfplumber's and the parser's imports).
Target: <= 5 ms for the sample. Prints one line per case, then OCR seconds per page for scans.
"""

import argparse
import pathlib
import random
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin import parse_bytes, parse_text  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "shangjie-2021-01-06.txt"
HAN = "安保备比边标表并步材采参测层查产长场车成城承程持充筹出初处传创从村达大带单当导"
UNITS = ["区审计局", "区人社局", "峡窝镇", "工业路街道", "区农委", "区资源规划局", "区教育局"]


def generated_issue(items=100, seed=0):
    """A PDF-text issue: 80 run-in articles and 20 △ briefs, wrapped at 26 with blank lines."""
    rng = random.Random(seed)

    def sentence():
        return ("".join(rng.choices(HAN, k=rng.randint(4, 14))) + "，" + str(rng.randint(1, 2021))
                + "".join(rng.choices(HAN, k=rng.randint(4, 14))) + "。")

    def wrap(text, width=26):
        rows = []
        for char in text:
            if rows and (len(rows[-1]) < width or char in "，。）"):
                rows[-1] += char
            else:
                rows.append(char)
        return rows

    lines = ["中 共上 街 区委 办 公室 2021 年 1 月 6 日"]
    for n in range(items):
        unit = f"（{rng.choice(UNITS)}）"
        if n < items * 4 // 5:
            title = "".join(rng.choices(HAN, k=rng.randint(8, 20)))
            paragraphs = ["".join(sentence() for _ in range(rng.randint(2, 5))) for _ in range(2)]
            lines += wrap(title + " " + paragraphs[0]) + wrap(paragraphs[1] + unit)
        else:
            lines += wrap("△ " + sentence() + sentence() + unit)
    return "\n\n".join(lines)


def median_ms(function, runs):
    """(wall, CPU) medians in ms; CPU time is what a busy machine does not inflate."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    sample = SAMPLE.read_text(encoding="utf-8")
    big = generated_issue()
    parse_text(sample)  # warm up
    issue = parse_text(big)
    assert len(issue.items) == 100, len(issue.items)
    cases = [
        (f"sample text ({len(sample)} chars, 8 items)", lambda: parse_text(sample)),
        (f"generated issue ({len(big)} chars, 100 items)", lambda: parse_text(big)),
        ("sample as GBK bytes (decode + parse)", lambda: parse_bytes(sample.encode("gbk"))),
    ]
    for name, function in cases:
        wall, cpu = median_ms(function, args.runs)
        print(f"{name}: median {wall:.2f} ms wall, {cpu:.2f} ms CPU over {args.runs} runs")
    from tests.test_roundtrip import render_pdf  # reportlab + WenQuanYi, as in the round trip
    pdf = render_pdf([line for line in sample.split("\n") if line.strip()])
    runs = max(3, args.runs // 10)
    wall, cpu = median_ms(lambda: parse_bytes(pdf, filename="sample.pdf"), runs)
    print(f"sample as a {len(pdf) // 1024} KB PDF (pdfplumber + parse): median {wall:.1f} ms wall, "
          f"{cpu:.1f} ms CPU over {runs} runs")
    ocr_figures(max(1, args.runs // 50))


def ocr_figures(runs):
    """OCR seconds per page: a one-page PNG scan and a two-page image-only PDF of the corpus."""
    from bulletin.ocr import _engine, read_image, read_scanned_pdf
    from bulletin.limits import DEFAULT_LIMITS

    corpus = ROOT / "tests" / "fixtures" / "corpus"
    start = time.perf_counter()
    _engine()  # the models load once per process
    print(f"OCR models load: {time.perf_counter() - start:.2f} s once per process")
    png = (corpus / "tongshan-scan.png").read_bytes()
    pdf = (corpus / "nanhu-scan.pdf").read_bytes()
    for name, function in (("PNG scan (150 dpi)", lambda: read_image(png)),
                           ("image-only PDF (rendered at 150 dpi)", lambda: read_scanned_pdf(pdf, DEFAULT_LIMITS))):
        seconds, pages, cpu = [], 1, []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = function()
            seconds.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            pages = result.pages
        print(f"OCR of a {name}: median {statistics.median(seconds) / pages:.2f} s wall, "
              f"{statistics.median(cpu) / pages:.2f} s CPU per page ({pages} page(s), {runs} runs, "
              f"mean line confidence {result.confidence:.3f})")


if __name__ == "__main__":
    main()
