"""Item precision, recall and F1 of the parser on the corpus (tests/fixtures/corpus), per file and overall.

    .venv/bin/python bench/accuracy.py [--verbose] [NAME_SUBSTRING]

An item counts when its kind, title, department and body all equal an expected item's. Also
checks each file's issuer, date, number and classification (printed as `header ✗` when any
differs) and times OCR per page for scans. Target: F1 >= 0.97 overall, >= 0.9 on every file.
"""

import argparse
import json
import pathlib
import sys
import time
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin import ParseError, parse_file  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
FIELDS = ("kind", "title", "department", "body")


def corpus_files(pattern=""):
    """The corpus's (file, expected) pairs, sorted by name."""
    for expected in sorted(CORPUS.glob("*.expected.json")):
        path = expected.with_name(expected.name[:-len(".expected.json")])
        if pattern in path.name:
            yield path, json.loads(expected.read_text(encoding="utf-8"))


def score(issue_items, expected_items):
    """-> (matched, parsed, expected): items matching on kind, title, department and body."""
    got = Counter(tuple(item.get(f) for f in FIELDS) for item in issue_items)
    want = Counter(tuple(item.get(f) for f in FIELDS) for item in expected_items)
    return sum((got & want).values()), sum(got.values()), sum(want.values())


def header_ok(issue, expected):
    return all(getattr(issue, key) == expected.get(key) for key in ("issuer", "date", "number", "classification"))


def f1(matched, parsed, wanted):
    precision = matched / parsed if parsed else 0.0
    recall = matched / wanted if wanted else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if matched else 0.0)


def evaluate(path, expected):
    """-> dict(matched, parsed, expected, header, seconds, pages, issue or error)."""
    start = time.perf_counter()
    try:
        issue = parse_file(path)
    except ParseError as error:
        return {"matched": 0, "parsed": 0, "expected": len(expected["items"]), "header": False,
                "seconds": time.perf_counter() - start, "error": str(error)}
    seconds = time.perf_counter() - start
    items = [item.to_dict() for item in issue.items]
    matched, parsed, wanted = score(items, expected["items"])
    return {"matched": matched, "parsed": parsed, "expected": wanted, "header": header_ok(issue, expected),
            "seconds": seconds, "issue": issue}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pattern", nargs="?", default="")
    parser.add_argument("--verbose", action="store_true", help="show each mismatched item")
    args = parser.parse_args()
    totals = Counter()
    worst = 1.0
    ocr_seconds, ocr_pages = 0.0, 0
    for path, expected in corpus_files(args.pattern):
        result = evaluate(path, expected)
        precision, recall, score_f1 = f1(result["matched"], result["parsed"], result["expected"])
        worst = min(worst, score_f1)
        totals.update({k: result[k] for k in ("matched", "parsed", "expected")})
        notes = [] if result["header"] else ["header ✗"]
        issue = result.get("issue")
        if issue is not None and issue.ocr:
            pages = next((int(w.message.split("（")[1].split(" 页")[0]) for w in issue.warnings
                          if w.code == "ocr"), 1)
            ocr_seconds += result["seconds"]
            ocr_pages += pages
            notes.append(f"OCR {result['seconds'] / pages:.2f} s/page")
        if "error" in result:
            notes.append("error: " + result["error"])
        print(f"{path.name:36} P {precision:.3f}  R {recall:.3f}  F1 {score_f1:.3f}  "
              f"({result['matched']}/{result['parsed']} of {result['expected']})  " + "  ".join(notes))
        if args.verbose and issue is not None:
            show_mismatches(issue, expected)
    precision, recall, overall = f1(totals["matched"], totals["parsed"], totals["expected"])
    print(f"{'overall':36} P {precision:.3f}  R {recall:.3f}  F1 {overall:.3f}  "
          f"({totals['matched']}/{totals['parsed']} of {totals['expected']})  worst file F1 {worst:.3f}")
    if ocr_pages:
        print(f"OCR (parse of scans, whole): {ocr_seconds / ocr_pages:.2f} s/page over {ocr_pages} pages")


def show_mismatches(issue, expected):
    want = {tuple(item.get(f) for f in FIELDS) for item in expected["items"]}
    for item in issue.items:
        key = tuple(item.to_dict().get(f) for f in FIELDS)
        if key not in want:
            print(f"    got  {item.seq}: {key}")
    got = {tuple(item.to_dict().get(f) for f in FIELDS) for item in issue.items}
    for key in want - got:
        print(f"    want   {key}")
    if not header_ok(issue, expected):
        print(f"    header got {(issue.issuer, issue.date, issue.number, issue.classification)}"
              f" want {tuple(expected.get(k) for k in ('issuer', 'date', 'number', 'classification'))}")


if __name__ == "__main__":
    main()
