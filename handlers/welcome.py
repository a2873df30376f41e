"""Greeting and help: the follow event, 帮助 (built from every handler's help text), and
polite answers to what the bot cannot read.

    follow (subscribe / subscribe_scan)  -> welcome + help (or how to bind, if unbound)
    帮助 / menu HELP                       -> the generated help
    image, voice, location, link, …      -> a short note that only text is understood
"""

from handlers.access import how_to_bind, office
from handlers.router import command, either, event, menu, router
from store import levels
from store.examples import examples

WELCOME = "欢迎使用简报！{office}编发的简报将按您订阅的部门推送到这里。"
TEXT_ONLY = "暂时只能看懂文字。发送关键词即可搜索简报，回复“帮助”查看用法。"


def help_text(db, public_only=False):
    """The help reply: one line per command, generated from the registered handlers, with
    examples from this office's own departments and items (store.examples) — searches that
    find something for this reader (`public_only`: a follower, store.levels)."""
    ex = examples(db, public_only)
    lines = ["可用指令："] + [f"· {line.format(short=ex.short, other=ex.other_short)}"
                          for line in router.help_lines()]
    lines.append(f"其他文字将作为关键词搜索，如：{ex.queries()}。")
    return "\n".join(lines)


def welcome_line(config):
    """`welcome_line(app.config)`: the greeting, naming the office (BOT_OFFICE_NAME)."""
    return WELCOME.format(office=office(config))


@router.on(event("subscribe", "subscribe_scan"))
def welcome(ctx):
    """A new follower: welcome, then help (bound or open access) or how to bind."""
    if ctx.cadre is None and not ctx.open_access:
        return f"{welcome_line(ctx.config)}\n{how_to_bind(ctx.config)}"
    return f"{welcome_line(ctx.config)}\n{help_text(ctx.db, levels.public_only(ctx.cadre))}"


@router.on(event("unsubscribe", "enter_agent", "view", "location", "scan"))
def quiet_event(ctx):
    """Events that need no answer (unfollow, opening the app, link clicks, location)."""
    return None


@router.on(either(command("帮助", "help", "HELP", "?", "？"), menu("HELP")),
           help="帮助 — 显示本说明")
def show_help(ctx):
    return help_text(ctx.db, levels.public_only(ctx.cadre))


def _not_text(ctx):
    """Check: an ordinary message that is not text (image, voice, location, link, …)."""
    kind = getattr(ctx.message, "type", None)
    return True if kind not in ("text", "event") else None


@router.on(_not_text)
def not_text(ctx):
    return TEXT_ONLY
