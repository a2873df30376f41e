"""The WeCom address book (通讯录), read through wechatpy's WeCom client.

    counts = sync_roster(app.config, db)     # fetch + store.addressbook.apply_book, see there
    book = fetch_book(app.config)            # {"departments": [...], "members": [...]}
    member = fetch_member(app.config, "zhangsan")      # one member (user/get), or None
    departments = fetch_departments(app.config)        # the department list alone

`departments`: [{"id", "name", "parentid", "order"}], parents before children, as
`department/list` gives them (every department the app may see). `members`:
[{"userid", "name", "department": [ids], "main_department", "status", "mobile"}], one per
member however many departments list them (`user/list` once per department); `status` is
WeCom's (1 active, 2 disabled, 4 not activated, 5 quit) and `mobile` is None when WeCom
does not give it (apps created since mid-2022 get no mobile numbers).

The client is channels.work.WeComClient: its access token is the one the push worker uses
(shared through SQLite), fetched with WECOM_CONTACT_SECRET when that is set (WeCom's
通讯录同步 secret), else with the app's WECOM_SECRET. Every failure — a refused secret,
no address-book permission (60011), an untrusted IP (60020), the network — raises
`AddressBookError`, whose message is one line naming the cause and what to set.
"""

import requests
from wechatpy.exceptions import WeChatClientException

from channels.base import DEFAULT_TIMEOUT, TransientError
from channels.errors import TOKEN_ERRORS, TokenFetchError
from channels.work import WeComClient
from store.addressbook import EmptyBook, apply_book

# What the WeCom admin (or our settings) must change, by error code.
ADVICE = {
    40001: "企业微信拒绝了 Secret：请核对 WECOM_SECRET（设置了 WECOM_CONTACT_SECRET 时核对它）",
    40013: "企业 ID 不正确：请核对 WECOM_CORP_ID",
    60011: ("应用没有通讯录读取权限：请在企业微信管理后台把本应用的“可见范围”设为要同步的部门，"
            "或把 WECOM_CONTACT_SECRET 设为“通讯录同步”的 Secret"),
    60020: ("本服务器的 IP 不在企业可信 IP 中：请在企业微信管理后台 → 本应用 → 企业可信IP "
            "加入本服务器的出口 IP"),
    48002: "本应用无权调用通讯录接口：请在企业微信管理后台开启通讯录读取权限",
}
ADVICE[40014] = ADVICE[42001] = "企业微信不认可 access token：请稍后再试，或核对 WECOM_SECRET"


class AddressBookError(Exception):
    """Reading the address book failed; `str(error)` is one line: the cause and the fix."""

    def __init__(self, reason, errcode=None, prefix="读取企业微信通讯录失败："):
        super().__init__(f"{prefix}{reason}")
        self.errcode = errcode


def sync_roster(config, db, dry_run=False, db_path=None, changes=None):
    """`roster sync` and the console button: fetch the book, apply it in one transaction
    -> {"added", "updated", "removed", "departments"} (`changes`: see apply_book). Raises AddressBookError (one line)
    off the `work` channel, when the book cannot be read, or when it lists nobody; the
    database is then unchanged."""
    channel = config.get("BOT_CHANNEL")
    if channel != "work":
        raise AddressBookError(f"通讯录同步只用于企业微信（BOT_CHANNEL=work），当前是 {channel}",
                               prefix="")
    book = fetch_book(config, db_path)
    try:
        return apply_book(db, book, dry_run=dry_run, changes=changes)
    except EmptyBook as error:
        raise AddressBookError(str(error)) from None


def contact_client(config, db_path=None, timeout=None):
    """The WeCom client that reads the address book (shares the token table with pushes)."""
    secret = config.get("WECOM_CONTACT_SECRET") or config.get("WECOM_SECRET")
    if not config.get("WECOM_CORP_ID") or not secret:
        raise AddressBookError("没有配置 WECOM_CORP_ID / WECOM_SECRET")
    timeout = float(timeout or config.get("BOT_HTTP_TIMEOUT") or DEFAULT_TIMEOUT)
    return WeComClient(config["WECOM_CORP_ID"], secret, db_path or config["DATABASE_PATH"],
                       api_base=config.get("WECOM_API_BASE"), timeout=timeout)


def fetch_book(config, db_path=None):
    """The whole address book the app may see -> {"departments", "members"}."""
    client = contact_client(config, db_path)
    departments = [_department(d) for d in _ask(client, lambda: client.department.get())]
    members = {}
    for department in departments:
        users = _ask(client, lambda: client.user.list(department["id"]))
        for user in users:
            member = _member(user)
            if member:
                members.setdefault(member["userid"], member)
    return {"departments": departments, "members": list(members.values())}


def fetch_member(config, userid, db_path=None, timeout=None):
    """One member by userid (`user/get`) in the `fetch_book` shape, or None if unknown."""
    client = contact_client(config, db_path, timeout)
    try:
        user = _ask(client, lambda: [client.user.get(userid)])[0]
    except AddressBookError as error:
        if error.errcode == 60111:
            return None
        raise
    return _member(user)


def fetch_departments(config, db_path=None, timeout=None):
    """Every department the app may see (`department/list`), parents first."""
    client = contact_client(config, db_path, timeout)
    return [_department(d) for d in _ask(client, lambda: client.department.get())]


def _ask(client, fetch):
    """`fetch()`'s list, through the shared-token `call`; every failure an AddressBookError."""
    try:
        return client.call(lambda: {"rows": fetch()})["rows"]
    except TokenFetchError as error:
        raise AddressBookError(_advice(error.errcode, error.reason), error.errcode) from None
    except WeChatClientException as error:
        if error.errcode is None:
            status = getattr(error.response, "status_code", None)
            raise AddressBookError(f"企业微信应答 HTTP {status or '错误'}，请稍后再试") from None
        raise AddressBookError(_advice(error.errcode, error.errmsg), error.errcode) from None
    except TransientError as error:
        if error.errcode in TOKEN_ERRORS:
            raise AddressBookError(_advice(error.errcode, error.reason), error.errcode) from None
        raise AddressBookError(_network(client, error.reason)) from None
    except requests.Timeout:
        raise AddressBookError(_network(client, "Timeout")) from None
    except requests.RequestException as error:
        raise AddressBookError(_network(client, type(error).__name__)) from None
    except (KeyError, TypeError, ValueError) as error:
        raise AddressBookError(f"企业微信的应答缺少字段 {error}") from None


def _advice(errcode, errmsg):
    detail = f"{errcode} {' '.join(str(errmsg or '').split())}".strip()
    advice = ADVICE.get(errcode)
    return f"{advice}（{detail}）" if advice else f"企业微信返回错误（{detail}）"


def _network(client, reason):
    reason = str(reason).removeprefix("token fetch failed: ")
    if "Timeout" in str(reason) or "timeout" in str(reason):
        return (f"企业微信 {client.timeout:g} 秒内没有应答：请检查本服务器到 "
                f"{client.API_BASE_URL} 的网络（BOT_HTTP_TIMEOUT、WECOM_API_BASE）")
    return (f"无法连接企业微信（{' '.join(str(reason).split())}）：请检查本服务器到 "
            f"{client.API_BASE_URL} 的网络、代理或 WECOM_API_BASE")


def _department(entry):
    return {"id": int(entry["id"]), "name": " ".join(str(entry.get("name") or "").split())
            or str(entry["id"]), "parentid": int(entry.get("parentid") or 0),
            "order": int(entry.get("order") or 0)}


def _member(user):
    userid = str(user.get("userid") or "").strip()
    if not userid:
        return None
    departments = []
    for value in user.get("department") or []:
        try:
            departments.append(int(value))
        except (TypeError, ValueError):
            continue
    main = user.get("main_department")
    try:
        main = int(main) if main not in (None, "") else None
    except (TypeError, ValueError):
        main = None
    try:
        status = int(user.get("status") or 1)
    except (TypeError, ValueError):
        status = 1
    return {"userid": userid, "name": " ".join(str(user.get("name") or "").split()) or userid,
            "department": departments, "main_department": main, "status": status,
            "mobile": str(user.get("mobile") or "").strip() or None}
