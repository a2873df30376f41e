"""Lines that are not the issue's content: a website's chrome around a copied issue, and the
front matter of a printed one (a table of contents, an editor's note).

    lines, chrome = strip_chrome(lines)      # web navigation, meta lines, forms, ICP/备案 lines
    lines, toc = strip_toc(lines)            # `本期要目` / `目录` and the entry lines under it
    is_editors_note("编者按：今年以来，…")    # -> True
    instruction_box(["领导批示：", "请认真学习借鉴。", "——区委书记 周某", "正文标题"])   # -> 3

Chrome is recognised by what web pages print and bulletins never do (`字体大小`, `浏览次数`,
`ICP备`, `验证码`, a line of `•`-separated links, a form label with nothing after it); only
at the top or the bottom of the document, never between items. The caller keeps what was
removed (quoted in a warning, or as `issue.front`), so nothing disappears silently.
"""

import re

from bulletin.masthead import CN_DATE, DATE, header_kind
from bulletin.repair import SENTENCE_PUNCT, fix_spaces
from bulletin.traditional import fold

META_WORDS = ("发布时间", "发布日期", "来源", "字体", "字号", "浏览次数", "阅读次数", "点击数", "访问量", "作者",
              "信息来源", "责任编辑", "【大", "分享到")
WEB = re.compile(r"ICP\s*备|公网安备|公安机关备案|网站标识码|网站地图|版权所有|Copyright|©|技术支持[：:]|"
                 r"打印本页|关闭窗口|打印此页|收藏本页|返回顶部|当前位置[：:]|您的位置[：:]|您现在的位置|"
                 r"^(?:主办|承办)单位[：:]|^(?:上一篇|下一篇)[：:]|扫一扫|^相关(?:链接|文章|阅读)|^分享到|^【?(?:打印|关闭)】?$"
                 r"|^(?:责任编辑|编辑)[：:].*(?:来源|浏览)")
NAV = re.compile(r"^(?!.*\d)(?:(?:[•·|｜>»]\s*[^\s•·|｜>»，。]{1,10}\s*){3,}"
                 r"|(?:[^\s•·|｜，。]{1,8}\s*[•·|｜>»]\s*){2,}[^\s•·|｜，。]{1,8})$")  # 3+ links, no digits
FORM_LABEL = re.compile(r"^(?:姓\s*名|联系方式|联系电话|手机号码?|电子邮箱|邮\s*箱|留言(?:内容|标题)?|标\s*题|内\s*容|"
                        r"验\s*证\s*码|地\s*址|我要留言|提\s*交|重\s*置|发\s*表|评\s*论|网友评论)\s*[：:]?\s*\*?$")
TOC_HEAD = re.compile(r"^[【〔［\[◆◇■□★☆●]?\s*(?:本期要目|本期目录|目\s*录|本期导读|要\s*目|本期内容)"
                      r"\s*[】〕］\]◆◇■□★☆●]?\s*[：:]?$")  # `本期要目`, `【本期要目】`, `◆目录◆`
# an entry's page number, after dot leaders or a space: `…大会…………1`, `…改革 3`
PAGE_REF = re.compile(r"(?:[.．·…‥⋯_\-—－]{2,}|[ \u3000])[ \u3000]*[0-9０-９]{1,3}[ \u3000]*$")
TOC_MARK = re.compile(r"^[◇◆□■●○△▲★☆※▶►•·\-—]\s*")
TOP = 6  # lines at the top of a page where its chrome may be
EDITORS_NOTE = re.compile(r"^[【\[]?\s*(?:编者按|编\s*者\s*按|编前语|编者的话)\s*[】\]]?\s*[：:]?")


def is_chrome(text):
    """`is_chrome("发布时间：2023-01-05 来源：区委办 字体大小：大 中 小")` -> True."""
    text = text.strip()
    if WEB.search(text) or NAV.match(text) or FORM_LABEL.match(text):
        return True
    return sum(word in text for word in META_WORDS) >= 2


def strip_chrome(lines):
    """`strip_chrome(lines)` -> (lines, removed texts): chrome at the top and at the bottom."""
    start = 0
    while start < len(lines) and is_chrome(lines[start].text):
        start += 1
    # a web page's title may stand between its navigation and its meta line: up to the last
    # chrome line among the first few, when every line before it is short and no sentence
    top = [index for index in range(min(TOP, len(lines))) if is_chrome(lines[index].text)]
    if top and all(is_chrome(line.text) or not _sentence(line.text) for line in lines[:top[-1]]):
        start = max(start, top[-1] + 1)
    end = len(lines)
    for index in range(len(lines) - 1, start - 1, -1):
        text = lines[index].text
        if is_chrome(text):
            end = index
        elif not (len(fix_spaces(text)) <= 12 and not any(c in SENTENCE_PUNCT for c in text)):
            break  # a sentence: the issue's own text (its footer) ends here
    # the bottom run must start at chrome: keep short lines that precede it (a footer's `（共印50份）`)
    while end < len(lines) and not is_chrome(lines[end].text):
        end += 1
    # the issue's own masthead (工作简报, 第7期, issuer and date) above the page's chrome is
    # content, not chrome: it stays, in order, ahead of the body
    masthead = [line for line in lines[:start]
                if not is_chrome(line.text) and header_kind(line.text) is not None]
    removed = [line.text for line in lines[:start] + lines[end:] if line not in masthead]
    return masthead + lines[start:end], removed


def _sentence(text):
    return len(fix_spaces(text)) > 40 or any(c in "。；！？" for c in text)


def strip_toc(lines, scan=12):
    """`strip_toc(lines)` -> (lines, removed texts): a table of contents among the first lines.

    After a `本期要目`/`目录` line, the entries are the following title-like lines (no sentence
    punctuation); the list ends at the first line that is followed by body text (the first
    article's title) or that repeats an entry already listed. When the entries carry page
    numbers (`…大会…………1`), it ends at a line without one that is not over an entry with one
    (a heading inside the contents, or an entry wrapped over two lines): the first section
    heading (`一、工作动态`) is the issue's, not the contents'. Without page numbers, when the
    list ends at a repeated entry (the first title), the section headings just above it that the
    issue prints nowhere after are the issue's own — unless a blank line sets the line off from
    the title and none from the entries above it (the box's last entry, `简讯四则`).
    """
    for head in range(min(scan, len(lines))):
        if TOC_HEAD.match(fix_spaces(fold(lines[head].text))):
            break
    else:
        return lines, []
    seen, index, repeated = set(), head + 1, False
    paged = any(PAGE_REF.search(line.text) for line in lines[index:index + 3])
    while index < len(lines):
        text = fix_spaces(lines[index].text)
        entry = PAGE_REF.sub("", TOC_MARK.sub("", text)).strip()
        if _key(entry) in seen:
            repeated = True  # the first title, listed above: the contents printed the titles
            break
        if not entry or any(c in SENTENCE_PUNCT for c in entry) or len(entry) > 60:
            break
        after = lines[index + 1].text if index + 1 < len(lines) else ""
        marked = bool(TOC_MARK.match(text))
        if not marked and any(c in SENTENCE_PUNCT for c in after):
            break  # a title with its body under it: the first article
        if paged and not PAGE_REF.search(lines[index].text) and not PAGE_REF.search(after):
            break  # entries carry page numbers: a line without one, not over an entry, is the issue's
        seen.add(_key(entry))
        index += 1
    if repeated and not paged:  # the issue prints its entries again (a wrapped one's halves
        # too): a heading just before the repeat that it prints nowhere after is its own
        # (`一、工作动态` over the first title), not the contents'
        later = "".join(fix_spaces(line.text) for line in lines[index:])
        # (a blank line after the box's last line and none above it: the box ends there, the
        # line is its last entry, not a heading over the first title)
        while index - 1 > head and _own_heading(fix_spaces(lines[index - 1].text), later) \
                and not (lines[index - 1].blank_after and not lines[index - 1].blank_before):
            index -= 1
    removed = [line.text for line in lines[head:index]]
    return lines[:head] + lines[index:], removed


def _own_heading(text, later):
    """A section heading (numbered, bracketed or under 8 characters: a title is longer) that
    the text after the contents does not print again."""
    entry = PAGE_REF.sub("", TOC_MARK.sub("", text)).strip()
    key = _key(entry)
    return (key != entry or len(key) < 8) and key not in later


def _key(entry):
    """`_key("一、工作动态")` -> "工作动态": an entry as the contents and the issue may both print it
    (numbered or bracketed in one, plain in the other)."""
    return re.sub(r"^(?:[一二三四五六七八九十]{1,3}\s*、|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)])\s*|[【】]", "", entry).strip()


def is_editors_note(text):
    """`is_editors_note("编者按：…")` -> True: an editor's note introduces the issue; it is no item."""
    return bool(EDITORS_NOTE.match(fold(text.strip())))


# A leader's instruction printed over a 专报 (`领导批示：`, `【领导批示】`, `区委书记周某批示：…`)
INSTRUCTION = re.compile(r"^[【\[〔]?\s*(?:领导(?:同志)?批示|批\s*示)\s*[】\]〕]?\s*[：:]?"
                         r"|^[^，。；：！？,;:!?\s]{2,24}?批示\s*[：:]")
SIGNATURE = re.compile(r"^(?:——|－－|--)\s*\S")  # `——区委书记 周某` under the instruction


def instruction_box(texts):
    """`instruction_box(paragraph_texts)` -> how many of the first paragraphs are a leader's
    instruction box: the label (`领导批示：`, or `区委书记周某批示：` with the text after it), the
    instruction's sentences, the signature `——区委书记 周某` and the date. 0 when the first is
    no label. It ends at anything else (the report's title, an editor's note): front matter."""
    if not texts or not INSTRUCTION.match(fold(texts[0].strip())):
        return 0
    count, signed = 1, False
    for text in texts[1:]:
        text = fix_spaces(text.strip())
        if re.fullmatch(f"(?:{DATE.pattern}|{CN_DATE.pattern})", text):
            return count + 1  # the date closes the box
        if SIGNATURE.match(text) and not signed:
            count, signed = count + 1, True
            continue
        if signed or is_editors_note(text) or not any(c in SENTENCE_PUNCT for c in text):
            break
        count += 1
    return count
