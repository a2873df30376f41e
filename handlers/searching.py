"""最新, 更多 and keyword search — anything that is not a command is a query.

    项目                -> 找到3条：1. 标题\n区财政局 · 2021-01-06\nhttps://…/items/7?t=…
    财政 项目 / 2021-01 项目   (department and date filters are the store's search syntax)
    更多                -> the next page of the last query (or of 最新)
    最新 (menu LATEST)  -> the latest issue's items, with links

Paging lives in chat_state: the last query and the page shown.
"""

from handlers.router import either, exact, menu, router
from store import chat_state, issues, ratelimit
from store.examples import examples
from store.search import search
from channels.links import item_url

PER_PAGE = 5
LATEST = "#latest:"  # chat_state query marker: paging through an issue, not a search
MORE_HINT = "回复“更多”查看下一页。"


def _item_lines(ctx, number, title, department, date, item_id):
    meta = " · ".join(part for part in (department, date) if part)
    url = item_url(ctx.config, item_id, cadre_id=ctx.cadre["id"] if ctx.cadre else None)
    return [f"{number}. {title}", *([meta] if meta else []), url]


@router.on(either(exact("最新", "最新一期", "最新简报"), menu("LATEST")),
           help="最新 — 查看最新一期简报的条目")
def latest(ctx):
    issue = issues.latest_issue(ctx.db)
    if issue is None:
        return "还没有发布任何简报。"
    return _latest_page(ctx, issue, 0)


@router.on(either(exact("更多", "下一页", "more"), menu("MORE")),
           help="更多 — 上一次搜索或“最新”的下一页")
def more(ctx):
    query, page = ctx.state.get("query"), ctx.state.get("page", 0) + 1
    if not query:
        return "没有可翻页的内容：请先发送关键词，或回复“最新”。"
    if query.startswith(LATEST):
        issue = issues.get_issue(ctx.db, int(query[len(LATEST):]))
        return _latest_page(ctx, issue, page) if issue else "这一期简报已不存在。"
    return _search_page(ctx, query, page)


def _is_query(ctx):
    """Check: any other text is a keyword query (the match is the text)."""
    return ctx.text or None


@router.on(_is_query)
def keyword_search(ctx):
    return _search_page(ctx, ctx.match[:200], 0)


def _search_page(ctx, query, page):
    limit = ctx.config.get("BOT_QUERY_LIMIT")
    if not ratelimit.allow(ctx.db, ctx.user, limit):
        return ratelimit.SLOW_DOWN
    ctx.on_reply(ratelimit.count, ctx.user, limit)
    result = search(ctx.db, query, page=page, per_page=PER_PAGE,
                    public_only=not ctx.cadre or bool(ctx.cadre.get("open_access")))  # 公开 only
    if not result.hits:
        ctx.on_reply(chat_state.save_query, ctx.user, None)
        if page:
            return "没有更多了。"
        return (f"没有找到与“{query[:20]}”相关的简报。"
                f"可换个词，或加上部门、日期，如：{examples(ctx.db).queries()}。")
    ctx.on_reply(chat_state.save_query, ctx.user, query, page)
    first = page * PER_PAGE
    found = result.total if getattr(result, "total_exact", True) else f"{result.total}多"
    head = f"找到{found}条" + (f"，第{first + 1}–{first + len(result.hits)}条：" if page
                                     else "：")
    lines = [head]
    for n, hit in enumerate(result.hits, first + 1):
        lines += _item_lines(ctx, n, hit["title"], hit.get("department"), hit.get("date"),
                             hit["item_id"])
    if result.has_more:
        lines.append(MORE_HINT)
    return "\n".join(lines)


def _latest_page(ctx, issue, page):
    items = issue.get("items") or issues.issue_items(ctx.db, issue["id"])
    shown = items[page * PER_PAGE:(page + 1) * PER_PAGE]
    if not shown:
        return "没有更多了。" if page else "最新一期简报没有条目。"
    ctx.on_reply(chat_state.save_query, ctx.user, f"{LATEST}{issue['id']}", page)
    title = "、".join(str(part) for part in (issue.get("date"), issue.get("number")) if part)
    lines = [f"最新一期简报（{title or '未注明日期'}，共{len(items)}条）："]
    for n, item in enumerate(shown, page * PER_PAGE + 1):
        lines += _item_lines(ctx, n, item["title"], item.get("department"), None, item["id"])
    if len(items) > (page + 1) * PER_PAGE:
        lines.append(MORE_HINT)
    return "\n".join(lines)
