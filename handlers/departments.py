"""部门: the departments cadres can subscribe to, with how many items each has — of the
items this reader can find (store.departments.list_with_counts: released, not withdrawn, and
公开 only for a follower, store.levels.public_only).

    部门 (menu DEPARTMENTS)  ->  可订阅的部门（共12个）：\n区财政局 8条\n…
"""

from handlers.router import either, exact, menu, router
from store import levels
from store.departments import list_with_counts
from store.examples import examples

LIST_LIMIT_BYTES = 1800  # leave room for the closing hint inside the 2,047-byte reply


@router.on(either(exact("部门", "部门列表", "全部部门"), menu("DEPARTMENTS")),
           help="部门 — 查看可订阅的部门及条目数")
def list_departments(ctx):
    rows = list_with_counts(ctx.db, for_chat=True, public_only=levels.public_only(ctx.cadre))
    if not rows:
        return "还没有任何部门：简报发布后会自动列出。"
    lines, used, shown = [f"可订阅的部门（共{len(rows)}个）："], 0, 0
    for row in rows:
        line = f"{row['name']} {row['items']}条"
        used += len(line.encode("utf-8")) + 1
        if used > LIST_LIMIT_BYTES:
            lines.append(f"……另有{len(rows) - shown}个")
            break
        lines.append(line)
        shown += 1
    lines.append(f"回复“订阅 部门名”订阅，可写简称，如：订阅 {examples(ctx.db).short}。")
    return "\n".join(lines)
