"""Where an item's title ends, what its trailing attribution says, and short titles for briefs.

    split_run_in("东城区十个重大项目集中开工 1月 4日，临江市")   # -> 13 (the space after 开工)
    is_couplet("念好“某字经” 做活“某文章”")                      # -> True: one title, not title + body
    attribution("…落地见效。（供稿：区审计局 张三）")             # -> Attribution(department="区审计局", ...)
    short_title("2020年，我区建成区面积经市自然资源和规划局认定为33.28平方公里，…")

Titles carry no sentence punctuation; in PDF text a run-in title is followed by a space
(the gap before the body's first word), which is why lines reach here with raw spaces.
"""

import re
from dataclasses import dataclass

from bulletin.repair import BULLETS, POINT, SENTENCE_PUNCT, WIDE, fix_spaces
from bulletin.traditional import fold

MAX_SHORT_TITLE = 24
WIDE_OR_QUOTE = f"[{WIDE}]"
CJK_SPACE = re.compile(f"(?<={WIDE_OR_QUOTE}) (?=[{WIDE}])")
DATE_AHEAD = re.compile(r" (?=\d{1,2} ?月 ?\d{1,2} ?日|\d{4} ?年)")
ANY_SPACE_AFTER_WIDE = re.compile(f"(?<={WIDE_OR_QUOTE}) ")
FIRST_PUNCT = re.compile(f"[{SENTENCE_PUNCT}]")
ENUMERATOR = POINT  # `一是`, `二要`, `首先`: a point of a list, never a title
# A unit ending in 会 is one of the kinds of body (协会, 商会, 工会, …); a meeting ends in 会 too
# (`县委常委会`, `…推进大会`, `座谈会`: any verb can be one) and is no unit.
ORG_SUFFIX = ("办公室|委员会|管委会|办事处|街道|社区|中心|集团|公司|学校|医院|分局|支行|分行|园区|政府|人大"
              "|协会|学会|商会|联合会|总会|工会|基金会|研究会|促进会|联谊会|红十字会|慈善会|理事会|村委会|居委会"
              "|人大常委会|局|委|办|院|镇|乡|处|科|股|部|所|队|站|厅|室|组|馆|村|联|协|团|署|社|台|庭|校")
ORG_END = re.compile(f"(?:{ORG_SUFFIX})$")
ORG_START = re.compile(f"^(?:{ORG_SUFFIX})")  # `办公室` after `区委 `: a spaced-out name, no second unit
ORG_THEN_NAMES = re.compile(f"^(.+?(?:{ORG_SUFFIX}))([\u4e00-\u9fff]{{2,3}}(?:[、 ][\u4e00-\u9fff]{{2,3}})*)$")
LABEL = re.compile(r"^(?:供稿单位|稿件来源|信息来源|报送单位|供稿|来源|撰稿|作者|报送)\s*[：:]\s*")
LABEL_SUFFIX = re.compile(r"\s*(?:联合|共同)?(?:供稿|报送|提供)$")  # `（县统计局、县发改局联合供稿）`
# Contact details printed at an article's end (`联系电话：1234567`, `（联系人：王五）`): a field, never a title.
CONTACT = re.compile(r"^[（(]?\s*(?:联系人|联系电话|联系方式|咨询电话|电话|手机|传真|电子邮箱|邮箱|邮编|地址)\s*[：:]")
# Staff fields of an article (`（撰稿：余婷  审核：罗海）`): like contact details, never a title.
STAFF_FIELDS = re.compile(r"^[（(]?\s*(?:撰稿人?|执笔人?|作者|审核|审稿|审签|摄影|通讯员|记者|整理|责任编辑|编辑)\s*[：:]")
NOT_A_SOURCE = re.compile(r"^(?:见|详见|注|完|下同|略|待续|未完|续|图|表|附|上接|下转|摄|此|记者|通讯员|编者)")
ATTRIBUTION = re.compile(r"[（(]([^（）()\n]{1,40})[）)]\s*$")
OTHER_BRACKETS = re.compile(r"([〔【])([^〔〕【】\n]{1,40})([〕】])\s*$")  # `。〔县农业农村局〕`
SOURCE_LINE = re.compile(r"^(——|－－|--)\s*(\S.{0,39})$")  # `——县财政局` on its own line
SIGNED = re.compile(r"(?<=[。！？!?…”])\s*(——|－－)\s*([^。！？!?…，,；;：:——－]{2,40})$")  # `…整改隐患12处。——县应急局`
_N = r"[0-9一二三四五六七八九十两]{1,3}"
_WHEN = (r"(?:\d{4}年|今年|去年|前年|明年|本年|全年)?"
         r"(?:" + _N + r"(?:(?:至|到|—|-|~)" + _N + r")?月(?:份)?(?:" + _N + r"日(?:(?:至|到|—|-|~)(?:" + _N + r"月)?" + _N + r"日)?)?(?:上旬|中旬|下旬|底|初|末)?"
         r"|[一二三四1-4]季度|第[一二三四1-4]季度|前[一二三三]季度|上半年|下半年|全年|年初|年底|年末|年内)?"
         r"(?:以来|期间|前后|前夕|之际|当天|上午|下午|晚上)?")
_PERIOD = r"(?:春节|元旦|清明|五一|劳动节|端午|中秋|国庆|暑|寒|汛|节日?)[^，,。]{0,4}?(?:假期|期间|前夕|前后|以来|节)(?:期间|以来)?"
OLD_TIMES = (r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:以来|上半年|下半年|前三季度|全年|底|初)?"
             r"|\d{1,2}月(?:\d{1,2}日)?(?:上午|下午|晚上|以来)?|近日|日前|近期|近年来|去年(?:以来|底)?"
             r"|今年(?:以来|初)?|年初以来|上半年|下半年|前不久|目前|当前|截至[^，,]{1,12}"
             r"|连日来|连日以来|近来|近段时间|近一段时间|这段时间|此前|入[春夏秋冬汛伏]以来")
HALF_WIDTH_DIGITS = {0xFF10 + n: str(n) for n in range(10)}  # ０–９ -> 0–9, one for one
# A leading clause of purpose or authority (`为进一步优化营商环境，`, `根据省委统一部署，`): it
# says why, not who did what, so a short title skips it like a time phrase.
PREAMBLE = re.compile(r"^(?:为了|为(?=进一步|切实|全面|有效|深入|加快|确保|保障|推动|做好|提升|提高"
                      r"|加强|促进|解决|落实|营造|打造|助力|满足|防范)|根据|按照|围绕|对照|结合)"
                      r"[^，,。；]{2,30}[，,]")  # `为民服务中心投入使用，` is no purpose: kept
TIME_PHRASE = re.compile(r"^(?:" + OLD_TIMES + "|" + _PERIOD + "|" + _WHEN + r")[，,]")


# A phrase inserted between subject and verb that a short title can do without: `经…认定`,
# `在…的指导下`, `按照…要求`, `通过…方式`.
INSERTED = re.compile(r"经[^，。；]{2,16}?(?=认定|批准|核定|审定|评定|确认|核准|审核|评估|检测|测算|统计|验收)"
                      r"|在[^，。；]{2,16}?的?(?:指导|支持|带领|帮助|推动)下|按照[^，。；]{2,16}?(?:要求|部署|安排)"
                      r"|通过[^，。；]{2,12}?(?:方式|形式)")


@dataclass
class Attribution:
    start: int  # where the bracket opens in the line
    department: str
    byline: str | None  # "（张三）" when a person is named after the department
    dropped: list  # brackets and labels that are not kept anywhere


def _unit(name):
    """`_unit("区审计局")` -> True: a name that ends like a unit (traditional characters too)."""
    return bool(ORG_END.search(fold(name)))


def joint_units(tokens):
    """`joint_units(["县审计局", "县财政局"])` -> True: units printed side by side, a space between
    them (each 3+ characters ending like a unit, none starting like a unit's ending: `区委 办公室`
    is one name spaced out)."""
    return len(tokens) > 1 and all(len(t) >= 3 and _unit(t) for t in tokens) \
        and not any(ORG_START.match(fold(t)) for t in tokens[1:])


def first_punct(text):
    """`first_punct("近日，区")` -> 2; len(text) if there is no sentence punctuation."""
    match = FIRST_PUNCT.search(text)
    return match.start() if match else len(text)


def split_run_in(text, minimum=4, loose=False):
    """`split_run_in("区审计局提升信息宣传工作 一是打造一")` -> 12, the separating space, or None.

    Looks before the first sentence punctuation for a space between two CJK characters.
    `loose` (only where an item must start anyway, and only when the body's first clause
    ends on this line) then tries a space before a date (`开工 1月4日，`) and finally the
    first space after a CJK character.
    """
    prefix = text[:first_punct(text)]
    patterns = (CJK_SPACE,)
    if loose and len(prefix) < len(text):
        patterns = (CJK_SPACE, DATE_AHEAD, ANY_SPACE_AFTER_WIDE)
    for pattern in patterns:
        for match in pattern.finditer(prefix):
            title = fix_spaces(prefix[:match.start()])
            if len(title) >= minimum and not ENUMERATOR.match(title):
                return match.start()
    return None


def is_couplet(text):
    """`is_couplet("抓党建促振兴 强产业助增收")` -> True: a two-part title, two parallel halves of
    the same length (对仗) with one space between them and no sentence punctuation."""
    halves = re.split(r"[ \u3000]+", text.strip())
    return (len(halves) == 2 and first_punct(text) == len(text)
            and 3 <= len(halves[0]) == len(halves[1]) <= 16)


def is_title_line(text, minimum=4):
    """`is_title_line("经开区：项目建设跑出“加速度”")` -> True: no sentence punctuation but `：`;
    a line of contact details (`联系电话：1234567`) is none."""
    title = fix_spaces(text)
    return (minimum <= len(title) <= 60 and first_punct(title.replace("：", "")) == len(title) - title.count("：")
            and not title.endswith("：") and not ENUMERATOR.match(title) and not is_field_line(title))


def is_field_line(text):
    """`is_field_line("联系人：王五  电话：1234567")` -> True: contact details or staff fields
    (`（撰稿：余婷 审核：罗海）`), bracketed or not, spaced out or not: an article's, never a title."""
    folded = fold(fix_spaces(text[:24]))  # a label opens the line: its head is enough
    return bool(CONTACT.match(folded) or STAFF_FIELDS.match(folded))


def title_start(text, short, minimum=6):
    """`title_start("区审计局开展培训 近日，…", short=False)` -> True: a run-in title or a short title line."""
    return split_run_in(text, minimum) is not None or (short and is_title_line(text, minimum))


def attribution(text, relaxed=False):
    """`attribution("见效。（区督查局）")` -> Attribution, or None if the line does not end in one.

    The bracket must follow a sentence end or stand alone; `relaxed` (at the end of a
    paragraph) also takes one straight after the text when it names a unit.
    """
    match = ATTRIBUTION.search(text)
    if not match:
        return _other_source(text)
    before = text[:match.start()].rstrip()
    after_sentence = not before or before[-1] in "。！？!?…" or before.endswith(("。”", "！”", "？”"))
    content = match.group(1).strip()
    dropped = [match.group()[0], match.group().rstrip()[-1]]
    label = LABEL.match(fold(content)) or LABEL_SUFFIX.search(fold(content))
    if label:
        dropped.append(content[label.start():label.end()].strip())  # as printed
        content = (content[label.end():] if label.start() == 0 else content[:label.start()]).strip()
    found = _source(content, match.start(), dropped, bool(label))
    if found and not after_sentence:
        if not relaxed or found.byline or not _unit(found.department):
            return None
    return found


def _other_source(text):
    """The rarer forms, each only when it names a unit: `〔…〕` / `【…】` straight after a sentence
    end, a dash there (`…整改隐患12处。——县应急局`: a brief signed on its last line), and a line of its
    own that is `——县财政局` or `来源：县教育局` (start 0)."""
    match = OTHER_BRACKETS.search(text)
    if match and text[:match.start()].rstrip()[-1:] in tuple("。！？!?…”"):
        found = _unit_source(match.group(2), match.start(), (match.group(1), match.group(3)), [])
        return found if found and not found.byline else None
    signed = SIGNED.search(text) if "——" in text or "－－" in text else None
    if signed:
        found = _unit_source(signed.group(2), signed.start(1), ("（", "）"), [signed.group(1)])
        if found:
            return found
    stripped = text.strip()
    line = SOURCE_LINE.match(stripped)
    if line:
        return _unit_source(line.group(2), 0, ("（", "）"), [line.group(1)])
    label = LABEL.match(fold(stripped))
    if label and label.end() < len(stripped):
        return _unit_source(stripped[label.end():], 0, ("（", "）"), [stripped[:label.end()].strip()])
    return None


def _unit_source(content, start, brackets, marks):
    """Attribution(…) when `content` names a unit (or units, a person after them); else None.
    `brackets` enclose a byline; `marks` (a dash, a label) are dropped."""
    content = content.strip()
    label = LABEL.match(fold(content)) or LABEL_SUFFIX.search(fold(content))
    if label:
        marks = marks + [content[label.start():label.end()].strip()]
        content = (content[label.end():] if label.start() == 0 else content[:label.start()]).strip()
    found = _source(content, start, list(brackets) + marks, False)
    if not found or not _unit(found.department):
        return None
    if found.byline is None and brackets == ("（", "）"):
        found.dropped = marks  # a line's source has no brackets to drop
    return found


def _source(content, start, dropped, labelled):
    if not content or FIRST_PUNCT.search(content) or NOT_A_SOURCE.match(fold(content)):
        return None
    tokens = content.split()
    if joint_units(tokens):
        # joint units printed with a space (`县审计局 县财政局`): the space stays, it separates them
        return Attribution(start, " ".join(tokens), None, dropped)
    for cut in range(1, len(tokens)):
        unit = fix_spaces(" ".join(tokens[:cut]))
        names = tokens[cut:]
        if _unit(unit) and all(re.fullmatch("[\u4e00-\u9fff]{2,4}", n) and not _unit(n)
                                        for n in names):
            return Attribution(start, unit, dropped[0] + " ".join(names) + dropped[1], dropped[2:])
    whole = fix_spaces(content)
    split = ORG_THEN_NAMES.match(fold(whole))
    if split and not _unit(whole):
        return Attribution(start, whole[:split.end(1)], dropped[0] + whole[split.start(2):] + dropped[1], dropped[2:])
    if (labelled or _unit(whole)) and not re.search(r"\d", whole):
        return Attribution(start, whole, None, dropped)  # a department is a unit: `（王晓东）` is not
    return None


LEADING_SOURCE = re.compile(r"^(?:【([^【】\s，。；：！？,;:!?]{3,20})】\s*|([^【】\s，。；：！？,;:!?（）()]{3,20})[：:]\s*)(?=\S)")


def leading_source(text):
    """`leading_source("区住建局：全力推进老旧小区改造。…")` -> ("区住建局", "：", rest) or None.

    A brief may print its unit first, `区住建局：…` or `【区卫健委】…`, instead of in brackets at
    its end; only a unit (its name ends like one) counts: `会议强调：…` does not."""
    match = LEADING_SOURCE.match(text)
    unit = match and (match.group(1) or match.group(2))
    if not unit or not _unit(unit) or re.search(r"\d", unit) or TIME_PHRASE.match(fold(unit) + "，"):
        return None
    marks = "【】" if match.group(1) else match.group().strip()[-1]
    return unit, marks, text[match.end():]


UNIT_LINE = re.compile(f"^(?:([{BULLETS}])\\s*([^{BULLETS}]+?)|([^{BULLETS}]+?)\\s*([：:]))\\s*$")


def unit_line(text):
    """`unit_line("■ 街道综治办")` -> ("街道综治办", ["■"]); `unit_line("街道民政办：")` -> ("街道民政办", ["："]).

    A line that is only a unit's name, after a bullet or before a colon: printed over a title, it
    says who reports the item under it (a 街道 or 乡镇 bulletin's way). None for anything else:
    `■ 基层动态`, `会议要求：` name no unit."""
    match = UNIT_LINE.match(text.strip())
    if not match:
        return None
    unit = fix_spaces(match.group(2) or match.group(3))
    if not 3 <= len(unit) <= 20 or FIRST_PUNCT.search(unit) or re.search(r"[\d\s（）()【】〔〕]", unit) \
            or not _unit(unit) or TIME_PHRASE.match(fold(unit) + "，"):
        return None
    return unit, [match.group(1) or match.group(4)]


def short_title(body):
    """`short_title("去年，我区开展农产品定量检测57批次，…")` -> "我区开展农产品定量检测57批次".

    The first clause after any leading time phrases (`2020年，`, `1至2月，`, `连日来，`) and
    clauses of purpose (`为进一步优化营商环境，`, `根据省委统一部署，`); a
    long one without an inserted `经…认定`-like phrase when that fits 24 characters; else whole.
    """
    text = body.split("\n")[0].strip()
    for _ in range(3):  # `2023年，一季度，…`: time phrases one after another
        probe = fold(text.translate(HALF_WIDTH_DIGITS))  # `７月份，` is `7月份，`: same length
        phrase = TIME_PHRASE.match(probe) or PREAMBLE.match(probe)
        if not (phrase and phrase.end() > 1 and text[phrase.end():].strip()):
            break
        text = text[phrase.end():]
    clause = re.split(r"[，。；：！？,;:!?（(]", text)[0].strip() or text
    if len(clause) <= MAX_SHORT_TITLE:
        return clause
    shorter = INSERTED.sub("", clause)  # `经市规划局认定为` -> `认定为`: who did it is in the body
    if len(shorter) <= MAX_SHORT_TITLE:
        return shorter
    return clause  # never cut inside a word: the first clause whole
