"""The web side: item pages, the office console (/admin), the sandbox phone (/sandbox).

    web.init_app(app)      # blueprints, CSRF, session cookie, console password, CLI commands

Every POST is CSRF-checked except under /wechat and /api/, which carry WeChat's or the
publisher's signature instead. Console password: see web/auth.py and docs/web.md.
"""

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from channels import channel_class
from web import auth

csrf = CSRFProtect()
# Templates and static files of every web blueprint (served at /static/web/…).
assets = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static/web")
SIGNED_PREFIXES = ("/wechat", "/api/")
PRIVATE_PREFIXES = ("/items/", "/admin", "/sandbox")
# Scripts and styles from our own origin only (pages carry inline style attributes, no inline
# script); no plugins, no framing, forms post to us only.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' "
                           "'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def init_app(app):
    """Register the web blueprints and their protections on `app`."""
    from store.db import add_schema
    from web import (accounts_views, audit_views, console, identity_views, level_views, review_views, health, issue_views, pages, people, proxy, render,
                     sandbox, verify)
    from web.schema import migrations

    add_schema(app, migrations)
    proxy.init_app(app)
    health.init_app(app)

    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked below, minus signed paths
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # as long as the session lives
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="jianbao_session",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=8))
    if str(app.config.get("BOT_PUBLIC_URL", "")).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    auth.set_admin_password(app.config, app.config.get("BOT_ADMIN_PASSWORD"))
    if auth.is_plain(app.config.get("BOT_ADMIN_PASSWORD")) and not app.testing:
        app.logger.warning("BOT_ADMIN_PASSWORD holds a plain password; store its hash instead "
                           "(python bot.py admin-hash)")

    app.jinja_env.globals.update(may=auth.may, current_account=auth.current_account,
                                 role_names=auth.ROLE_NAMES, review_of=_review_of,
                                 levels_of=_levels_of, versions_of=identity_views.versions_panel)
    app.session_interface = BrowserSessions()
    render.init_app(app)
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_private_headers)
    app.register_error_handler(CSRFError, _csrf_refused)
    for blueprint in (assets, pages.bp, auth.bp, console.bp, issue_views.bp, people.bp,
                      audit_views.bp, accounts_views.bp, review_views.bp, level_views.bp,
                      identity_views.bp, verify.bp):
        app.register_blueprint(blueprint)
    if channel_class(app.config["BOT_CHANNEL"]).has_sandbox_phone:  # elsewhere: 404
        app.register_blueprint(sandbox.bp)


@assets.route("/")
def home():
    """The bare address opens the console (which asks for the password)."""
    return redirect(url_for("console.home"))


class BrowserSessions(SecureCookieSessionInterface):
    """Cookie sessions only where browsers are: /wechat and /api/ callers carry signatures,
    never cookies, so they get Flask's null session instead of a cookie check (on the chat
    hot path that check was ~25 µs of every message)."""

    def open_session(self, app, request):
        if request.path.startswith(SIGNED_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)


def _review_of(issue_id):
    """Templates: the issue's approval state (store/review.py)."""
    from store import review
    from store.db import get_db

    return review.state(get_db(), issue_id)


def _levels_of(issue_id):
    """Templates: the issue's 公开/内部 level and its items' (store/levels.py)."""
    from store import levels
    from store.db import get_db

    return levels.issue_levels(get_db(), issue_id)


def _check_csrf():
    if request.path.startswith(SIGNED_PREFIXES):
        return
    csrf.protect(apply_exemptions=True)


def _private_headers(response):
    """Internal pages: never cached by proxies, never framed, no token leaking via Referer.

    Item pages (their URL holds a token) send no Referer at all. The console and the sandbox
    send it to their own origin only: Flask-WTF refuses an HTTPS form post without a
    same-origin Referer, so `no-referrer` there locked everyone out behind an HTTPS proxy."""
    if request.path.startswith(PRIVATE_PREFIXES):
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer" if request.path.startswith(
            "/items/") else "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _csrf_refused(error):
    reason = "表单已过期或来源不明，请刷新页面后重试。"
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": reason}, 400
    if (error.description == "The CSRF session token is missing."  # the session cookie expired
            and request.path.startswith(("/admin/", "/sandbox/"))
            and request.path != url_for("auth.login") and not auth.wants_json()):
        return auth.session_ended()
    return render_template("message.html", title="请求被拒绝", message=reason), 400
