"""The sandbox phone (`BOT_CHANNEL=sandbox` only): be any cadre, see their inbox, chat with the bot.

    GET  /sandbox                          pick a cadre
    GET  /sandbox/<cadre_id>               their inbox as WeChat shows it, and a chat box
    GET  /sandbox/<cadre_id>/inbox.json    messages after ?after=<id> (the page polls it)
    POST /sandbox/<cadre_id>/say           text -> a signed WeChat XML message posted to /wechat

The chat goes through the real callback: the server builds the XML WeChat would send, signs
it with the channel's callback token (wechatpy's signer) and posts it to `/wechat` through the
app's own WSGI stack, so signature check, parsing, routing and reply rendering all run.
Console sign-in is required: the sandbox shows any cadre's inbox.
"""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from channels import inbox
from store.db import get_db
from web.args import int_arg
from web import people, previews, wechat_sim
from web.auth import admin_required
from web.errors import on_console_errors

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
on_console_errors(bp)
SAY_MAX = 600
INBOX_SHOWN = 30


@bp.route("/")
@admin_required
def phone():
    """The cadre picker (with the first cadre's phone open, if there is one)."""
    cadres = people.sandbox_cadres(get_db())
    if cadres and request.args.get("pick") is None:
        return redirect(url_for("sandbox.cadre_phone", cadre_id=cadres[0]["id"]))
    return render_template("sandbox.html", cadres=cadres, cadre=None, phone=[], last_id=0)


@bp.route("/<int:cadre_id>")
@admin_required
def cadre_phone(cadre_id):
    """What this cadre's WeChat shows: the cards received, then a chat box."""
    db = get_db()
    cadres = people.sandbox_cadres(db)
    cadre = next((c for c in cadres if c["id"] == cadre_id), None)
    if cadre is None:
        abort(404)
    rows = inbox(db, cadre["recipient"], limit=INBOX_SHOWN)
    return render_template("sandbox.html", cadres=cadres, cadre=cadre,
                           phone=previews.inbox_messages(rows),
                           last_id=rows[-1]["id"] if rows else 0)


@bp.route("/<int:cadre_id>/inbox.json")
@admin_required
def inbox_json(cadre_id):
    """New inbox messages after `?after=<id>`, rendered like the page's."""
    db = get_db()
    cadre = people.sandbox_cadre(db, cadre_id)
    if cadre is None:
        return {"error": "没有这位干部"}, 404
    after = int_arg("after", highest=2 ** 62)  # a row id: SQLite's integers end at 2**63
    rows = inbox(db, cadre["recipient"], after_id=after)
    return {"last_id": rows[-1]["id"] if rows else after,
            "html": render_template("phone_messages.html", phone=previews.inbox_messages(rows))
            if rows else ""}


@bp.route("/<int:cadre_id>/say", methods=["POST"])
@admin_required
def say(cadre_id):
    """Send `text` to the bot as this cadre, through the real /wechat callback."""
    db = get_db()
    cadre = people.sandbox_cadre(db, cadre_id)
    if cadre is None:
        return {"error": "没有这位干部"}, 404
    text = (request.form.get("text") or "").strip()
    if not text:
        return {"error": "请输入要发送的内容"}, 400
    if len(text) > SAY_MAX:
        return {"error": f"一次最多发送 {SAY_MAX} 个字"}, 400
    exchange = wechat_sim.send_text(current_app, cadre["recipient"], text)
    if exchange.status != 200:
        return {"error": f"回调返回 {exchange.status}"}, 502
    return {"replies": [dict(r, html=render_template("phone_messages.html", phone=[r]))
                        for r in exchange.replies]}
