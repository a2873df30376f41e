"""订阅 / 退订 / 我的订阅, and the numbered choice when a department word is ambiguous.

    订阅 财政 教育       -> 已订阅：区财政局、区教育局
    订阅 全部            -> every department, present and future
    退订 财政 / 退订 全部
    我的订阅 (menu MY_SUBSCRIPTIONS)
    订阅 发展            -> “发展”对应多个部门，请回复序号：1. … 2. …   then `1`

What a cadre receives unasked (BOT_DEFAULT_FOLLOW: every issue's lead, by default their own
department's items too) is not a subscription: 退订 cannot stop it, so 退订 and 我的订阅 say
what still comes, in the same words. Under BOT_OPEN_ACCESS=1 only 订阅 makes a follower a
record of their own; 退订 and 我的订阅 never do (asking starts no pushes).
"""

import time

from handlers.access import identity, office
from handlers.router import choice_number, command, either, exact, menu, router, split_words
from store import binding, chat_state, departments
from store.examples import examples
from subscriptions import subscribe as store

ALL_WORDS = {"全部", "所有", "全部部门", "all", "ALL"}
CHOICE_TTL_SECONDS = 600
SEE_LIST = "回复“部门”查看全部部门。"
NEEDS_BINDING = "订阅需要先绑定干部身份：请回复“绑定 绑定码”，绑定码向{office}索取。"
FOLLOWS_NOTHING = "您没有订阅任何部门，也不会收到推送。回复“订阅 部门名”订阅，" + SEE_LIST
TO_STOP = "如需停止接收，请联系{office}。"


def needs_binding(ctx):
    """What an unbound user asking to (un)subscribe is told, naming the office."""
    return NEEDS_BINDING.format(office=office(ctx.config))


def subscriber(ctx, enrol=True):
    """The cadre who subscribes: the bound cadre, or with BOT_OPEN_ACCESS=1 a follower's own
    record (made on first use when `enrol`); None when they must bind first (or, not
    enrolling, when an open-access follower has no record: they follow nothing)."""
    if ctx.cadre is None and enrol and ctx.open_access:
        ctx.cadre = binding.enrol(ctx.db, **identity(ctx))
    return ctx.cadre


@router.on(either(exact("我的订阅", "订阅列表", "已订阅"), menu("MY_SUBSCRIPTIONS")),
           help="我的订阅 — 查看已订阅的部门")
def my_subscriptions(ctx):
    if subscriber(ctx, enrol=False) is None:
        return FOLLOWS_NOTHING if ctx.open_access else needs_binding(ctx)
    mine = store.subscriptions_of(ctx.db, ctx.cadre["id"])
    default = f"默认：您接收{default_follow(ctx)}。\n"
    if mine.get("all"):
        return "您订阅了全部部门。回复“退订 全部”可取消。"
    names = [d["name"] for d in mine.get("departments", [])]
    if not names:
        return (f"{default}您还没有另外订阅部门。回复“订阅 部门名”订阅，" + SEE_LIST).lstrip()
    return f"{default}您另外订阅了{len(names)}个部门：\n" + "\n".join(names)


def default_follow(ctx):
    """What the cadre receives unasked (BOT_DEFAULT_FOLLOW, subscriptions.audience), in the
    words of 我的订阅 and 退订: "每期头条和本部门（区审计局）的条目"."""
    follow = ctx.config.get("BOT_DEFAULT_FOLLOW") or "own"
    if follow == "all":
        return "每期简报的全部条目"
    own = departments.get_department(ctx.db, ctx.cadre.get("department_id")) \
        if ctx.cadre.get("department_id") else None
    if follow == "own" and own:
        return f"每期头条和本部门（{own['name']}）的条目"
    return "每期头条"


@router.on(command("订阅", glued=True), help="订阅 部门… — 订阅部门的简报（可写简称，如：订阅 {short}；订阅 全部）")
def subscribe(ctx):
    if subscriber(ctx) is None:
        return needs_binding(ctx)
    words = split_words(ctx.match)
    if not words:
        return f"请在“订阅”后写部门名，如：订阅 {examples(ctx.db).short}。" + SEE_LIST
    if ALL_WORDS.intersection(words):
        store.subscribe_all(ctx.db, ctx.cadre["id"])
        return "已订阅全部部门，今后每期简报的所有条目都会推送给您。"
    return _apply(ctx, "subscribe", words)


@router.on(command("退订", "取消订阅", glued=True), help="退订 部门… — 不再接收该部门的简报（退订 全部：全部退订）")
def unsubscribe(ctx):
    if subscriber(ctx, enrol=False) is None:
        return FOLLOWS_NOTHING if ctx.open_access else needs_binding(ctx)
    words = split_words(ctx.match)
    if not words:
        return f"请在“退订”后写部门名，如：退订 {examples(ctx.db).short}；或“退订 全部”。"
    if ALL_WORDS.intersection(words):
        store.unsubscribe_all(ctx.db, ctx.cadre["id"])
        to_stop = TO_STOP.format(office=office(ctx.config))
        return (f"已退订全部部门。\n默认：您仍接收{default_follow(ctx)}。{to_stop}\n"
                "回复“订阅 部门名”可重新订阅。")
    return _apply(ctx, "unsubscribe", words)


def _pending_choice(ctx):
    """Check: a number answering a recent numbered choice (`2`, `②`, `２`, `第2个`:
    router.choice_number); the match is the choice."""
    pending = ctx.state.get("pending") or {}
    if not pending.get("choices"):
        return None
    number = choice_number(ctx.text)
    if number is None or time.time() - pending.get("at", 0) > CHOICE_TTL_SECONDS:
        return None
    index = number - 1
    choices = pending["choices"]
    return choices[index] if 0 <= index < len(choices) else None


@router.on(_pending_choice)
def pick_choice(ctx):
    """`1` after a numbered choice: apply the pending 订阅/退订 to that department — as it is
    now: renamed or merged into another since the list was shown, the department it became
    (store.departments.now_called), and the reply names it so."""
    action = ctx.state["pending"].get("action")
    if subscriber(ctx, enrol=action == "subscribe") is None:
        return FOLLOWS_NOTHING if ctx.open_access else needs_binding(ctx)
    ctx.on_reply(chat_state.save_pending, ctx.user, None)
    picked = departments.now_called(ctx.db, ctx.match["id"], ctx.match["name"])
    if picked is None:  # the list was shown before the department went: say so, do nothing
        return f"“{ctx.match['name']}”已不在部门列表中。{SEE_LIST}"
    done = _done(ctx, action, [picked], [], None)
    if picked["name"] != ctx.match["name"]:  # renamed or merged since the list was shown
        done += f"\n（“{ctx.match['name']}”现为{picked['name']}。）"
    return done


def _apply(ctx, action, words):
    """Resolve each word; act on the clear ones; offer a numbered choice for an ambiguous one."""
    chosen, unknown, ambiguous = [], [], []
    for word in dict.fromkeys(words):
        found = departments.resolve(ctx.db, word)
        if found.department:
            chosen.append({"id": found.department["id"], "name": found.department["name"]})
        elif found.choices:
            ambiguous.append((word, found.choices))
        else:
            unknown.append(word)
    chosen = list({d["id"]: d for d in chosen}.values())
    return _done(ctx, action, chosen, unknown, ambiguous[0] if ambiguous else None,
                 ambiguous[1:])


def _done(ctx, action, chosen, unknown, ambiguous, more_ambiguous=()):
    lines = []
    ids = [d["id"] for d in chosen]
    names = "、".join(d["name"] for d in chosen)
    if ids and action == "subscribe":
        store.subscribe(ctx.db, ctx.cadre["id"], ids)
        lines.append(f"已订阅：{names}")
    elif ids:
        store.unsubscribe(ctx.db, ctx.cadre["id"], ids)
        lines.append(f"已退订：{names}")
        follow = ctx.config.get("BOT_DEFAULT_FOLLOW") or "own"
        if follow == "own" and ctx.cadre.get("department_id") in ids:
            lines.append("本部门的条目仍会默认推送给您。")
        elif follow == "all":
            lines.append(f"默认：您仍接收{default_follow(ctx)}。")
    if unknown:
        lines.append(f"没有找到部门：{'、'.join(unknown)}。{SEE_LIST}")
    for word, _ in more_ambiguous:
        lines.append(f"“{word}”对应多个部门，请写全称。")
    if ambiguous:
        word, choices = ambiguous
        choices = [{"id": c["id"], "name": c["name"]} for c in choices[:9]]
        ctx.on_reply(chat_state.save_pending, ctx.user, {"action": action, "word": word,
                                                        "choices": choices, "at": time.time()})
        verb = "订阅" if action == "subscribe" else "退订"
        lines.append(f"“{word}”对应多个部门，要{verb}哪一个？请回复序号：")
        lines.extend(f"{n}. {c['name']}" for n, c in enumerate(choices, 1))
    return "\n".join(lines)
