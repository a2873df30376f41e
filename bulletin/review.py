"""What the parser is unsure of, as warnings on the issue: `{"item": seq or None, "code", "message"}`.

    issue = review(segment_text(text))   # adds issue.warnings; returns the issue
    review_ocr(issue, ocr_result)        # marks issue.ocr and warns of low recognition scores

Codes: no_department (not for the lead: every recipient of the issue gets it), long_title,
short_item, long_item, dropped (web chrome or other lines not kept in any item, quoted), front_matter (an editor's note or a table of contents, quoted),
not_a_bulletin, ocr (the text came from OCR), ocr_low_confidence. A reviewer reads them
before anything is pushed.
"""

LONG_TITLE = 40  # characters: a longer title is probably a first sentence taken as a title
SHORT_ITEM = 15  # characters of body
LONG_ITEM = 5000
QUOTE = 60  # characters of a dropped line quoted in a warning
MAX_QUOTED = 40  # dropped lines quoted in one warning


def review(issue, whole=True):
    """`review(issue)` -> issue, with warnings about each doubtful item and the whole issue
    (`whole=False`: the items only, for a JSON upload whose structure was given)."""
    for item in issue.items:
        if not item.department and item.kind != "lead":  # the lead goes to every recipient
            issue.warn(item.seq, "no_department", f"第 {item.seq} 条没有署名单位，不会推送给任何部门的订阅者。")
        if len(item.title) > LONG_TITLE:
            issue.warn(item.seq, "long_title", f"第 {item.seq} 条的标题有 {len(item.title)} 字，可能把正文读成了标题。")
        if len(item.body) < SHORT_ITEM:
            issue.warn(item.seq, "short_item", f"第 {item.seq} 条正文只有 {len(item.body)} 字，可能是被拆开的条目。")
        elif len(item.body) > LONG_ITEM:
            issue.warn(item.seq, "long_item", f"第 {item.seq} 条正文有 {len(item.body)} 字，可能是几条合在了一起。")
    if whole and not (issue.issuer or issue.date or issue.number or issue.footer) \
            and not any(item.department for item in issue.items):
        issue.warn(None, "not_a_bulletin", "没有报头、报送栏，也没有任何署名单位：这份文件可能不是一期简报，请核对各条目后再推送。")
    return issue


def warn_dropped(issue, lines, why, code="dropped"):
    """`warn_dropped(issue, ["网站备案号：…"], "网页元素")`: quote lines that are in no item."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return
    quoted = "；".join(_quote(line) for line in lines[:MAX_QUOTED])
    if len(lines) > MAX_QUOTED:
        quoted += f"；另有 {len(lines) - MAX_QUOTED} 行"
    issue.warn(None, code, f"已略去 {len(lines)} 行{why}：{quoted}")


def _quote(line):
    line = line.strip()
    return f"“{line if len(line) <= QUOTE else line[:QUOTE] + '…'}”"


def review_ocr(issue, result, threshold=None):
    """Mark an issue read through OCR and warn of lines recognised with a low score."""
    from bulletin.ocr import LOW_CONFIDENCE

    issue.ocr = True
    threshold = LOW_CONFIDENCE if threshold is None else threshold
    low = [(text, score) for text, score in result.low if score < threshold]
    if low:
        quoted = "；".join(f"{_quote(text)}（{score:.2f}）" for text, score in low[:8])
        issue.warn(None, "ocr_low_confidence", f"扫描件有 {len(low)} 行识别把握不足，请核对：{quoted}")
    issue.warn(None, "ocr", f"本期由扫描件识别文字（{result.pages} 页，平均置信度 {result.confidence:.2f}），请核对后再推送。")
    return issue
