"""Who is talking, the 绑定 command, and the gate that keeps strangers out.

    cadre = identify(db, ctx.channel, "zhangsan")  # roster member (auto-bound on WeCom) or None
    绑定 123456                                   # binds this WeChat identity to a roster entry

The bulletin is internal: until a user is bound, every command and query gets only
`HOW_TO_BIND`. `BOT_OPEN_ACCESS=1` turns the gate off.
"""

import re

import config as settings
from handlers.router import command, router
from store import binding, levels

HOW_TO_BIND = ("简报仅供本单位干部使用。请回复“绑定 绑定码”完成身份绑定，"
               "如：绑定 12345678。绑定码请向{office}索取。")
BIND_USAGE = "请在“绑定”后写6位以上数字绑定码，如：绑定 12345678。"
BIND_FAILED = {
    "unknown": "绑定码不正确，请核对后重试；如有疑问请联系{office}。",
    "expired": "绑定码已过期，请向{office}索取新的绑定码。",
    "used": "绑定码已被使用，请向{office}索取新的绑定码。",
    "bound_elsewhere": "该干部已绑定其他微信账号，如需更换请联系{office}。",
    "removed": "该干部已不在名册中，如有疑问请联系{office}。",
    "identity_taken": "这个微信账号已绑定了另一位干部，如需更换请联系{office}。",
    "throttled": "绑定码错误次数过多，请一小时后再试。",
}


def office(config):
    """`office(app.config)` -> "区委办公室": whom cadres ask (BOT_OFFICE_NAME)."""
    return str(settings.setting(config, "BOT_OFFICE_NAME")).strip()


def how_to_bind(config):
    """`how_to_bind(app.config)`: what an unbound user is told, naming the office."""
    return HOW_TO_BIND.format(office=office(config))


def identify(db, channel, user):
    """The bound, non-removed cadre for `user` on `channel` (a channel class), or None.

    Where the address book is the identity (WeCom: `identity` "userid"), a member whose
    userid is on the roster is bound on first contact, no code.
    """
    if channel.identity == "userid":
        return binding.cadre_for(db, userid=user) or binding.bind_wecom_member(db, user)
    return binding.cadre_for(db, **channel.user_identity(user))


def identity(ctx):
    """`{"userid": …}` on WeCom, `{"openid": …}` elsewhere: how roster functions name the user."""
    return ctx.channel.user_identity(ctx.user)


@router.on(command("绑定码", "绑定", glued=True),
           help="绑定 绑定码 — 绑定干部身份（如：绑定 12345678）")
def bind(ctx):
    """Bind this WeChat identity with a one-time code from `roster invite` (`绑定 12345678`,
    `绑定12345678`, `绑定码：12345678`: the code's own name may lead). A follower who
    enrolled themselves (open access) binds too: they become the code's roster cadre and keep
    what they subscribed to (store.binding)."""
    code = re.sub(r"\s+", "", ctx.match)
    rostered = not levels.public_only(ctx.cadre)  # a roster cadre, not a follower
    if rostered and not code:
        return f"您已绑定为{ctx.cadre['name']}，无需再次绑定。"
    if not re.fullmatch(r"\d{6,12}", code):
        return BIND_USAGE
    result = binding.bind(ctx.db, code, **identity(ctx))
    if result.ok and result.already:
        return f"您已绑定为{result.cadre['name']}，无需再次绑定。"
    if result.ok:
        cadre = result.cadre
        kept = "您此前订阅的部门已保留。\n" if result.merged else ""
        return (f"绑定成功，{cadre['name']}（{cadre.get('department') or '未填部门'}）。\n"
                f"{kept}回复“部门”查看可订阅的部门，“订阅 部门名”订阅，“帮助”查看全部用法。")
    if rostered:
        return f"您已绑定为{ctx.cadre['name']}，无需再次绑定。"
    failed = BIND_FAILED.get(result.reason, BIND_FAILED["unknown"])
    return failed.format(office=office(ctx.config))


def _stranger(ctx):
    """Check: an unbound user (and the gate is on) sent a message or clicked the menu."""
    if ctx.cadre is not None or ctx.open_access:
        return None
    if ctx.event and ctx.event != "click":
        return None
    return True


@router.on(_stranger)
def explain_binding(ctx):
    """Everything an unbound user sends gets the same short explanation."""
    return how_to_bind(ctx.config)
