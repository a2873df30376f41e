"""Reading within bounds: each hostile upload of issue 12, parsed by `parse_bytes_bounded` in a
child process, is refused with the right limit — checking the answer, the CPU time and the
memory of the child and the memory of this (the caller's) process.

Costs are CPU seconds (getrusage), never wall seconds: on a machine shared with other test runs
the wall time of the same work grows with the load, its CPU time does not.

    pytest tests/test_bounded.py
"""

import resource
import time

import pytest

from bulletin import ParseError, parse_bytes
from bulletin.bounded import parse_bytes_bounded
from bulletin.limits import DEFAULT_LIMITS, Limits, TooLarge, inflated_size
from tests import hostile_files as hostile

pytestmark = pytest.mark.slow  # child processes / hypothesis

# CPU seconds of the child: the costliest refusal here (the bomb with its stream check lifted,
# inflated twice) takes ~4.5 s, a refusal by count ~0.5 s (the interpreter's start); the child's
# CPU limit is limits.seconds + 1 = 91 s, so a refusal that came from burning it fails this.
GENEROUS_CPU_SECONDS = 30


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def children_cpu():
    """CPU seconds of the reaped children so far (parse_bytes_bounded joins its child)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def refused(data, limit, status, filename=None, limits=None):
    before, cpu = rss_mb(), children_cpu()
    with pytest.raises(TooLarge) as caught:
        parse_bytes_bounded(data, filename=filename, limits=limits)
    seconds = children_cpu() - cpu
    assert caught.value.limit == limit, str(caught.value)
    assert caught.value.status == status
    assert str(caught.value) and "\n" not in str(caught.value)
    assert seconds < GENEROUS_CPU_SECONDS
    assert rss_mb() - before < 100  # the caller did not read the file into structures
    assert children_mb() <= (limits or DEFAULT_LIMITS).memory_mb
    return caught.value


@pytest.fixture(scope="module")
def bomb():
    return hostile.bomb_pdf(1024)


def test_a_3000_page_pdf_is_refused_by_its_page_count():
    error = refused(hostile.many_page_pdf(3000), "pages", 413, filename="a.pdf")
    assert "3000" in str(error)


def test_a_10000_page_pdf_is_refused_not_turned_into_10000_items():
    refused(hostile.many_page_pdf(10_000), "pages", 413)


def test_a_one_line_text_of_9_9_mb_is_refused_by_its_length():
    refused(hostile.long_line_text(9.9), "text_chars", 413, filename="a.txt")


def test_json_nested_100000_deep_is_refused_before_json_loads():
    refused(hostile.deep_json(100_000), "json_depth", 422, filename="a.json")
    with pytest.raises(TooLarge):  # in process too: no RecursionError reaches the caller
        parse_bytes(hostile.deep_json(100_000), filename="a.json")


def test_a_decompression_bomb_pdf_is_refused_without_inflating_it(bomb):
    assert len(bomb) < 1_500_000
    refused(bomb, "inflated_bytes", 413, filename="bomb.pdf")


def test_the_bomb_with_the_stream_check_lifted_is_stopped_by_the_memory_limit(bomb):
    limits = Limits(inflated_bytes=1 << 40, memory_mb=700)
    refused(bomb, "memory", 413, limits=limits)


def test_a_slow_parse_is_stopped_by_the_time_limit():
    limits = Limits(pages=100_000, seconds=1)
    refused(hostile.many_page_pdf(3000), "seconds", 413, limits=limits)


def test_a_docx_of_750000_paragraphs_is_refused_by_counting_them():
    refused(hostile.many_paragraph_docx(750_000), "paragraphs", 413, filename="a.docx")


def test_a_department_of_40000_characters_is_refused():
    error = refused(hostile.long_department_json(40_000), "department_chars", 422, filename="a.json")
    assert "40000" in str(error)


def test_too_many_items_and_long_titles():
    items = "\n".join(f"△ 某单位开展第{n}次检查，发现问题{n}个。（某局）" for n in range(50))
    with pytest.raises(TooLarge) as caught:
        parse_bytes(items.encode(), limits=Limits(items=20))
    assert caught.value.limit == "items" and caught.value.status == 413
    data = ('{"items": [{"title": "%s", "body": "正文。"}]}' % ("标" * 500)).encode()
    with pytest.raises(TooLarge) as caught:
        parse_bytes(data)
    assert caught.value.limit == "title_chars"


def test_an_upload_over_the_byte_limit_starts_no_child():
    cpu = children_cpu()
    with pytest.raises(TooLarge) as caught:
        parse_bytes_bounded(b"x" * 2048, limits=Limits(bytes=1024))
    assert caught.value.limit == "bytes"
    assert children_cpu() - cpu < 0.1  # a spawned child's interpreter alone costs ~0.4 s of CPU


def test_a_good_issue_parses_in_the_child_exactly_as_in_process(sample_path):
    data = sample_path.read_bytes()
    assert parse_bytes_bounded(data, filename="a.txt").to_dict() == parse_bytes(data).to_dict()


def test_a_bad_file_is_a_plain_parse_error_from_the_child():
    with pytest.raises(ParseError) as caught:
        parse_bytes_bounded(b"%PDF-1.4 broken", filename="a.pdf")
    assert not isinstance(caught.value, TooLarge)


def test_inflated_size_stops_counting_past_the_ceiling(bomb):
    start = time.process_time()
    assert inflated_size(bomb, 64 << 20) > 64 << 20
    assert time.process_time() - start < 1  # ~0.15 s; counting all 1 GB costs ~2.5 s of CPU


def test_a_scan_is_read_through_ocr_within_the_child_limits():
    from tests.conftest import FIXTURES

    data = (FIXTURES / "corpus" / "yunxi-scan.png").read_bytes()
    issue = parse_bytes_bounded(data, filename="scan.png")
    assert issue.ocr and len(issue.items) == 3
    assert children_mb() <= DEFAULT_LIMITS.memory_mb
