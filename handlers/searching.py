"""最新, 更多 and keyword search — anything that is not a command is a query.

    项目                -> 找到3条：\n1. <a href="https://…/items/7?t=…">标题</a>\n区财政局 · 2021-01-06
    财政 项目 / 2021-01 项目   (department and date filters are the store's search syntax)
    更多                -> the next page of the last query (or of 最新)
    最新 (menu LATEST)  -> the latest issue's items, with links

Cadres see approved or pushed issues only (store/review.py): 最新 is the latest of those,
search leaves the others out (store.search), and 更多 of an issue sent back to 待审核 stops.

Each item is its title linked to its page (both WeChat apps render `<a href>` in text), the
title made plain (bulletin.safetext: a bulletin's own markup is never a link). A page shows
up to PER_PAGE items, fewer when their links would pass the 2,047-byte reply limit, and then
says 更多. Paging lives in chat_state: the last query and how many of its items were shown
(the `page` column holds that offset), so 更多 continues exactly after the last item shown.

更多 never repeats or skips an item when the archive changes between two pages. A search's
state keeps its basis — the search version its pages were worked out on and a 12-character
digest of the items shown (not the ids) — and 更多 on another version goes on only if
today's ranking still begins with exactly those items; otherwise it says so in one line
(CHANGED) and shows the new first page. 最新's state names the issue and the position in it
(every item counted, withdrawn ones too), so 更多 goes on with that issue after the last item
shown, whatever was withdrawn meanwhile, and says when a later issue has come out (NEWER).
"""

import functools
import hashlib

from bulletin.cards import fit
from bulletin.safetext import anchor, line, pack
from handlers import confidential
from handlers.replies import TEXT_LIMIT
from handlers.router import either, exact, menu, router
from store import chat_state, issues, levels, ratelimit, search_cache
from store.examples import examples
from store.search import MAX_PER_PAGE, search
from channels.links import item_url

PER_PAGE = 5
LATEST = "#latest:"  # chat_state query marker: paging through an issue, not a search
MORE_HINT = "回复“更多”查看下一页。"
CHANGED = "简报有更新，以下重新列出：\n"  # 更多 after the ranking changed: page 1 again
NEWER = "已有更新一期，回复“最新”查看。\n"  # 更多 after 最新, a later issue out since
TITLE_BYTES = 120  # a linked title in a list: about 40 characters


def _item_block(ctx, number, title, department, date, item_id):
    """`1. <a href="…">标题</a>` and, on the next line, `部门 · 日期`."""
    shown, meta = _item_text(title, department, date)
    url = item_url(ctx.config, item_id, cadre_id=ctx.cadre["id"] if ctx.cadre else None)
    head = f"{number}. {anchor(url, shown)}"
    return head + (f"\n{meta}" if meta else "")


@functools.lru_cache(maxsize=4096)
def _item_text(title, department, date):
    """(the title made plain and fitted, `部门 · 日期`): the same for every reader, so made
    once per item and kept (only the link differs from one cadre to the next)."""
    return (fit(line(title), TITLE_BYTES),
            " · ".join(line(part) for part in (department, date) if part))


@router.on(either(exact("最新", "最新一期", "最新简报"), menu("LATEST")),
           help="最新 — 查看最新一期简报的条目")
def latest(ctx):
    issue_id = issues.latest_issue_id(ctx.db, released=True)  # approved or pushed only
    if issue_id is None:
        return "还没有发布任何简报。"
    issue = issues.headlines(ctx.db, issue_id)
    return _latest_page(ctx, issue, 0)


@router.on(either(exact("更多", "下一页", "more"), menu("MORE")),
           help="更多 — 上一次搜索或“最新”的下一页")
def more(ctx):
    query, offset = ctx.state.get("query"), ctx.state.get("page", 0)
    if not query:
        return "没有可翻页的内容：请先发送关键词，或回复“最新”。"
    if query.startswith(LATEST):
        issue = issues.headlines(ctx.db, int(query[len(LATEST):]))
        if issue is None:
            return "这一期简报已不存在。"
        if not issue["released"]:  # back to 待审核 since (a correction)
            return "这一期简报暂不可查看，请回复“最新”。"
        newer = issues.latest_issue_id(ctx.db, released=True) != issue["id"]
        return _latest_page(ctx, issue, offset, newer=newer)
    return _more_results(ctx, query, offset, ctx.state.get("basis"))


def _is_query(ctx):
    """Check: any other text is a keyword query (the match is the text)."""
    return ctx.text or None


@router.on(_is_query)
def keyword_search(ctx):
    return _search_page(ctx, ctx.match[:200], 0)


def _more_results(ctx, query, offset, basis):
    """The next page of the last search — of the ranking its pages were shown from.

    The basis kept with the chat state is the search version those pages were worked out
    on and a digest of the items shown. The same version: the same ranking, go on. Another
    (an issue published, approved, corrected or withdrawn since): if the first `offset`
    items of today's ranking are still exactly those shown, go on after them (nothing
    repeated, nothing skipped); if not, say so in one line and start again from the top."""
    version, _, digest = (basis or "").partition(":")
    if offset and basis and version != str(search_cache.version(ctx.db)):
        if _chain("", _ranked_ids(ctx, query, offset)) != digest:
            return _search_page(ctx, query, 0, lead=CHANGED)
    return _search_page(ctx, query, offset, digest=digest)


def _search_page(ctx, query, offset, digest="", lead=""):
    limit = ctx.config.get("BOT_QUERY_LIMIT")
    if not ratelimit.allow(ctx.db, ctx.user, limit):
        return ratelimit.SLOW_DOWN
    ctx.on_reply(ratelimit.count, ctx.user, limit)
    version = search_cache.version(ctx.db)  # what this page is worked out on (one snapshot)
    hits, total, total_exact = _hits(ctx, query, offset, _public_only(ctx))
    if not hits:
        ctx.on_reply(chat_state.save_query, ctx.user, None)
        if offset:
            return "没有更多了。"
        return (lead + f"没有找到与“{line(query[:20])}”相关的简报。"
                f"可换个词，或加上部门、日期，如：{examples(ctx.db, _public_only(ctx)).queries()}。")
    confidential.mark(ctx, [hit["item_id"] for hit in hits])
    found = total if total_exact else f"{total}多"
    blocks = [_item_block(ctx, n, hit["title"], hit.get("department"), hit.get("date"),
                          hit["item_id"]) for n, hit in enumerate(hits, offset + 1)]
    beyond = offset + len(hits) < total

    def head(shown):
        return lead + f"找到{found}条" + (f"，第{offset + 1}–{offset + shown}条：" if offset else "：")

    text, shown = pack(head(len(blocks)), blocks, TEXT_LIMIT, MORE_HINT, beyond)
    if shown < len(blocks):  # the range in the head names what is shown
        text = head(shown) + text[len(head(len(blocks))):]
    basis = f"{version}:{_chain(digest, [hit['item_id'] for hit in hits[:shown]])}"
    ctx.on_reply(chat_state.save_query, ctx.user, query, offset + shown, basis)
    return text


def _chain(digest, item_ids):
    """`_chain("", [7, 3])` -> a short digest of items shown in this order, extended page by
    page (`_chain(_chain("", [7]), [3])` is the same): what 更多 checks a ranking against."""
    for item_id in item_ids:
        digest = hashlib.blake2s(f"{digest}:{item_id}".encode(), digest_size=6).hexdigest()
    return digest


def _ranked_ids(ctx, query, count):
    """The ids of the first `count` hits of today's ranking of `query` for this reader."""
    ids, page = [], 0
    while len(ids) < count:
        result = search(ctx.db, query, page=page, per_page=MAX_PER_PAGE,
                        public_only=_public_only(ctx), later=ctx.on_reply)
        ids += [hit["item_id"] for hit in result.hits]
        if not result.has_more:
            break
        page += 1
    return ids[:count]


def _hits(ctx, query, offset, public_only=False):
    """Up to PER_PAGE hits from `offset` on, with the total (and whether it is exact);
    `public_only`: 公开 items only (levels.public_only: followers). An answer worked
    out here is shared with the other processes in the reply's transaction."""
    page, skip = divmod(offset, PER_PAGE)
    result = search(ctx.db, query, page=page, per_page=PER_PAGE, public_only=public_only,
                    later=ctx.on_reply)
    hits = result.hits[skip:]
    if skip and result.has_more:
        hits += search(ctx.db, query, page=page + 1, per_page=PER_PAGE,
                       public_only=public_only, later=ctx.on_reply).hits[:skip]
    return hits, result.total, getattr(result, "total_exact", True)


def _latest_page(ctx, issue, start, newer=False):
    """A page of the issue's items from position `start` of the whole issue (every item in
    order, withdrawn and hidden ones included), so 更多 goes on after the last item shown
    whatever is withdrawn meanwhile. `newer`: a later issue came out since 最新 (更多 goes on
    with this one, and says so)."""
    # 撤回: gone from chat (and from search, by trigger); 内部: not for a public_only reader
    listed = [n for n, item in enumerate(issue["items"]) if not item["withdrawn_at"]]
    visible = [n for n in listed
               if not _public_only(ctx) or issue["items"][n]["level"] != levels.INTERNAL]
    hidden = len(listed) - len(visible)  # said, so the reader knows the list is not all
    title = "、".join(line(part) for part in (issue.get("date"), issue.get("number")) if part)
    title = title or "未注明日期"
    ahead = [n for n in visible if n >= start]
    shown = ahead[:PER_PAGE]
    if not shown:
        if start:
            return "没有更多了。"
        return f"最新一期简报（{title}）的条目均为内部资料。" if hidden else "最新一期简报没有条目。"
    confidential.mark(ctx, [issue["items"][n]["id"] for n in shown])
    first = len(visible) - len(ahead) + 1  # the number of the first one shown
    blocks = [_item_block(ctx, number, item["title"], item.get("department"), None, item["id"])
              for number, item in enumerate((issue["items"][n] for n in shown), first)]
    count_text = f"共{len(visible)}条" + (f"，另有{hidden}条内部资料未列出" if hidden else "")
    head = (NEWER + f"简报（{title}，{count_text}）续：") if newer else \
        f"最新一期简报（{title}，{count_text}）："
    text, count = pack(head, blocks, TEXT_LIMIT, MORE_HINT, beyond=len(ahead) > len(shown))
    ctx.on_reply(chat_state.save_query, ctx.user, f"{LATEST}{issue['id']}", shown[count - 1] + 1)
    return text


def _public_only(ctx):
    """公开 items only for this reader (store.levels.public_only: the one rule for search,
    最新, 更多 and help's examples)."""
    return levels.public_only(ctx.cadre)
