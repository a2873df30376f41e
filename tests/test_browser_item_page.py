"""An item page as a cadre reads it: headless Chromium at phone sizes (375×667 and 320×568,
device scale 2), also with the phone's text zoom at 150 % (WeChat's 字体大小: Android's
WebView scales every font size, px included — played here by scaling each element's computed
size), against the real app on loopback with issues the parser read from Word and from text.

    .venv/bin/python -m pytest tests/test_browser_item_page.py

Screenshots go to tests/artifacts/item-*.png (git-ignored).
"""

import pathlib
from urllib.parse import unquote

import pytest

from store import corrections, levels, review
from store.db import open_db
from store.ingest import ingest
from store.issues import issue_items
from channels import links
import test_browser
from test_console import add_cadre
from test_docx_layouts import build

pytestmark = pytest.mark.browser

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"
browser = test_browser.browser  # the fixture: one Debian chromium for the module
PHONES = [(375, 667), (320, 568)]
TEXT_ZOOM = """(factor) => {
  const all = [...document.querySelectorAll('body, body *')];
  const sizes = all.map(e => parseFloat(getComputedStyle(e).fontSize));
  all.forEach((e, i) => { e.style.fontSize = (sizes[i] * factor) + 'px'; });
}"""
URL = "https://tjj.example.gov.cn/tjsj/tjgb/202407/t20240725_1234567890abcdefghijklmnopqrstuvwxyz.html"
LONG_TITLE = "关于进一步加强和改进新时代全县基层党组织建设工作推动高质量发展走在全市前列的实施意见贯彻落实情况的通报"
WORD = build([
    ("p", "统计简报", True), ("p", "第9期", False), ("p", "某某县统计局  2024年7月25日", False),
    ("p", "上半年全县经济运行总体平稳", True),
    ("p", "上半年，全县地区生产总值增长5.1%。主要指标如下：", False),
    ("table", [["指标", "绝对值", "同比增长", "增速排名", "上年同期", "备注"],
               ["地区生产总值", "58.2亿元", "5.1%", "第3位", "55.4亿元", "按可比价格计算"],
               ["规上工业增加值", "—", "7.3%", "第1位", "—", "—"],
               ["社会消费品零售总额", "21.6亿元", "4.2%", "第5位", "20.7亿元", "含网络零售"]]),
    ("p", "（一）工业生产稳步回升", False),
    ("p", "从三次产业看，第二产业增长较快，规上工业企业生产经营总体稳定。" * 4, False),
    ("p", "（二）消费市场持续回暖", False),
    ("p", "社会消费品零售总额稳步增长，餐饮收入增势较好。" * 5, False),
    ("p", f"详见统计局网站{URL}，统一社会信用代码114100001234567890123456789012。（县统计局）", False),
    ("p", LONG_TITLE, True),
    ("p", "全县各级党组织认真落实意见要求，基层组织建设取得新成效。（县委组织部）", False),
    ("p", "某某局抓好夏粮收储", True),
    ("p", "全县完成夏粮收购1.1万吨，同比增长3.2%。（县粮食局）", False),
])
TYPED = ("工作简报\n第3期\n某某区政府办公室　　2024年8月1日\n\n二季度重点项目进展\n"
         "　　二季度各项目进展如下：\n项目名称\t责任单位\t完成投资\t进度\n"
         "城东污水处理厂\t区住建局\t1.2亿元\t60%\n老旧小区改造\t区住建局\t0.8亿元\t45%\n"
         "　　下一步将加快推进。（区发改委）\n\n区审计局开展专项审计\n"
         "　　区审计局对政府投资项目开展专项审计。（区审计局）\n").encode()


@pytest.fixture
def bulletin(make_app, live_server):
    """Two approved issues (Word, and text with a table typed with tabs) and a cadre:
    -> (base URL, {name: path of that cadre's link}, db)."""
    app = make_app()
    base = live_server(app).base
    app.config["BOT_PUBLIC_URL"] = base
    db = open_db(app.config["DATABASE_PATH"])
    word, _ = ingest(db, WORD, filename="stats.docx")
    typed, _ = ingest(db, TYPED, filename="brief.txt")
    cadre = add_cadre(db, "王明", "sandbox-wang", everything=True)
    lead, long_title, brief = issue_items(db, word)
    corrections.correct(db, long_title["id"], body=long_title["body"] + "\n其中新建党组织12个。",
                        note="补充了新建党组织数", who="approver")
    corrections.withdraw(db, brief["id"], note="内容有误，已撤回", who="approver")
    projects, audit = issue_items(db, typed)
    levels.set_item_level(db, audit["id"], "公开")
    for issue_id in (word, typed):
        review.approve(db, issue_id, "approver")
    paths = {name: links.item_path(app.config, item["id"], cadre_id=cadre) for name, item in
             [("lead", lead), ("long_title", long_title), ("withdrawn", brief),
              ("typed_table", projects), ("public", audit)]}
    yield base, paths, {"lead": lead, "long_title": long_title, "public": audit}
    db.conn.close()


def phones(browser):
    """Each phone size, plain and with 150 % text: (label, page, zoom)."""
    for width, height in PHONES:
        for zoom in (1, 1.5):
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=2, is_mobile=True, has_touch=True,
                                          locale="zh-CN")
            yield f"{width}{'-zoom' if zoom > 1 else ''}", context.new_page(), zoom
            context.close()


def open_page(page, url, zoom):
    answer = page.goto(url)
    if zoom > 1:
        page.evaluate(TEXT_ZOOM, zoom)
    return answer


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def no_page_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_table_in_an_article_is_a_table_that_scrolls_in_its_own_box(bulletin, browser):
    """Rows from a Word table or typed with tabs are a table: a row per row, a cell per cell,
    short cells on one line, the page never wider than the phone (a wide table scrolls in its
    own box). They ran together as `指标 ｜ 绝对值 ｜ 同比增长 ｜ 增速排` / `名 ｜ 上年同期`."""
    base, paths, _ = bulletin
    for label, page, zoom in phones(browser):
        for name, shape in (("lead", (4, 6)), ("typed_table", (3, 4))):
            assert open_page(page, base + paths[name], zoom).status == 200
            rows = page.locator(".body table tr")
            assert rows.count() == shape[0], (label, name)
            assert all(rows.nth(r).locator("th, td").count() == shape[1] for r in range(shape[0]))
            assert no_page_scroll(page), (label, name)
            lines = page.evaluate("""() => [...document.querySelectorAll('.body table td, .body table th')]
                .filter(cell => cell.textContent.length <= 8).map(cell => {
                  const range = document.createRange(); range.selectNodeContents(cell);
                  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                  return [cell.textContent, tops.size]; })""")
            assert [text for text, count in lines if count > 1] == [], (label, name)
            box = page.locator(".body .table-box").first
            assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"
            shot(page, f"item-table-{name}-{label}.png")
        page.goto(base + paths["lead"])
        if label.startswith("320"):  # six columns are wider than the phone: the box scrolls
            assert page.locator(".body .table-box").evaluate("b => b.scrollWidth > b.clientWidth")


def test_numbered_subheadings_stand_apart_from_the_text(bulletin, browser):
    """`（一）工业生产稳步回升` is a heading, bold and not indented like a paragraph: it read
    as one more indented paragraph of the same weight."""
    base, paths, _ = bulletin
    for label, page, zoom in phones(browser):
        open_page(page, base + paths["lead"], zoom)
        heads = page.locator(".body h2, .body h3")
        assert heads.all_inner_texts() == ["（一）工业生产稳步回升", "（二）消费市场持续回暖"], label
        style = heads.first.evaluate("h => [getComputedStyle(h).fontWeight, getComputedStyle(h).textIndent]")
        assert int(style[0]) >= 600 and style[1] == "0px", label
        text = page.locator(".body p").first.evaluate("p => getComputedStyle(p).fontWeight")
        assert int(text) < 600
        shot(page, f"item-lead-{label}.png")


def test_a_long_url_or_number_flows_on_in_its_line(bulletin, browser):
    """A URL or a long number with no spaces starts on the line of the words before it and
    breaks where the line ends: it jumped to a line of its own, leaving `详 见 统 计 局 网 站`
    spread across the line above."""
    base, paths, _ = bulletin
    for label, page, zoom in phones(browser):
        open_page(page, base + paths["lead"], zoom)
        assert no_page_scroll(page), label
        flows = page.evaluate("""(url) => {
          const p = [...document.querySelectorAll('.body p')].find(p => p.textContent.includes(url));
          const text = p.firstChild;  // 详见统计局网站
          const range = document.createRange();
          range.setStart(text, 0); range.setEnd(text, 1);
          const first = range.getClientRects()[0];
          const at = p.textContent.indexOf('https');
          const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
          let node, seen = 0;
          while ((node = walker.nextNode()) && seen + node.length <= at) seen += node.length;
          range.setStart(node, at - seen); range.setEnd(node, at - seen + 1);
          return Math.abs(range.getClientRects()[0].top - first.top) < 2;
        }""", URL)
        assert flows, label


def test_a_correction_note_is_set_apart_from_the_text(bulletin, browser):
    """`已更正（时间）：说明` is a note, not a paragraph of the item: it had no style at all, the
    18 px body text right under the title."""
    base, paths, _ = bulletin
    for label, page, zoom in phones(browser):
        open_page(page, base + paths["long_title"], zoom)
        note = page.locator(".change-note")
        assert "补充了新建党组织数" in note.inner_text()
        look = note.evaluate("""n => { const s = getComputedStyle(n);
            return [s.backgroundColor, s.borderLeftWidth, parseFloat(s.fontSize)]; }""")
        body = page.locator(".body p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
        assert look[0] not in ("rgba(0, 0, 0, 0)", "transparent") or look[1] != "0px", label
        assert look[2] < body, label
        assert no_page_scroll(page), label
        shot(page, f"item-corrected-{label}.png")
        open_page(page, base + paths["withdrawn"], zoom)
        assert "内容有误" in page.locator(".change-note").inner_text()
        assert no_page_scroll(page), label
        shot(page, f"item-withdrawn-{label}.png")


def test_an_internal_item_leaves_its_text_out_of_the_title_and_share_card(bulletin, browser):
    """What WeChat shows when the page is forwarded (发送给朋友) is the page's <title> (and any
    description / og: tags): for a 内部 item that is no text of the item. The title was the
    item's, so a forwarded card carried a 内部 headline into any chat. A 公开 item keeps
    its title in the tab and the card."""
    base, paths, items = bulletin
    page = browser.new_page(viewport={"width": 375, "height": 667})
    for name in ("lead", "long_title"):
        page.goto(base + paths[name])
        item = items[name]
        shared = [page.title()] + page.locator(
            "meta[property^='og:'], meta[name=description], meta[name^='twitter:']").evaluate_all(
            "ms => ms.map(m => m.content)")
        assert page.inner_text("h1") == item["title"]  # the reader still sees it on the page
        leaks = [s for s in shared if item["title"][:8] in s or item["body"][:8] in s]
        assert leaks == [], name
        assert "内部资料" in page.title()
    page.goto(base + paths["public"])
    assert items["public"]["title"] in page.title()
    page.close()


def test_a_public_item_is_not_labelled_internal(bulletin, browser):
    """A 公开 item's page said `内部资料 · 请勿转发` under its text and `王明 · 内部资料` across it:
    a reader was told not to pass on what the office made public. The watermark still names
    the reader; a 内部 item keeps both."""
    base, paths, _ = bulletin
    page = browser.new_page(viewport={"width": 375, "height": 667})
    for name, internal in (("public", False), ("lead", True)):
        page.goto(base + paths[name])
        mark = unquote(page.locator(".watermark").evaluate("w => getComputedStyle(w).backgroundImage"))
        assert "王明" in mark
        assert ("内部资料" in mark) is internal, name
        assert ("内部资料" in page.locator("main").inner_text()) is internal, name
        shot(page, f"item-level-{name}-375.png")
    page.close()


def test_the_link_pages_fit_a_phone(bulletin, browser):
    """The expired-link and invalid-link pages at every phone size and 150 % text: no
    sideways scroll, the day to send legible."""
    base, paths, _ = bulletin
    for label, page, zoom in phones(browser):
        assert open_page(page, base + paths["lead"][:-4] + "abcd", zoom).status == 403
        assert "链接无效或已过期" in page.inner_text("h1") and no_page_scroll(page), label
        shot(page, f"item-link-invalid-{label}.png")
