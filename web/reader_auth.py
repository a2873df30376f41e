"""Item pages that know their reader: WeChat's web authorisation on `work` and `mp` (BOT_READER_OAUTH).

    outcome = identify(auth, db, config)   # the reading cadre (a dict), or a response to return
    remember(response, config, identity)   # the signed reader cookie (8 hours)

Outside WeChat's or WeCom's browser the page says to open it there. Inside, a reader not
yet known is sent to the authorize URL (snsapi_base: no prompt) and comes back with `code`,
which channels.readers turns into a userid or openid; the identity is kept in a signed,
HttpOnly cookie (`jb_reader`, 8 hours) so the next pages need no round trip. The identity
must be an active cadre (a WeCom roster member is bound on first sight, as in chat) — or,
under BOT_OPEN_ACCESS=1, any follower of the Official Account (VISITOR: searching enrols
nobody, so a follower who only reads has no cadre record; the page shows such a visitor
公开 items from links made for no cadre, nothing else). Who may see which item is decided by
the caller (what that cadre was sent).
"""

from flask import redirect, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from channels.readers import Unavailable, in_wechat
from store import binding

VISITOR = {"id": None, "name": None, "open_access": 1}  # a follower with no cadre record
COOKIE = "jb_reader"
MAX_AGE = 8 * 3600
SALT = "jianbao.reader"


def _serializer(config):
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=SALT)


def identify(auth, db, config):
    """The cadre reading this page, or the response that gets there (redirect, 403 page).
    A fresh identity is left in `request.environ["jianbao.reader"]` for `remember`."""
    if not in_wechat(request.user_agent.string):
        return render_template("open_in_wechat.html"), 403
    identity = _from_cookie(config)
    if identity is None:
        code = request.args.get("code")
        if not code:
            back = (str(config["BOT_PUBLIC_URL"]).rstrip("/") + request.path
                    + "?t=" + (request.args.get("t") or ""))
            return redirect(auth.authorize_url(back, state="read"))
        try:
            identity = auth.identify(code[:256])
        except Unavailable:
            return render_template("message.html", title="暂时无法打开",
                                   message="微信暂时无法确认您的身份，请稍后再从对话中打开这条链接。"), 503
        if identity is None:
            return render_template("link_invalid.html"), 403
        request.environ["jianbao.reader"] = identity
    cadre = binding.cadre_for(db, **identity)
    if cadre is None and identity.get("userid"):
        cadre = binding.bind_wecom_member(db, identity["userid"])
    if cadre is None and identity.get("openid") and config.get("BOT_OPEN_ACCESS"):
        return dict(VISITOR)  # a follower who only reads (BOT_OPEN_ACCESS): 公开 items only
    return cadre if cadre else (render_template("link_invalid.html"), 403)


def remember(response, config):
    """Set the reader cookie when this request learnt the identity."""
    identity = request.environ.get("jianbao.reader")
    if identity:
        response.set_cookie(COOKIE, _serializer(config).dumps(identity), max_age=MAX_AGE,
                            httponly=True, samesite="Lax",
                            secure=str(config["BOT_PUBLIC_URL"]).startswith("https://"))
    return response


def _from_cookie(config):
    try:
        identity = _serializer(config).loads(request.cookies.get(COOKIE, ""), max_age=MAX_AGE)
    except BadSignature:
        return None
    if isinstance(identity, dict) and set(identity) <= {"userid", "openid"} and identity:
        return identity
    return None
