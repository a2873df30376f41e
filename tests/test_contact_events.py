"""WeCom `change_contact` events through the real signed, AES-encrypted /wechat path: the
roster and the org chart follow the address book at once, and WeChat gets "success"."""

import time

import pytest
import xmltodict
from fixtures_book import make_book
from wechatpy.enterprise.crypto import WeChatCrypto as WorkCrypto

from store.db import open_db

FAST = {"BOT_RETRY_BASE_SECONDS": 0.01}


@pytest.fixture
def synced(fake_wechat, make_app):
    """A work app on the fake server, its roster synced from a 20-member book."""
    fake_wechat.set_address_book(*make_book(20))
    app = make_app(**fake_wechat.app_config("work"), **FAST)
    assert app.test_cli_runner().invoke(args=["roster", "sync"]).exit_code == 0
    db = open_db(app.config["DATABASE_PATH"])
    yield app, db
    db.conn.close()


def change_xml(fake, change_type, **fields):
    """The event as WeCom posts it: from "sys", no AgentID, only the fields that changed."""
    body = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (f"<xml><ToUserName><![CDATA[{fake.corp_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[sys]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[change_contact]]></Event>"
            f"<ChangeType><![CDATA[{change_type}]]></ChangeType>{body}</xml>")


def post_change(app, fake, change_type, **fields):
    """Sign and encrypt the event with the app's token and key; POST it to /wechat."""
    config = app.config
    crypto = WorkCrypto(config["WECOM_TOKEN"], config["WECOM_ENCODING_AES_KEY"],
                        config["WECOM_CORP_ID"])
    timestamp, nonce = str(int(time.time())), "contact-nonce"
    body = crypto.encrypt_message(change_xml(fake, change_type, **fields), nonce, timestamp)
    args = {"msg_signature": xmltodict.parse(body)["xml"]["MsgSignature"],
            "timestamp": timestamp, "nonce": nonce}
    response = app.test_client().post("/wechat", query_string=args, data=body)
    assert response.status_code == 200 and response.get_data(as_text=True) == "success"
    return response


def cadre(db, userid):
    rows = list(db.query("SELECT * FROM cadres WHERE userid = ?", [userid]))
    return rows[0] if rows else None


def department(db, wecom_id):
    rows = list(db.query("SELECT * FROM departments WHERE wecom_id = ?", [wecom_id]))
    return rows[0] if rows else None


def test_create_update_and_delete_user(synced, fake_wechat):
    app, db = synced
    post_change(app, fake_wechat, "create_user", UserID="newbie", Name="新同事",
                Department="1,21", MainDepartment="21", Mobile="13911112222", Status="1")
    newbie = cadre(db, "newbie")
    assert newbie["name"] == "新同事" and newbie["department"] == "区审计局办公室"
    assert newbie["department_id"] == department(db, 21)["id"] and newbie["synced_at"]
    assert newbie["mobile"] == "13911112222"

    post_change(app, fake_wechat, "update_user", UserID="newbie", Name="新同事甲")
    assert cadre(db, "newbie")["name"] == "新同事甲"
    assert cadre(db, "newbie")["department"] == "区审计局办公室"  # not in the event: unchanged
    post_change(app, fake_wechat, "update_user", UserID="newbie", MainDepartment="20")
    assert cadre(db, "newbie")["department"] == "区审计局"
    post_change(app, fake_wechat, "update_user", UserID="newbie", NewUserID="newbie2")
    assert cadre(db, "newbie") is None and cadre(db, "newbie2")["id"] == newbie["id"]

    post_change(app, fake_wechat, "update_user", UserID="newbie2", Status="2")  # disabled
    assert cadre(db, "newbie2")["removed_at"]
    post_change(app, fake_wechat, "update_user", UserID="newbie2", Status="1")  # enabled again
    assert cadre(db, "newbie2")["removed_at"] is None
    post_change(app, fake_wechat, "delete_user", UserID="newbie2")
    gone = cadre(db, "newbie2")
    assert gone["removed_at"] and gone["removed_at"] == gone["synced_at"]  # kept, off the roster
    post_change(app, fake_wechat, "delete_user", UserID="newbie2")  # WeChat's retry: harmless
    assert cadre(db, "newbie2")["removed_at"] == gone["removed_at"]


def test_an_update_for_an_unknown_member_fetches_them(synced, fake_wechat):
    app, db = synced
    departments, users = make_book(20)
    fake_wechat.set_address_book(users=users + [{"userid": "late", "name": "迟到者",
                                                 "department": [99], "mobile": "13800001111"}])
    post_change(app, fake_wechat, "update_user", UserID="late", Mobile="13800001111")
    late = cadre(db, "late")
    assert late["name"] == "迟到者" and late["department"] == "统计小组"
    assert fake_wechat.calls["user/get"] == 1
    post_change(app, fake_wechat, "update_user", UserID="nobody-knows", Mobile="13800002222")
    assert cadre(db, "nobody-knows") is None  # 60111 from user/get: nothing to add


def test_a_failed_fetch_still_answers_success_and_changes_nothing(synced, fake_wechat):
    app, db = synced
    fake_wechat.contact_privilege = False
    before = db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0]
    post_change(app, fake_wechat, "update_user", UserID="late", Mobile="13800001111")
    assert db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0] == before


def test_party_changes_shape_the_org_chart(synced, fake_wechat):
    app, db = synced
    departments, _ = make_book(20)

    def book_then_event(chart, change_type, **fields):
        fake_wechat.set_address_book(departments=chart)
        post_change(app, fake_wechat, change_type, **fields)

    informatics = {"id": 300, "name": "信息科", "parentid": 20, "order": 1}
    book_then_event(departments + [informatics], "create_party", Id="300", Name="信息科",
                    ParentId="20", Order="1")
    created = department(db, 300)
    assert created["name"] == "信息科" and created["parent_id"] == department(db, 20)["id"]
    office = {"id": 301, "name": "办公室", "parentid": 300}
    book_then_event(departments + [informatics, office], "create_party", Id="301",
                    Name="办公室", ParentId="300")
    office_id = department(db, 301)["id"]
    assert department(db, 301)["name"] == "信息科办公室"  # the book repeats 办公室: qualified
    renamed = dict(informatics, name="数据科")
    book_then_event(departments + [renamed, office], "update_party", Id="300", Name="数据科")
    assert department(db, 300)["name"] == "数据科"
    assert department(db, 301)["name"] == "数据科办公室"  # its qualifier follows
    aliases = [r[0] for r in db.execute("SELECT alias FROM department_aliases "
                                        "WHERE department_id = ?", [created["id"]])]
    assert aliases == ["信息科"]
    moved = dict(renamed, parentid=10)
    book_then_event(departments + [moved, office], "update_party", Id="300", ParentId="10")
    assert department(db, 300)["parent_id"] == department(db, 10)["id"]
    book_then_event(departments + [moved], "delete_party", Id="301")
    assert department(db, 301) is None
    assert db.execute("SELECT name FROM departments WHERE id = ?",
                      [office_id]).fetchone()[0] == "数据科办公室"  # kept, for the items


def test_party_events_apply_their_own_fields_when_the_list_cannot_be_read(synced, fake_wechat):
    app, db = synced
    fake_wechat.contact_privilege = False
    post_change(app, fake_wechat, "create_party", Id="300", Name="信息科", ParentId="20")
    assert department(db, 300)["parent_id"] == department(db, 20)["id"]
    post_change(app, fake_wechat, "update_party", Id="300", Name="数据科")
    assert department(db, 300)["name"] == "数据科"
    assert department(db, 300)["parent_id"] == department(db, 20)["id"]  # not in the event: kept
    post_change(app, fake_wechat, "update_party", Id="404", ParentId="20")  # unknown, no name
    assert department(db, 404) is None
    post_change(app, fake_wechat, "delete_party", Id="300")
    assert department(db, 300) is None


def test_a_sync_after_events_finds_nothing_more_to_change(synced, fake_wechat):
    app, db = synced
    departments, users = make_book(20)
    users = [dict(u, name="改名了") if u["userid"] == "m0001" else u for u in users]
    fake_wechat.set_address_book(users=users)
    post_change(app, fake_wechat, "update_user", UserID="m0001", Name="改名了")
    result = app.test_cli_runner().invoke(args=["roster", "sync", "--json"])
    assert result.output.strip() == ('{"added": 0, "updated": 0, "removed": 0, '
                                     '"departments": 26}')


def test_contact_events_are_ignored_off_work(client, db):
    from fixtures_chat import post_xml

    xml = ("<xml><ToUserName>gh</ToUserName><FromUserName>sys</FromUserName><CreateTime>1"
           "</CreateTime><MsgType>event</MsgType><Event>change_contact</Event>"
           "<ChangeType>create_user</ChangeType><UserID>x</UserID><Name>外人</Name></xml>")
    post_xml(client, xml)
    assert db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0] == 0
