"""The console's accounts page (admins only): add an account, change a role or password,
disable or enable one. Each change ends the account's sessions and is in the audit log.

    GET  /admin/accounts                         the list and the add form
    POST /admin/accounts                         name, role, password -> a new account
    POST /admin/accounts/<name>/password         password -> replaced, sessions ended
    POST /admin/accounts/<name>/role             role -> changed, sessions ended
    POST /admin/accounts/<name>/disable          disabled (enabled with `enable=1`)
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from store import accounts
from store.db import get_db
from web.auth import ROLE_NAMES, password_hash, role_required
from web.errors import on_console_errors
from web.trail import note

bp = Blueprint("accounts", __name__, url_prefix="/admin")
on_console_errors(bp)


def _back():
    return redirect(url_for("accounts.accounts_page"))


def _password():
    password = request.form.get("password") or ""
    if len(password) < accounts.PASSWORD_MIN:
        flash(f"密码至少 {accounts.PASSWORD_MIN} 个字符。", "error")
        return None
    return password


@bp.route("/accounts")
@role_required("admin")
def accounts_page(typed=None):
    """The list and the add form; `typed` {"name", "role"}: what a refused add was sent with
    (the password is never sent back)."""
    return render_template("admin/accounts.html", accounts=accounts.list_accounts(get_db()),
                           roles=accounts.ROLES, role_names=ROLE_NAMES, typed=typed or {})


@bp.route("/accounts", methods=["POST"])
@role_required("admin")
def add_account():
    name = (request.form.get("name") or "").strip()
    role = request.form.get("role") or ""
    typed = {"name": name, "role": role}
    password = _password()
    if password is None:  # the page again with the name and role typed (422)
        return accounts_page(typed), 422
    try:
        accounts.add(get_db(), name, role, password_hash(password))
    except ValueError as error:
        flash(f"未添加：{error}", "error")
        return accounts_page(typed), 422
    note("account_add", f"account:{name}", role=role)
    flash(f"已添加账号 {name}（{ROLE_NAMES[role]}）。")
    return _back()


@bp.route("/accounts/<name>/password", methods=["POST"])
@role_required("admin")
def change_password(name):
    password = _password()
    if password is None:
        return _back()
    return _change(name, "account_password", accounts.set_password, password_hash(password),
                   "密码已更改，该账号已退出登录。")


@bp.route("/accounts/<name>/role", methods=["POST"])
@role_required("admin")
def change_role(name):
    role = request.form.get("role") or ""
    if role not in accounts.ROLES:
        flash("请选择角色。", "error")
        return _back()
    before = (accounts.get(get_db(), name) or {}).get("role")
    return _change(name, "account_role", accounts.set_role, role,
                   f"角色已改为{ROLE_NAMES[role]}。", before=before, after=role)


@bp.route("/accounts/<name>/disable", methods=["POST"])
@role_required("admin")
def disable(name):
    enable = request.form.get("enable") == "1"
    return _change(name, "account_enable" if enable else "account_disable",
                   accounts.set_disabled, not enable,
                   "账号已启用。" if enable else "账号已停用，其登录已全部失效。")


def _change(name, action, change, value, message, **details):
    try:
        change(get_db(), name, value)
    except LookupError:
        flash(f"没有账号 {name}。", "error")
        return _back()
    note(action, f"account:{name}", **details)
    flash(message)
    return _back()
