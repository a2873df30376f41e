"""The office console through the Flask test client: review, corrections, push, roster,
the archive (signing in, CSRF and the lockout: test_console_signin.py)."""

import re

import pytest

from bulletin.model import Issue, Item
from push.worker import run_until_idle
from store import binding
from subscriptions import subscribe
from store.departments import learn, resolve
from store.issues import issue_items, save_issue

ISSUE = Issue(issuer="中共上街区委办公室", date="2021-01-06", number="第1期", items=[
    Item(1, "lead", "上街区十个重大项目集中开工", "1月4日，郑州市重大项目集中开工。\n宋洁宣布开工。", None),
    Item(2, "article", "审计局开展业务培训", "区审计局组织全体干部开展业务培训。", "区审计局"),
    Item(3, "brief", "峡窝镇发放倡议书", "峡窝镇扎实做好疫情防控工作。", "峡窝镇"),
])


def csrf_from(response):
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, password="test-admin-password"):
    token = csrf_from(client.get("/admin/login"))
    return client.post("/admin/login", data={"password": password, "csrf_token": token})


def page_token(client, path="/admin/"):
    return csrf_from(client.get(path))


def stored_issue(db):
    issue_id, _ = save_issue(db, ISSUE, source="test")
    return issue_id


def add_cadre(db, name, openid, departments=(), everything=False):
    db.execute("INSERT INTO cadres (name, department) VALUES (?, ?)", [name, "区委办"])
    db.conn.commit()
    cadre_id = db.execute("SELECT id FROM cadres WHERE name = ?", [name]).fetchone()[0]
    code = binding.invite(db, cadre_ids=[cadre_id])[0]["code"]
    assert binding.bind(db, code, openid=openid).ok
    ids = [resolve(db, d).department["id"] for d in departments]
    if ids:
        subscribe.subscribe(db, cadre_id, ids)
    if everything:
        subscribe.subscribe_all(db, cadre_id)
    return cadre_id


def test_paste_publish_then_review(client, db, sample_path):
    login(client)
    text = sample_path.read_text(encoding="utf-8")
    response = client.post("/admin/publish", data={"text": text, "csrf_token": page_token(client)})
    assert response.status_code == 302 and "/admin/issues/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "核对条目" in page and "上街区十个重大项目集中开工" in page
    again = client.post("/admin/publish", data={"text": text, "csrf_token": page_token(client)})
    assert again.location == response.location


def test_word_upload_is_parsed_and_reviewed(client, db):
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("中共上街区委办公室    2021年1月6日")
    for item in ISSUE.items[1:]:
        document.add_paragraph().add_run(item.title).bold = True
        document.add_paragraph(item.body + f"（{item.department}）")
    buffer = io.BytesIO()
    document.save(buffer)
    login(client)
    response = client.post("/admin/publish", data={
        "file": (io.BytesIO(buffer.getvalue()), "简报.docx"), "csrf_token": page_token(client)},
        content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已读取 2 条" in page
    assert 'value="审计局开展业务培训"' in page and 'value="峡窝镇"' in page


def test_unreadable_upload_is_a_message_not_an_error(client):
    login(client)
    response = client.post("/admin/publish", data={
        "file": (__import__("io").BytesIO(b"%PDF-1.4 broken"), "broken.pdf"),
        "csrf_token": page_token(client)}, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert "无法读取" in response.get_data(as_text=True)


def test_empty_publish_says_what_to_do(client):
    login(client)
    response = client.post("/admin/publish", data={"text": " ", "csrf_token": page_token(client)},
                           follow_redirects=True)
    assert "请选择文件或粘贴" in response.get_data(as_text=True)


def test_correcting_title_and_department(client, db):
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]
    token = page_token(client, f"/admin/issues/{issue_id}")
    response = client.post(f"/admin/items/{item['id']}", data={
        "title": "  峡窝镇发放“就地过年”倡议书 ", "department": "区审计局", "csrf_token": token})
    assert response.status_code == 302
    fixed = issue_items(db, issue_id)[2]
    assert fixed["title"] == "峡窝镇发放“就地过年”倡议书"
    assert fixed["department"] == "区审计局"
    empty = client.post(f"/admin/items/{item['id']}", data={"title": " ", "csrf_token": token},
                        follow_redirects=True)
    assert "标题不能为空" in empty.get_data(as_text=True)
    assert client.post("/admin/items/9999", data={"title": "x", "csrf_token": token}).status_code == 404


def test_an_ambiguous_department_correction_is_refused_with_the_choices(client, db):
    issue_id = stored_issue(db)
    learn(db, "市审计局")  # 审计局 could now be 区审计局 or 市审计局
    login(client)
    item = issue_items(db, issue_id)[2]
    token = page_token(client, f"/admin/issues/{issue_id}")
    response = client.post(f"/admin/items/{item['id']}", data={
        "title": item["title"], "department": "审计局", "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 422  # the page again, with what was typed
    page = response.get_data(as_text=True)
    assert "未更新" in page and "区审计局" in page and "市审计局" in page
    assert issue_items(db, issue_id)[2]["department"] == item["department"]


def test_review_shows_card_preview_of_the_active_channel(client, db):
    issue_id = stored_issue(db)
    login(client)
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert 'class="phone"' in page and "卡片预览 · 沙盒" in page
    assert "http://jianbao.test/items/" in page  # articles link to the signed item page
    assert client.get("/admin/issues/9999").status_code == 404


def test_push_progress_and_resend(app, client, db):
    issue_id = stored_issue(db)
    add_cadre(db, "王明", "sandbox-a", departments=["区审计局"])
    add_cadre(db, "刘洋", "sandbox-b", everything=True)
    login(client)
    progress = client.get(f"/admin/issues/{issue_id}/progress.json").get_json()
    assert progress["state"] == "new" and progress["total"] == 0
    token = page_token(client, f"/admin/issues/{issue_id}")
    answer = client.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token},
                         headers={"Accept": "application/json"}).get_json()
    assert answer["queued"] == 2 and answer["progress"]["pending"] == 2
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    progress = client.get(f"/admin/issues/{issue_id}/progress.json").get_json()
    assert (progress["sent"], progress["pending"], progress["state"]) == (2, 0, "done")
    again = client.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token},
                        headers={"Accept": "application/json"}).get_json()
    assert again["queued"] == 0
    resend = client.post(f"/admin/issues/{issue_id}/resend", data={"csrf_token": token})
    assert resend.status_code == 302
    home = client.get("/admin/").get_data(as_text=True)
    assert "第1期" in home


def test_progress_json_needs_login(client, db):
    issue_id = stored_issue(db)
    response = client.get(f"/admin/issues/{issue_id}/progress.json")
    assert response.status_code == 401 and response.get_json()["error"]


def test_roster_import_and_binding_codes(client, db, tmp_path):
    stored_issue(db)
    login(client)
    csv_text = "name,department,mobile,userid,subscriptions\n王明,区审计局,13800000001,,审计\n,缺名字,,,\n"
    token = page_token(client, "/admin/roster")
    response = client.post("/admin/roster/import", data={
        "file": (__import__("io").BytesIO(csv_text.encode()), "roster.csv"), "csrf_token": token},
        content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "新增 1 人" in page and "第 3 行" in page and "王明" in page
    codes = client.post("/admin/roster/invite", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    code = re.search(r"<td>王明</td><td>(\d{6,})</td>", codes).group(1)
    assert binding.bind(db, code, openid="sandbox-x").ok
    subscribers = client.get("/admin/subscribers").get_data(as_text=True)
    assert re.search(r"区审计局</td><td class=\"num\">1</td>\s*<td>王明</td>", subscribers)


@pytest.mark.parametrize("channel, expected", [
    ("work", "卡片预览 · 企业微信"), ("mp", "卡片预览 · 公众号")])
def test_card_preview_follows_the_channel(make_app, channel, expected):
    settings = {"work": dict(WECOM_CORP_ID="ww1", WECOM_SECRET="s", WECOM_AGENT_ID="1000002",
                             WECOM_TOKEN="t", WECOM_ENCODING_AES_KEY="a" * 43),
                "mp": dict(WECHAT_APP_ID="wx1", WECHAT_SECRET="s", WECHAT_TOKEN="t")}[channel]
    app = make_app(BOT_CHANNEL=channel, **settings)
    from store.db import open_db
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = stored_issue(db)
    db.conn.close()
    client = app.test_client()
    login(client)
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert expected in page and "审计局开展业务培训" in page
    if channel == "mp":  # several items: one text message listing titles and links
        assert 'class="bubble bot"' in page  # each title a link, as WeChat shows <a href>
        assert re.search(r'1\. <a href="[^"]+/items/\d+\?t=[^"]+"[^>]*>上街区十个重大项目集中开工</a>', page)
    else:  # 内部 (the default): WeCom's confidential text; 公开: news cards
        assert "保密消息" in page and 'class="wx-card"' not in page
        from store import levels
        db = open_db(app.config["DATABASE_PATH"])
        levels.set_issue_level(db, issue_id, "公开")
        db.conn.close()
        page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
        assert 'class="wx-card"' in page and "保密消息" not in page


def test_oversized_upload_and_unknown_issue_get_readable_pages(make_app):
    import io

    client = make_app(BOT_MAX_BODY_BYTES=1024).test_client()
    login(client)
    token = page_token(client)
    response = client.post("/admin/publish", data={
        "file": (io.BytesIO(b"x" * 4096), "big.txt"), "csrf_token": token},
        content_type="multipart/form-data")
    assert response.status_code == 413 and "文件太大" in response.get_data(as_text=True)
    missing = client.get("/admin/issues/424242")
    assert missing.status_code == 404 and "找不到" in missing.get_data(as_text=True)


def _import(client, text, name="roster.csv"):
    token = page_token(client, "/admin/roster")
    return client.post("/admin/roster/import", data={
        "file": (__import__("io").BytesIO(text.encode()), name), "csrf_token": token},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)


def test_roster_import_refuses_a_broken_file_and_keeps_namesakes_apart(client, db):
    login(client)
    page = _import(client, "name,department,mobile\n\"unterminated,区审计局,1390000\n")
    assert "未导入任何一行" in page and "第 2 行的引号没有闭合" in page
    assert db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0] == 0
    page = _import(client, "name,department,mobile,userid,subscriptions\n"
                           "周八,区审计局,13900000077,zhou77,\n周八,区审计局,13900000078,zhou78,\n")
    assert "新增 2 人" in page and 'class="flash warn"' in page and "按两人导入" in page
    assert db.execute("SELECT COUNT(*) FROM cadres WHERE name = '周八'").fetchone()[0] == 2


def test_binding_codes_survive_a_second_press_and_a_lost_one_is_renewed(client, db):
    login(client)
    _import(client, "name,department,mobile,userid,subscriptions\n王明,区审计局,13800000001,,\n"
                    "李华,区审计局,13800000002,,\n")
    token = page_token(client, "/admin/roster")
    press = client.post("/admin/roster/invite", data={"csrf_token": token})
    assert press.status_code == 302 and press.location.endswith("/admin/roster")  # PRG
    page = client.get(press.location).get_data(as_text=True)
    first = dict(re.findall(r"<tr><td>(王明|李华)</td><td>(\d{8})</td></tr>", page))
    assert len(first) == 2 and "72 小时内有效" in page
    assert not re.search(r"<td>王明</td><td>\d{8}</td>", client.get("/admin/roster").get_data(as_text=True))
    again = client.post("/admin/roster/invite", data={"csrf_token": token}, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert "都已有未过期的绑定码" in page and not re.search(r"<td>王明</td><td>\d{8}</td>", page)
    assert "有效至" in page
    wang = db.execute("SELECT id FROM cadres WHERE name = '王明'").fetchone()[0]
    renewed = client.post(f"/admin/roster/{wang}/code", data={"csrf_token": token}, follow_redirects=True)
    new = re.search(r"<td>王明</td><td>(\d{8})</td>", renewed.get_data(as_text=True)).group(1)
    assert new != first["王明"]
    assert binding.bind(db, first["李华"], openid="sandbox-li").ok  # the first code still works
    assert binding.bind(db, first["王明"], openid="sandbox-wang").reason == "expired"
    assert binding.bind(db, new, openid="sandbox-wang").ok
    assert client.post("/admin/roster/9999/code", data={"csrf_token": token}).status_code == 404


def _edit(client, item, department, **extra):
    token = page_token(client, f"/admin/issues/{item['issue_id']}")
    return client.post(f"/admin/items/{item['id']}", data={
        "title": item["title"], "department": department, "csrf_token": token, **extra},
        follow_redirects=True)


def test_a_department_typo_is_confirmed_first_and_gone_once_fixed(client, db):
    from store.departments import list_with_counts

    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]  # 峡窝镇
    asked = _edit(client, item, "区审汁局")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "“区审汁局”不是已知部门" in page and "改为“区审计局”" in page
    assert issue_items(db, issue_id)[2]["department"] == "峡窝镇"  # nothing saved yet
    assert resolve(db, "区审汁局", strict=True).unknown
    saved = _edit(client, item, "区审汁局", confirm_department="区审汁局")
    assert "第 3 条已更新" in saved.get_data(as_text=True)
    assert resolve(db, "区审汁局", strict=True).department["name"] == "区审汁局"
    assert resolve(db, "峡窝镇", strict=True).unknown  # only this item named it, as printed
    _edit(client, item, "区审计局")  # fixed: nothing names the typo any more
    assert issue_items(db, issue_id)[2]["department"] == "区审计局"
    assert resolve(db, "区审汁局", strict=True).unknown  # 订阅 区审汁局 finds nothing
    assert "区审汁局" not in {row["name"] for row in list_with_counts(db)}  # nor does 部门
    assert {row["name"] for row in list_with_counts(db)} == {"区审计局"}


@pytest.mark.parametrize("name, reason", [("局", "太短"), ("xyz<b>", "不允许的字符“&lt;”"),
                                          ("12 34", "不像单位名称")])
def test_names_that_cannot_be_a_department_are_refused(client, db, name, reason):
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]
    page = _edit(client, item, name).get_data(as_text=True)
    assert "未更新" in page and reason in page
    assert issue_items(db, issue_id)[2]["department"] == "峡窝镇"


def test_a_department_the_office_keeps_or_someone_follows_stays(client, db, tmp_path):
    from store import department_file

    issue_id = stored_issue(db)
    path = tmp_path / "departments.csv"
    path.write_text("区统计局,统计\n区信访局\n", encoding="utf-8")
    department_file.import_departments(db, str(path))
    login(client)
    item = issue_items(db, issue_id)[2]
    _edit(client, item, "区信访局")  # known: no question
    _edit(client, item, "区审计局")
    assert resolve(db, "区信访局", strict=True).department  # the department file's: kept
    _edit(client, item, "区审汁局", confirm_department="区审汁局")
    typo = resolve(db, "区审汁局", strict=True).department["id"]
    add_cadre(db, "王明", "sandbox-w")
    subscribe.subscribe(db, db.execute("SELECT id FROM cadres").fetchone()[0], [typo])
    _edit(client, item, "区审计局")
    assert resolve(db, "区审汁局", strict=True).department  # someone follows it


def test_saving_an_unchanged_item_says_so(client, db):
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[1]
    assert "第 2 条没有改动" in _edit(client, item, item["department"]).get_data(as_text=True)


def test_huge_page_numbers_are_clamped_not_a_500(client, db):
    from fixtures_chat import webhook_headers

    issue_id = stored_issue(db)
    cadre = add_cadre(db, "王明", "sandbox-w")
    login(client)
    huge = "99999999999999999999"
    home = client.get(f"/admin/?page={huge}")
    assert home.status_code == 200 and "这一页没有简报" in home.get_data(as_text=True)
    assert client.get(f"/admin/?page=-{huge}").status_code == 200
    assert client.get(f"/sandbox/{cadre}/inbox.json?after={huge}").status_code == 200
    url = f"/api/issues/{issue_id}/deliveries?offset={huge}&limit=-5"
    assert client.get(url, headers=webhook_headers("GET", url)).status_code == 200


def test_the_archive_filters_pending_issues_and_files_undated_ones_by_their_day(client, db):
    from store import review

    older = save_issue(db, Issue(issuer="甲", date="2020-01-01", number="第1期", items=[
        Item(1, "article", "旧的一期", "正文。", None)]))[0]
    undated = save_issue(db, Issue(issuer="乙", date=None, number="第2期", items=[
        Item(1, "article", "没有日期的一期", "正文。", None)]))[0]
    review.approve(db, older, "li", four_eyes=False)
    login(client)
    home = client.get("/admin/").get_data(as_text=True)
    assert home.index("没有日期的一期") < home.index("旧的一期")  # stored today: the newest
    assert "阅读（人·条）" in home and "按收件人计" in home
    pending = client.get("/admin/?state=pending").get_data(as_text=True)
    assert "没有日期的一期" in pending and "旧的一期" not in pending
    assert "旧的一期" in client.get("/admin/?state=approved").get_data(as_text=True)
    assert "没有已推送的简报" in client.get("/admin/?state=pushed").get_data(as_text=True)
    assert "应发（人次）" in client.get(f"/admin/issues/{undated}").get_data(as_text=True)


def test_the_issue_page_says_why_nobody_would_receive_the_push(client, db):
    # The preview said 将发给 0 人 and, once pushed, 已推送，但目前没有订阅这些单位的已绑定干部
    # — with an empty roster, where nobody is anybody's subscriber.
    from test_plan import publish as publish_approved

    issue_id = publish_approved(db)
    login(client)
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert "没有人会收到" in page and "名册为空" in page and "导入名册" in page
    pushed = client.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": page_token(
        client, f"/admin/issues/{issue_id}")}, follow_redirects=True).get_data(as_text=True)
    assert "名册为空" in pushed and "没有订阅这些单位" not in pushed
