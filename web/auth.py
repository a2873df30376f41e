"""Console login: one admin password, a session cookie, CSRF on every form, a per-IP lockout.

    @admin_required
    def view(): ...                       # redirects to /admin/login when not signed in

BOT_ADMIN_PASSWORD holds a werkzeug password hash (`python bot.py admin-hash`); a plain
password is accepted for development and hashed at start-up. Unset: the console is off.
After LOCKOUT_FAILURES failed logins from one IP within LOCKOUT_SECONDS, that IP is refused
until the oldest of those failures is LOCKOUT_SECONDS old.
"""

import functools
import secrets
import time

from flask import (Blueprint, current_app, redirect, render_template, request, session,
                   url_for)
from werkzeug.security import check_password_hash, generate_password_hash

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


def console_enabled():
    return bool(current_app.config.get("WEB_ADMIN_PASSWORD_HASH"))


def signed_in():
    return session.get("admin") is True


def admin_required(view):
    """Decorator: the console is off without a password; otherwise sign in first."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not console_enabled():
            return render_template("admin/disabled.html"), 503
        if not signed_in():
            if request.method == "GET" and not request.path.endswith(".json"):
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            return {"error": "请先登录控制台"}, 401
        return view(*args, **kwargs)
    return wrapped


def client_ip():
    return request.remote_addr or "unknown"


def locked_for(db, ip, now=None):
    """Seconds until `ip` may try again (0 when it is not locked out)."""
    now = time.time() if now is None else now
    failures = store.recent_failures(db, ip, now - LOCKOUT_SECONDS)
    if len(failures) < LOCKOUT_FAILURES:
        return 0
    return max(1, int(failures[-LOCKOUT_FAILURES] + LOCKOUT_SECONDS - now))


def _check(password):
    stored = current_app.config.get("WEB_ADMIN_PASSWORD_HASH")
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
    wait = locked_for(db, ip)
    if not wait and request.method == "POST":  # counted before the check, atomically
        allowed, tried = store.count_attempt(db, ip, time.time() - LOCKOUT_SECONDS,
                                             LOCKOUT_FAILURES)
        wait = 0 if allowed else max(1, locked_for(db, ip))
    if wait:
        metrics.login("locked")
        minutes = (wait + 59) // 60
        return render_template("admin/login.html", error=f"登录失败次数过多，请 {minutes} 分钟后再试。",
                               locked=True), 429
    if request.method == "GET":
        return render_template("admin/login.html", next=request.args.get("next", ""))
    if not _check(request.form.get("password")):
        metrics.login("wrong")
        current_app.logger.warning("console login failed from %s", ip)
        note("login_failed", who=request.form.get("user") or "admin")
        left = LOCKOUT_FAILURES - tried
        error = "密码不正确。" + (f"还可尝试 {left} 次。" if left > 0 else "请 15 分钟后再试。")
        return render_template("admin/login.html", error=error,
                               next=request.form.get("next", "")), 401
    store.clear_failures(db, ip)
    metrics.login("ok")
    session.clear()
    session.permanent = True
    session["admin"] = True
    note("login")
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    if signed_in():
        note("logout")
    session.clear()
    return redirect(url_for("auth.login"))


def new_password():
    """A random console password for demo mode: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)
