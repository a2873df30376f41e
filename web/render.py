"""Template helpers: Chinese dates, the reader's watermark, card payloads for previews.

    cn_date("2021-01-06")        -> "2021年1月6日"
    local_time("2026-11-28T07:13:00Z") -> "2026-11-28 15:13" (in BOT_TIMEZONE)
    local_time("2026-11-28T07:13:00Z", seconds=True) -> "2026-11-28 15:13:00"
    zone_label() -> "北京时间" (BOT_TIMEZONE Asia/Shanghai; else the zone's name)
    local_day_bounds("2026-11-29") -> ("2026-11-28T16:00:00Z", "2026-11-29T16:00:00Z")

    sentence("单位名称太短，请写全称") -> "单位名称太短，请写全称。"

The console shows every time in BOT_TIMEZONE (local_time); stored times stay UTC.
    watermark_svg("张三 · 内部资料") -> a URL-encoded SVG tile for a CSS background
"""

import re
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import current_app
from markupsafe import Markup, escape as html_escape

from bulletin.repair import ends_sentence
from store import local_time as stored_time

ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "PRC": "北京时间"}
URL = re.compile(r"https?://[^\s<>\"'，。；、）)]+")
# what a WeChat text message renders as a link: Jianbao writes only this form (safetext.anchor)
ANCHOR = re.compile(r'<a href="(https?://[^"<>\s]+)">([^<>]*)</a>')


def cn_date(value):
    """An ISO date as printed in Chinese; anything else unchanged."""
    try:
        year, month, day = str(value).split("-")
        return f"{int(year)}年{int(month)}月{int(day)}日"
    except (TypeError, ValueError):
        return value or ""


def local_time(value, seconds=False):
    """A stored UTC time (`2026-11-28T07:13:00Z`, or with a fraction `…:00.250Z`) as
    BOT_TIMEZONE's `2026-11-28 15:13` (`:00` seconds too with `seconds=True`); anything else
    unchanged (store/local_time.py, shared with the CLI)."""
    return stored_time.shown(current_app.config, value, seconds=seconds)


def zone_label():
    """What the console calls its time zone: 北京时间 for Asia/Shanghai, else the zone name."""
    name = str(current_app.config.get("BOT_TIMEZONE") or "")
    return ZONE_NAMES.get(name, name)


def local_day_bounds(day):
    """`local_day_bounds("2026-11-29")` -> the stored (UTC) times at which that BOT_TIMEZONE
    day starts and the next one starts; ValueError for a bad date."""
    return stored_time.day_bounds(current_app.config, day)


def watermark_svg(text):
    """A 260×160 tile with `text` at -24°, faint enough not to hinder reading."""
    svg = ("<svg xmlns='http://www.w3.org/2000/svg' width='260' height='160'>"
           "<text x='20' y='110' transform='rotate(-24 130 80)' fill='rgba(0,0,0,0.07)' "
           "font-size='16' font-family='PingFang SC,Microsoft YaHei,Noto Sans CJK SC,sans-serif'>"
           f"{escape(text or '')}</text></svg>")
    return Markup(quote(svg, safe=" =:/,'()"))


def linkify(text):
    """Escape `text` and show it as WeChat does: `<a href="http…">标题</a>` is a link named
    by its title, a bare http(s) URL a link too; any other markup is shown as text."""
    out, last = [], 0
    text = text or ""
    for match in ANCHOR.finditer(text):
        out.append(_bare_links(text[last:match.start()]))
        out.append(Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(
            match.group(1), match.group(2)))
        last = match.end()
    out.append(_bare_links(text[last:]))
    return Markup("").join(out)


def _bare_links(text):
    out, last = [], 0
    for match in URL.finditer(text or ""):
        out.append(html_escape(text[last:match.start()]))
        url = html_escape(match.group(0))
        out.append(Markup(f'<a href="{url}" target="_blank" rel="noopener">{url}</a>'))
        last = match.end()
    out.append(html_escape((text or "")[last:]))
    return Markup("").join(out)


def init_app(app):
    app.add_template_filter(cn_date, "cn_date")
    app.add_template_filter(linkify, "linkify")
    app.add_template_filter(local_time, "local_time")
    app.add_template_global(zone_label, "zone_label")
    app.add_template_global(watermark_svg, "watermark_svg")


def sentence(text):
    """`text` ending as a sentence (。 added unless it ends in 。！？): a reason from the store
    is shown before another sentence, and "请写全称你输入的内容…" read as one."""
    text = str(text).rstrip()
    return text if ends_sentence(text) else text + "。"
