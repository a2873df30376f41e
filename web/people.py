"""Cadres in the console: subscribers by department, roster import (CSV) and binding codes.

    GET  /admin/subscribers        every department with its subscribers
    GET  /admin/roster             the roster, the import form, the invite button
    POST /admin/roster/import      a CSV upload (name,department,mobile,userid,subscriptions)
    POST /admin/roster/invite      one-time binding codes for the unbound cadres without one
    POST /admin/roster/<id>/code   a new code for one cadre (a lost code; the old one void)
    POST /admin/roster/sync        WeCom only: the roster from the address book (`roster sync`)

Also the cadre look-ups the item page and the sandbox phone need (`active_cadre`,
`sandbox_cadres`), all through the store's roster functions.
"""

import os
import tempfile

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)

from channels import channel_class, identity_of
from channels.addressbook import AddressBookError, sync_roster
from store import binding, roster
from store.db import get_db
from subscriptions import audience, roster_csv
from web.auth import admin_required, role_required
from web.trail import note
from web.errors import on_console_errors

bp = Blueprint("people", __name__, url_prefix="/admin")
on_console_errors(bp)
CODE_TTL_HOURS = 72
SHOWN_CODES = "jb_new_codes"  # session: {"ids": cadre ids, "since": stored time} to show once


@bp.route("/subscribers")
@admin_required
def subscribers():
    """Who follows each department (and who follows 全部)."""
    db = get_db()
    rule = audience.rule_for(current_app.config, identity_of(current_app.config))
    departments = [dict(d, names=[c["name"] for c in audience.followers(db, d["id"], rule)])
                   for d in audience.follower_counts(db, rule)]
    return render_template("admin/subscribers.html", departments=departments,
                           default_follow=rule.default_follow)


@bp.route("/roster")
@role_required("admin")
def roster_page():
    """The roster with binding state, and the import/invite forms; codes just made are shown
    here once (the POST redirects to this page, so a reload never makes codes again)."""
    db = get_db()
    made = session.pop(SHOWN_CODES, None)
    codes = binding.codes_since(db, made["ids"], made["since"]) if made else None
    return render_template("admin/roster.html", cadres=_cadres(db), codes=codes,
                           valid_codes=binding.valid_codes(db), address_book=_has_address_book(),
                           ttl_hours=CODE_TTL_HOURS)


@bp.route("/roster/import", methods=["POST"])
@role_required("admin")
def roster_import():
    """Import a roster CSV; re-importing updates cadres instead of duplicating them."""
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash("请选择名册 CSV 文件。", "error")
        return redirect(url_for("people.roster_page"))
    fd, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(upload.read())
        summary = roster_csv.import_roster(get_db(), path)
    except roster_csv.MalformedRoster as error:
        flash("名册格式有误，未导入任何一行；请改正后重新导入：", "error")
        for problem in error.errors:
            flash(f"第 {problem['line']} 行{problem['message']}", "error")
        return redirect(url_for("people.roster_page"))
    except (ValueError, UnicodeError) as error:
        flash(f"无法读取名册：{error}", "error")
        return redirect(url_for("people.roster_page"))
    finally:
        os.unlink(path)
    note("roster_import", None, file=upload.filename, added=summary["created"],
         updated=summary["updated"])
    _flash_import(summary)
    return redirect(url_for("people.roster_page"))


@bp.route("/roster/invite", methods=["POST"])
@role_required("admin")
def invite():
    """Make binding codes for the unbound cadres who hold no valid one (the codes handed out
    stay good); the roster page shows the new ones once."""
    db = get_db()
    since = binding.now(db)
    codes = binding.invite(db, ttl_hours=CODE_TTL_HOURS, identity=identity_of(current_app.config))
    note("roster_invite", None, codes=len(codes))
    _show_once(codes, since)
    holding = sum(1 for c in _cadres(db) if not c["bound"] and c["id"] in binding.valid_codes(db))
    if codes:
        flash(f"已为 {len(codes)} 人生成绑定码，{CODE_TTL_HOURS} 小时内有效。"
              + (f"另有 {holding - len(codes)} 人的绑定码仍有效，未改变。" if holding > len(codes) else ""))
    elif holding:
        flash(f"未绑定的 {holding} 人都已有未过期的绑定码，未生成新码。"
              "有人丢失绑定码时，请在名册中为其“重新生成”。")
    else:
        flash("所有干部都已可以接收推送，无需生成绑定码。")
    return redirect(url_for("people.roster_page"))


@bp.route("/roster/<int:cadre_id>/code", methods=["POST"])
@role_required("admin")
def renew_code(cadre_id):
    """A new code for one cadre who lost theirs: their older unused codes stop working."""
    db = get_db()
    cadre = active_cadre(db, cadre_id)
    if cadre is None:
        abort(404)
    since = binding.now(db)
    codes = binding.invite(db, ttl_hours=CODE_TTL_HOURS, cadre_ids=[cadre_id], renew=True,
                           identity=identity_of(current_app.config))
    if not codes:
        flash(f"{cadre['name']} 已可以接收推送，无需绑定码。")
        return redirect(url_for("people.roster_page"))
    note("roster_invite", f"cadre:{cadre_id}", codes=1, renew=True)
    _show_once(codes, since)
    flash(f"已为 {cadre['name']} 重新生成绑定码（{CODE_TTL_HOURS} 小时内有效），原来的绑定码已作废。")
    return redirect(url_for("people.roster_page"))


def _show_once(codes, since):
    if codes:
        session[SHOWN_CODES] = {"ids": [c["cadre_id"] for c in codes], "since": since}


@bp.route("/roster/sync", methods=["POST"])
@role_required("admin")
def roster_sync():
    """Sync the roster and departments from the WeCom address book; the counts as a flash."""
    try:
        counts = sync_roster(current_app.config, get_db())
    except AddressBookError as error:
        flash(str(error), "error")
        return redirect(url_for("people.roster_page"))
    note("roster_sync", None, **counts)
    flash(f"已从企业微信通讯录同步：新增 {counts['added']} 人，更新 {counts['updated']} 人，"
          f"移除 {counts['removed']} 人；通讯录共 {counts['departments']} 个部门。")
    return redirect(url_for("people.roster_page"))


def _has_address_book():
    return channel_class(current_app.config["BOT_CHANNEL"]).has_address_book


def _cadres(db):
    return roster.list_cadres(db, identity=identity_of(current_app.config))


def _flash_import(summary):
    flash(f"名册已导入：新增 {summary['created']} 人，更新 {summary['updated']} 人，"
          f"新增订阅 {summary['subscriptions']} 项。")
    for error in summary["errors"]:
        flash(f"第 {error['line']} 行：{error['message']}", "error")
    for notice in summary["notices"]:
        flash(f"第 {notice['line']} 行：{notice['message']}", "warn")


def active_cadre(db, cadre_id):
    """The cadre, or None when unknown or removed from the roster."""
    cadre = binding.get_cadre(db, cadre_id)
    return cadre if cadre and not cadre.get("removed_at") else None


def sandbox_cadres(db):
    """On-roster cadres as the sandbox phone shows them, each with its `recipient` identity."""
    return [dict(c, recipient=c.get("openid") or c.get("userid") or f"sandbox-{c['id']}")
            for c in roster.list_cadres(db)]


def sandbox_cadre(db, cadre_id):
    return next((c for c in sandbox_cadres(db) if c["id"] == cadre_id), None)
