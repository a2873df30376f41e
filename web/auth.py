"""Console login: named accounts with roles, a session cookie, CSRF on every form, lockouts.

    @admin_required                       # any signed-in account (an editor or more)
    def view(): ...                       # redirects to /admin/login when not signed in
                                          # (a form post: with a message that nothing was saved;
                                          # JSON callers: 401 {"error"})

    @role_required("approver")            # approvers and admins; others get 403
    def push(): ...

Accounts (store/accounts.py, `python bot.py user add`) are editor < approver < admin.
BOT_ADMIN_PASSWORD is the bootstrap account `admin` (role admin): a werkzeug password hash
(`python bot.py admin-hash`); a plain password is accepted for development and hashed at
start-up. With neither a password nor an account the console is off.

The session cookie names the account and the session generation it was issued under; every
request checks both against the database, so logging out, disabling the account or changing
its password ends its sessions at once (a copied cookie stops working).

After LOCKOUT_FAILURES failed logins from one IP within LOCKOUT_SECONDS, that IP is refused
until the oldest of those failures is LOCKOUT_SECONDS old; a named account is also locked
after LOCKOUT_FAILURES failures on it from anywhere.
"""

import functools
import secrets
import time
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request,
                   session, url_for)
from werkzeug.security import check_password_hash, generate_password_hash

from store import accounts
from store.db import get_db
import metrics
from web import store
from web.trail import note

LOCKOUT_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
HASH_PREFIXES = ("scrypt:", "pbkdf2:")

bp = Blueprint("auth", __name__, url_prefix="/admin")


def is_plain(value):
    """True for a password typed as is, False for a werkzeug hash (or nothing)."""
    return bool(value) and not (value.startswith(HASH_PREFIXES) and "$" in value)


def password_hash(value):
    """`password_hash("s3cret")` -> a werkzeug hash; a value that already is one is kept."""
    if not value:
        return None
    return generate_password_hash(value) if is_plain(value) else value


def set_admin_password(config, value):
    """Install `value` (plain or hashed) as the console password in an app config dict."""
    config["WEB_ADMIN_PASSWORD_HASH"] = password_hash(value)


ROLE_NAMES = {"editor": "编辑", "approver": "审核人", "admin": "管理员"}


def console_enabled():
    return bool(current_app.config.get("WEB_ADMIN_PASSWORD_HASH")) or accounts.any_active(get_db())


def current_account():
    """{"name", "role"} of the signed-in account, checked against the database on every
    request (disabled, or its sessions ended: None), or None."""
    if "account" in g:
        return g.account
    g.account = None
    name, issued = session.get("user"), session.get("gen")
    if name and isinstance(issued, int):
        db = get_db()
        if name == accounts.BOOTSTRAP:
            role = "admin" if current_app.config.get("WEB_ADMIN_PASSWORD_HASH") else None
        else:
            row = accounts.get(db, name)
            role = row["role"] if row and not row["disabled"] else None
        if role and accounts.generation(db, name) == issued:
            g.account = {"name": name, "role": role}
    return g.account


def signed_in():
    return current_account() is not None


def may(needed):
    """True when the signed-in account's role reaches `needed` (templates hide buttons)."""
    account = current_account()
    return bool(account) and accounts.at_least(account["role"], needed)


def role_required(needed):
    """Decorator: sign in first, then the account's role must reach `needed` (else 403)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not console_enabled():
                return render_template("admin/disabled.html"), 503
            if not signed_in():
                if request.method == "GET" and not request.path.endswith((".json", ".csv")):
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                if not wants_json():  # a browser's form: say so in words, back to its page
                    return session_ended()
                return {"error": "请先登录控制台"}, 401
            if not may(needed):
                reason = (f"你的账号（{ROLE_NAMES[current_account()['role']]}）无权执行此操作，"
                          f"需要{ROLE_NAMES[needed]}。")
                if request.path.endswith(".json"):
                    return {"error": reason}, 403
                return render_template("message.html", title="无权操作", message=reason), 403
            return view(*args, **kwargs)
        return wrapped
    return decorate


admin_required = role_required("editor")  # any signed-in account


def wants_json():
    """True for scripts and API clients (JSON asked for or sent, a script's X-CSRFToken, a
    .json/.csv or /api/ path); False for a browser submitting a form."""
    return (request.path.startswith("/api/") or request.path.endswith((".json", ".csv"))
            or request.is_json or request.accept_mimetypes.best == "application/json"
            or "X-CSRFToken" in request.headers or "X-Requested-With" in request.headers)


TYPED = {"title": "标题", "department": "单位", "note": "更正说明", "withdraw_note": "撤回说明",
         "at": "定时", "text": "粘贴的内容"}


def session_ended():
    """A browser's form posted after its session ended (logged out elsewhere, the password or
    role changed, expired): nothing was done. To the login page with a message saying so and
    what was typed (to copy back), and `next` back to the page the form was on."""
    typed = []
    for field, label in TYPED.items():
        value = " ".join((request.form.get(field) or "").split())
        if value:
            typed.append(f"{label}「{value[:120]}{'…' if len(value) > 120 else ''}」")
    flash("登录已失效（可能已在别处退出，或账号的密码、角色已更改），刚才提交的内容没有保存。"
          "请重新登录，回到原页面后再提交一次。"
          + ("你刚才填写的：" + "，".join(typed[:4]) + "。" if typed else ""), "error")
    return redirect(url_for("auth.login", next=_page_of_form()), 303)


def _page_of_form():
    """The console page the form was submitted from (its Referer, same site), else ""."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc and parts.netloc != request.host:
        return ""
    if not parts.path.startswith("/admin") or parts.path.startswith("/admin/login"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def client_ip():
    return request.remote_addr or "unknown"


def locked_for(db, ip, now=None):
    """Seconds until `ip` may try again (0 when it is not locked out)."""
    now = time.time() if now is None else now
    failures = store.recent_failures(db, ip, now - LOCKOUT_SECONDS)
    if len(failures) < LOCKOUT_FAILURES:
        return 0
    return max(1, int(failures[-LOCKOUT_FAILURES] + LOCKOUT_SECONDS - now))


def _check(name, password):
    """The account `name` (the bootstrap `admin` when empty) when `password` is its own."""
    if name == accounts.BOOTSTRAP:
        stored = current_app.config.get("WEB_ADMIN_PASSWORD_HASH")
    else:
        row = accounts.get(get_db(), name)
        stored = row["password_hash"] if row and not row["disabled"] else None
    return bool(stored) and check_password_hash(stored, password or "")


def _safe_next(target):
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; five failures from one address lock it out for 15 minutes."""
    if not console_enabled():
        return render_template("admin/disabled.html"), 503
    db, ip = get_db(), client_ip()
    name = " ".join((request.form.get("user") or "").split())[:40] or accounts.BOOTSTRAP
    # failures count per address, and for a named account per account too
    keys = [ip] + ([f"account:{name}"] if name != accounts.BOOTSTRAP else [])
    wait = max(locked_for(db, key) for key in keys)
    tried = 0
    if not wait and request.method == "POST":  # counted before the check, atomically
        for key in keys:
            allowed, count = store.count_attempt(db, key, time.time() - LOCKOUT_SECONDS,
                                                 LOCKOUT_FAILURES)
            tried = max(tried, count)
            if not allowed:
                wait = max(1, locked_for(db, key))
                break
    if wait:
        metrics.login("locked")
        minutes = (wait + 59) // 60
        return render_template("admin/login.html", error=f"登录失败次数过多，请 {minutes} 分钟后再试。",
                               locked=True), 429
    if request.method == "GET":
        return render_template("admin/login.html", next=request.args.get("next", ""))
    if not _check(name, request.form.get("password")):
        metrics.login("wrong")
        current_app.logger.warning("console login failed from %s", ip)
        note("login_failed", who=name)
        left = LOCKOUT_FAILURES - tried
        error = "密码不正确。" + (f"还可尝试 {left} 次。" if left > 0 else "请 15 分钟后再试。")
        return render_template("admin/login.html", error=error,
                               next=request.form.get("next", "")), 401
    for key in keys:
        store.clear_failures(db, key)
    metrics.login("ok")
    session.clear()
    session.permanent = True
    session["user"], session["gen"] = name, accounts.generation(db, name)
    g.pop("account", None)
    note("login", who=name)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    account = current_account()
    if account:  # every session of the account ends, copies of this cookie included
        note("logout")
        accounts.end_sessions(get_db(), account["name"])
    session.clear()
    return redirect(url_for("auth.login"))


def new_password():
    """A random console password for demo mode: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)
