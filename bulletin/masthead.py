"""The header (masthead, issuer, date, issue number) and footer (报/送/发, 共印X份) of an issue.

    header_length(lines)                        # how many leading lines are header
    footer_start(lines, start)                  # index where the footer begins (or len(lines))
    footer_text("本期编辑：张三  签发：李四")      # -> "本期编辑：张三 签发：李四": one space between fields
    fields_text("联系人：王五电话：1234567")       # -> "联系人：王五 电话：1234567" (a contact line too)
    is_running_header("某某简报 第3期", header)   # a page's running header repeating the masthead
    header_fields("中共东城区委办公室2021年1月6日")   # -> ("中共东城区委办公室", "2021-01-06", None)
"""

import re

from bulletin.repair import SENTENCE_PUNCT, fix_spaces, width
from bulletin.titles import attribution, joint_units
from bulletin.traditional import fold

DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})(?:\s*日|(?![\d月日号]))"
                  r"|(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
CN_DATE = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
NUMBER = re.compile(r"(?<!总)第\s*([0-9０-９一二三四五六七八九十百零〇]+)\s*期")
BARE_NUMBER = re.compile(r"(?<![总第\d])([0-9０-９]{1,5})\s*期")  # `20期`, `1886 期` (no 第)
PAGE_LABEL = re.compile(r"第\s*[0-9０-９一二三四五六七八九十]+\s*版|[（(]?\s*共\s*\d+\s*版\s*[）)]?")
CLASSIFICATION = re.compile(r"(绝密|机密|秘密)(?:\s*★\s*([0-9一二三四五六七八九十]+\s*(?:年|个月|月|天|日)|长期))?"
                            r"|(内部资料|内部刊物|内部|仅供参考)")
YEAR_NUMBER = re.compile(r"\d{4}\s*年\s*(?=第)")
YEAR_LINE = re.compile(r"^\s*(?:\d{4}|[〇○零Ｏ一二三四五六七八九]{4})\s*年\s*$")  # `2025年` over `第3期`
# A classified issue numbers its copies at the top left: `编号：0105`, `份号：000214`, `No.0214`, `000214`.
COPY_NUMBER = re.compile(r"^\s*(?:(?:编\s*号|份\s*号|N[oO]\s*\.?)\s*[：:.]?\s*[0-9０-９]{1,8}|[0-9]{4,8})\s*$")
TOTAL = re.compile(r"[（(]?\s*总\s*第\s*[0-9０-９]+\s*期\s*[）)]?")
MARKINGS = re.compile(r"内部资料|注意保存|内部刊物|仅供参考|不得外传|请勿外传|注意保密|妥善保管"
                      r"|(?:绝密|机密|秘密)(?:\s*★\s*(?:[0-9一二三四五六七八九十]+\s*(?:年|个月|月|天|日)|长期))?|内部"
                      r"|(?:签发人|签发|审核|审签|编辑|责任编辑|主编|核稿)\s*[：:]\s*[\u4e00-\u9fff]{2,4}"
                      r"|[（(]?\s*共\s*\d+\s*版\s*[）)]?|第\s*[0-9０-９一二三四五六七八九十]+\s*版"
                      r"|加急|特急|急件|[（(]?\s*(?:星期|礼拜)[一二三四五六日天]\s*[）)]?")  # the weekday after a date
ISSUER = re.compile(r"^(?:主办|编印|主编|编发|承办|编)?[：:]?"
                    r"([^：:]{2,30}?(?:办公室|委员会|政府|局|办|厅|部|中心|编辑部|委|研究室|督查室|政研室|科))"
                    r"(?:编印|编发|主办|印发|编|印)?$")
MASTHEAD_PREFIX = re.compile(r"^.{1,10}?(?:简报|信息|动态|通讯|快报|专报|要情|周报|月报|参阅|通报)")
MASTHEAD = re.compile(r"^.{1,10}(?:简报|信息|动态|通讯|快报|专报|要情|周报|月报|参阅|通报)$")


def _spaced(words):
    """`_spaced(["签发", "报"])` -> a pattern of the words that also matches them spaced out, as PDF
    text prints every character apart (`签 发`)."""
    return "|".join(r"\s*".join(word) for word in words)


# the fields of a footer (longer labels first: `抄送` before `送`, `签发人` before `签发`)
SENT_TO = r"(?:" + _spaced(["抄送", "抄报", "报送", "分送", "主送", "印发", "发送", "报", "送", "发"]) + r")\s*[：:]"
STAFF_LABEL = (r"(?:本\s*期\s*)?(?:" + _spaced(
    ["责任编辑", "执行编辑", "值班编辑", "编辑", "副主编", "主编", "编审", "审核", "审稿", "审签", "签发人", "签发",
     "校对", "核稿", "排版", "联系人", "联系电话", "电话", "传真", "地址", "电子邮箱", "邮箱", "投稿邮箱"]) + r")\s*[：:]")
STAFF = r"[（(]?\s*" + STAFF_LABEL
COPIES = r"共\s*印\s*(?:\S\s*){0,6}?份"
FOOTER = re.compile(f"^{SENT_TO}|{COPIES}|^{STAFF}")
CONTACT_LABEL = r"(?:" + _spaced(["联系方式", "咨询电话", "手机", "邮编", "撰稿人", "撰稿", "执笔人", "执笔", "作者",
                                   "摄影", "通讯员", "记者", "整理"]) + r")\s*[：:]"  # at an article's end
FIELD = re.compile(f"(?:[（(]\\s*)?(?:{STAFF_LABEL}|{CONTACT_LABEL}|{SENT_TO}|{COPIES})")  # a field's label
LIST_FIELD = re.compile(f"^{SENT_TO}")
WIDE_GAP = re.compile(r"\s{2,}|[\u3000\t]")
HEADER_SCAN = 8  # a masthead's lines: marking, copy number, name, year, number, issuer and date…
BRACKETED = re.compile(r"^[（(][^（）()]+[）)]$")
NUMBERED_TITLE = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*、|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]|【)")


def _rest(text):
    """What a header line says besides its date, number and markings (traditional characters
    read as simplified: bulletin.traditional)."""
    text = fold(text)
    for pattern in (COPY_NUMBER, YEAR_LINE, DATE, CN_DATE, YEAR_NUMBER, NUMBER, TOTAL, BARE_NUMBER, MARKINGS):
        text = pattern.sub(" ", text)
    return re.sub(r"[\s（）()【】〔〕\[\]|｜·—\-_/／]+", "", text)


def header_kind(text):
    """`header_kind("第3期 2021年1月6日")` -> "strong"; "masthead" for `东城简报`; else None.

    Strong lines hold only a date, an issue number, markings or an issuer.
    """
    rest = _rest(fix_spaces(text))
    if any(c in "，。；！？,;!?" for c in rest) or NUMBERED_TITLE.match(text.strip()):
        return None
    if rest and BRACKETED.match(text.strip()):
        return None  # `（县发改局）` under a title is its source: a masthead prints no unit in brackets
    if rest == "" or ISSUER.match(rest):
        return "strong"
    return "masthead" if MASTHEAD.match(rest) else None


def header_length(lines):
    """`header_length(lines)` -> n: the first n lines are the header (0 if there is none).

    The header runs to the last strong line among the first six; the lines before it may be
    mastheads or other short lines without punctuation. With no strong line, a masthead on
    the first line is the whole header. A line that is strong only because it ends like a
    unit (`…政务服务中心`) is the first item's title, not an issuer, when the header has
    already shown an issuer and a date, or when body text follows it directly.
    """
    last_strong, issuer_seen, date_seen = -1, False, False
    for index, line in enumerate(lines[:HEADER_SCAN]):
        text = fix_spaces(line.text)
        kind = header_kind(text)
        if kind == "strong" and _issuer_only(text):
            after = lines[index + 1].text if index + 1 < len(lines) else ""
            if (issuer_seen and date_seen) or _opens_body(after):
                break  # a title that ends like a unit (…服务中心, …办公室): the first item's
            issuer_seen = True
        if kind == "strong":
            last_strong = index
            date_seen = date_seen or bool(DATE.search(text) or CN_DATE.search(text))
            issuer_seen = issuer_seen or bool(ISSUER.match(_rest(text)))
        elif kind is None and (width(text) > 40 or any(c in SENTENCE_PUNCT for c in text)):
            break
    if last_strong >= 0:
        return last_strong + 1
    return 1 if lines and header_kind(lines[0].text) == "masthead" else 0


def _issuer_only(text):
    """A header line that is strong only as an issuer: no date, issue number or marking."""
    return bool(_rest(text)) and _rest(text) == re.sub(r"[\s（）()【】〔〕\[\]|｜·—\-_/／]+", "", fold(text))


def _opens_body(text):
    """Is this line an item's body text, which only follows a title (a masthead's last line is
    followed by a title, a bullet, a number, a table of contents or an editor's note)?"""
    text = fold(fix_spaces(text))
    if BRACKETED.match(text) and not any(c in SENTENCE_PUNCT for c in text) and header_kind(text) is None:
        return True  # `（县卫健委）`: the source printed under a title
    if not any(c in SENTENCE_PUNCT for c in text) or header_kind(text) is not None:
        return False
    return not (NUMBERED_TITLE.match(text) or re.match(r"^[\u2460-\u2473△▲▽■□●○◆◇★☆◎•▪►▶❖※⭐✦✧➤\d]", text)
                or re.match(r"^[【\[]?\s*编\s*(?:者\s*按|前语)", text))


def is_running_header(text, header):
    """`is_running_header("某某工作简报 2024年第14期", header)` -> True when a line repeats the
    masthead: it holds only masthead matter (a name, a date, an issue number) and carries the
    header's issue number or is one of the header's lines without its date. The caller asks
    only about lines next to a page number: a running header or footer printed on every page.
    """
    text = fix_spaces(text)
    if header_kind(text) is None:
        return False
    number = NUMBER.search(text)
    printed = NUMBER.search(header)
    if number and printed and _digits(number.group(1)) == _digits(printed.group(1)):
        return True
    rest = _rest(text)
    return bool(rest) and any(rest == _rest(fix_spaces(line)) for line in header.split("\n"))


def _digits(number):
    return re.sub(r"\s+", "", number).translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def footer_start(lines, start):
    """`footer_start(lines, 1)` -> index of the first footer line, or len(lines).

    The footer is the first 报/送/发, 共印, 编辑/签发… line after which every line is a footer
    line or at least not a sentence (`区人大、区政协` continuing a 送 list); a line after a
    footer line that ends in `，、；` continues it (a 送 list wrapped, `…县政协。` included).
    """
    texts = [fix_spaces(line.text) for line in lines[start:]]
    footer_like = []
    for offset, text in enumerate(texts):  # a 送 list wrapped onto the next line continues it
        closed = attribution(text)  # `联系电话：…。（县就业服务中心）`: an item's last line
        footer_like.append(not (closed and closed.start > 0) and (
            bool(FOOTER.search(fold(text))) or (offset > 0 and footer_like[-1]
                                                and texts[offset - 1][-1:] in tuple("，、；,;"))))
    tail_ok, found = True, len(lines)
    for offset in range(len(texts) - 1, -1, -1):
        if footer_like[offset] and tail_ok and FOOTER.search(fold(texts[offset])):
            found = start + offset
        # an item's last lines are no footer: a sentence, or an attribution (`（区审计局）`
        # after a `联系人：…` line that ends an article)
        tail_ok = tail_ok and (footer_like[offset] or ("。" not in texts[offset] and attribution(texts[offset]) is None))
    return found


def footer_text(text):
    """`footer_text("本期编辑：张三  签发：李四")` -> "本期编辑：张三 签发：李四".

    The footer's spaces go like everywhere else (`fix_spaces`), except between two fields of
    one line: a footer line often prints fields side by side, and without a separator they run
    together (`张三签发：李四`). A field starts at its label (`签发：`, `报：`, `共印…份`, spaced out
    `签 发：` in PDF text too) after a gap, or straight after the last field's text when the label
    is of two or more characters (`本期编辑：张三签发：李四`) or follows a sentence end
    (`…领导。发：…`); one space goes between fields. Units of a `送：` list set apart by spaces
    only (`区人大办  区政协办`) keep one space each, as joint attributions do."""
    return "\n".join(fields_text(line) for line in text.split("\n")).strip("\n")


def fields_text(line):
    """`fields_text("联系人：王五联系电话：1234567")` -> "联系人：王五 联系电话：1234567": one line of
    fields (a footer's, or an article's contact line), spaces repaired, one between fields."""
    folded = fold(line)
    cuts, fields, spaced = [0], [], False
    for label in FIELD.finditer(folded):
        at = label.start()
        before = folded[:at].rstrip()
        if not before or at <= cuts[-1]:
            continue
        gap = len(before) < at
        if gap or before[-1] in "。；;，," or (len(re.sub(r"[\s（(：:]", "", label.group())) > 1
                                           and re.search("[：:]", before[cuts[-1]:])):
            fields.append((_field(line[cuts[-1]:len(before)]), spaced))
            cuts.append(at)
            spaced = gap
    fields.append((_field(line[cuts[-1]:]), spaced))
    text = ""
    for field, gap in fields:  # one space between fields, unless a comma or a stop typed alone parts them
        if field:
            apart = text[-1:] not in tuple("，,、；;") and (gap or text[-1:] not in tuple("。"))
            text += (" " if text and apart else "") + field
    return text


def _field(text):
    """One footer field, its spaces repaired; a list of units set apart by spaces keeps one."""
    label = LIST_FIELD.match(fold(text))
    if label:
        value = text[label.end():].strip()
        for gaps in (WIDE_GAP, re.compile(r"\s+")):
            units = [fix_spaces(part) for part in gaps.split(value) if part.strip()]
            if joint_units([unit.rstrip("。；;，,、") for unit in units]):
                return fix_spaces(text[:label.end()]) + " ".join(units)
    return fix_spaces(text)


def header_fields(header, footer=""):
    """`header_fields(header)` -> (issuer, ISO date, number), each None when not printed."""
    issuer = None
    for line in header.split("\n"):
        rest = _rest(line)
        rest = MASTHEAD_PREFIX.sub("", rest) if ISSUER.match(MASTHEAD_PREFIX.sub("", rest)) else rest
        match = ISSUER.match(rest)
        if match:
            issuer = match.group(1)
            plain = re.sub(r"\s+", "", line)
            at = fold(plain).find(issuer)  # as printed (traditional characters stay)
            issuer = plain[at:at + len(issuer)] if at >= 0 else issuer
            break
    folded = fold(header)
    number = (NUMBER.search(folded) or BARE_NUMBER.search(DATE.sub(lambda m: " " * len(m.group()), folded))
              or re.search(r"总\s*第\s*[0-9０-９]+\s*期", folded))
    number = re.sub(r"\s+", "", header[number.start():number.end()]) if number else None
    return issuer, find_date(header) or find_date(footer), number


def classification(header):
    """`classification("秘密★1年\\n某某专报")` -> "秘密★1年"; "内部" for 内部资料; None if unmarked.

    Only the masthead counts: the marking is printed above or beside the title.
    """
    for line in header.split("\n")[:HEADER_SCAN]:
        match = CLASSIFICATION.search(re.sub(r"\s+", "", fold(line)))
        if match and match.group(1):
            return match.group(1) + (f"★{match.group(2)}" if match.group(2) else "")
    for line in header.split("\n")[:HEADER_SCAN]:
        match = CLASSIFICATION.search(re.sub(r"\s+", "", fold(line)))
        if match and match.group(3) and not ISSUER.match(_rest(line) or "-"):
            return "内部"
    return None


def find_date(text):
    """`find_date("2021年1月6日")` -> "2021-01-06"; also 2021-1-6, 2021.01.06, 二〇二一年一月六日."""
    match = DATE.search(text)
    if match:
        year, month, day = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    else:
        match = CN_DATE.search(text)
        if not match:
            return None
        year = int("".join(str(CN_DIGITS[c]) for c in match.group(1)))
        month, day = _cn_number(match.group(2)), _cn_number(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cn_number(text):
    """`_cn_number("二十六")` -> 26."""
    if "十" not in text:
        return CN_DIGITS[text]
    tens, _, units = text.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[units] if units else 0)
