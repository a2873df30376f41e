"""WeCom contact-change events (`change_contact`): the roster follows the address book at once.

    if is_contact_change(config, message):
        apply_contact_change(db, config, message)    # then WeChat gets the empty "success"

WeCom posts these to the app's callback URL when a member or department the app may see
changes. ChangeType create_user / update_user / delete_user go to
`store.addressbook.apply_member_change`, create_party / update_party / delete_party to
the org chart, with the rules of `roster sync`. WeCom sends only the fields that changed:
an update for a member not known here yet is completed with `user/get`, and a department
change refetches the department list (`department/list`, one call) so names the book
repeats are qualified as a sync would; each fetch within FETCH_SECONDS (WeChat waits 5 s
for the answer). If the list cannot be fetched the event's own fields are applied
(`apply_party_change`); if a member cannot, the event is logged and the next `roster sync`
catches up. These events carry
no AgentID and come from "sys": they are handled before the chat router, never answered.
wechatpy has no class for them (an UnknownMessage): the fields are read from its parsed XML.
"""

import logging

from config import setting
from channels import channel_class
from channels.addressbook import AddressBookError, fetch_departments, fetch_member
from store.addressbook import apply_member_change
from store.org_chart import apply_departments, apply_party_change

log = logging.getLogger(__name__)
MEMBER_CHANGES = ("create_user", "update_user", "delete_user")
PARTY_CHANGES = ("create_party", "update_party", "delete_party")
FETCH_SECONDS = 1.0  # per HTTP call; a token refetch and a retry stay inside WeChat's 5 s


def is_contact_change(config, message):
    """True for a WeCom `change_contact` event (on a channel with an address book)."""
    if not channel_class(setting(config, "BOT_CHANNEL")).has_address_book:
        return False
    fields = _fields(message)
    return str(fields.get("MsgType") or "").lower() == "event" and \
        str(fields.get("Event") or "").lower() == "change_contact"


def apply_contact_change(db, config, message):
    """Apply one contact-change event -> the outcome ("added", "updated", "removed", None);
    never raises (a failure is logged: the next `roster sync` repairs it)."""
    fields = _fields(message)
    kind = str(fields.get("ChangeType") or "")
    try:
        if kind in MEMBER_CHANGES:
            outcome = _member(db, config, kind, fields)
        elif kind in PARTY_CHANGES:
            outcome = _party(db, config, kind, fields)
        else:
            log.info("ignoring change_contact %r", kind)
            return None
    except Exception:  # the callback must still answer WeChat
        log.exception("change_contact %s could not be applied", kind)
        return None
    log.info("change_contact %s %s: %s", kind, fields.get("UserID") or fields.get("Id"),
             outcome or "no change")
    return outcome


def _member(db, config, kind, fields):
    change = {"change": kind, "userid": _text(fields.get("UserID")),
              "new_userid": _text(fields.get("NewUserID")), "name": _text(fields.get("Name")),
              "mobile": _text(fields.get("Mobile")), "status": _number(fields.get("Status")),
              "main_department": _number(fields.get("MainDepartment")),
              "department": [n for n in map(_number, str(fields.get("Department") or "")
                                            .split(",")) if n is not None]}
    outcome = apply_member_change(db, change)
    if outcome != "incomplete":
        return outcome
    userid = change["new_userid"] or change["userid"]
    try:
        member = fetch_member(config, userid, timeout=_timeout(config))
    except AddressBookError as error:
        log.warning("change_contact %s %s: %s", kind, userid, error)
        return None
    if member is None:
        return None
    return apply_member_change(db, dict(member, change="create_user"))


def _party(db, config, kind, fields):
    change = {"change": kind, "id": _number(fields.get("Id")), "name": _text(fields.get("Name")),
              "parentid": _number(fields.get("ParentId"))}
    try:
        departments = fetch_departments(config, timeout=_timeout(config))
    except AddressBookError as error:
        log.warning("change_contact %s %s: %s; applying the event's fields", kind,
                    change["id"], error)
        outcome = apply_party_change(db, change)
        return None if outcome == "incomplete" else outcome
    result = apply_departments(db, departments)
    return ", ".join(f"{n} {what}" for what, n in result.items() if n) or None


def _fields(message):
    fields = getattr(message, "_data", None)
    return fields if isinstance(fields, dict) else {}


def _text(value):
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _number(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _timeout(config):
    return min(FETCH_SECONDS, float(config.get("BOT_HTTP_TIMEOUT") or FETCH_SECONDS))
