"""`python bot.py check`: the preflight against the fake WeChat server — a token fetched with
the configured credentials, refused credentials named, the WeChat admin steps printed.

    pytest tests/test_preflight.py
"""

from fakewechat import fake_wechat  # noqa: F401 (fixture)


def test_work_credentials_that_work_and_what_to_set_in_the_admin(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("work"), BOT_PUBLIC_URL="https://jb.example.gov.cn")
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "ok    access token fetched with WECOM_CORP_ID/WECOM_SECRET" in result.output
    assert fake_wechat.token_fetches["work"] == 1
    assert "URL https://jb.example.gov.cn/wechat" in result.output
    assert "企业可信IP" in result.output and "可见范围" in result.output
    assert "网页授权及JS-SDK → 可信域名: jb.example.gov.cn (BOT_PUBLIC_URL's host" in result.output


def test_the_web_authorisation_domain_is_a_step_only_when_pages_learn_their_reader(
        fake_wechat, make_app):
    mp = make_app(**fake_wechat.app_config("mp"), BOT_PUBLIC_URL="https://jb.example.gov.cn:8443/")
    result = mp.test_cli_runner().invoke(args=["check"])
    assert "接口权限 → 网页授权 → 网页授权域名: jb.example.gov.cn (" in result.output
    off = make_app(**fake_wechat.app_config("work"), BOT_READER_OAUTH=False)
    result = off.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "可信域名" not in result.output and "企业可信IP" in result.output


def test_refused_credentials_fail_with_the_errcode(fake_wechat, make_app):
    app = make_app(**dict(fake_wechat.app_config("mp"), WECHAT_SECRET="wrong-secret"))
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 2
    assert "FAIL  access token: WeChat refused the credentials: errcode 40001" in result.output
    assert "WECHAT_APP_ID/WECHAT_SECRET" in result.output
    assert "IP白名单" in result.output


def test_untrusted_server_address_is_named(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("mp"))
    fake_wechat.inject("token", errcode=40164)
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 2 and "IP whitelist" in result.output


def test_sandbox_notes_what_production_needs(make_app):
    app = make_app(BOT_TRUSTED_PROXIES=None, BOT_PUBLISH_SECRET=None)
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0
    assert "BOT_PUBLISH_SECRET is unset" in result.output
    assert "BOT_TRUSTED_PROXIES is unset" in result.output
    assert "integrity ok" in result.output


def test_a_loopback_public_url_fails_on_a_real_channel(fake_wechat, make_app):
    """`check` passed on work/mp with the default http://127.0.0.1:5000 and advised setting
    `http://127.0.0.1:5000/wechat` as the callback URL in the WeChat admin."""
    for channel in ("work", "mp"):
        app = make_app(**fake_wechat.app_config(channel), BOT_PUBLIC_URL="http://127.0.0.1:5000")
        result = app.test_cli_runner().invoke(args=["check"])
        assert result.exit_code == 2, result.output
        assert "FAIL  BOT_PUBLIC_URL is http://127.0.0.1:5000: WeChat and the cadres' phones " \
               "cannot reach this machine's loopback" in result.output
    sandbox = make_app(BOT_PUBLIC_URL="http://127.0.0.1:5000")
    assert sandbox.test_cli_runner().invoke(args=["check"]).exit_code == 0


def test_the_wecom_apps_visible_range_is_read_back(fake_wechat, make_app):
    """A WeCom app whose 可见范围 is empty reaches nobody (messages to anyone outside it are
    refused as invalid users): `check` read agent/get and said only that it was readable."""
    app = make_app(**fake_wechat.app_config("work"))
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "ok    the WeCom app (AgentId 1000002) is enabled; 可见范围: 1 department" in result.output
    fake_wechat.agent_visible = {"users": ["zhangsan", "lisi"], "tags": [7]}
    result = app.test_cli_runner().invoke(args=["check"])
    assert "可见范围: 2 members, 1 tag" in result.output
    fake_wechat.agent_visible = {}
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 2
    assert "FAIL  the WeCom app's 可见范围 is empty: nobody can receive the bulletin" in result.output


def test_a_disabled_app_and_a_wrong_agent_id_fail(fake_wechat, make_app):
    fake_wechat.agent_closed = True
    app = make_app(**fake_wechat.app_config("work"))
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 2 and "FAIL  the WeCom app (AgentId 1000002) is disabled (已停用)" \
        in result.output
    fake_wechat.agent_closed = False
    other = make_app(**dict(fake_wechat.app_config("work"), WECOM_AGENT_ID="1000009"))
    result = other.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 2
    assert "FAIL  WeCom knows no app 1000009 in this company (40056): check WECOM_AGENT_ID" \
        in result.output


def test_a_cli_user_that_is_no_active_account_fails_the_preflight(make_app, db):
    """`check` passed with a BOT_CLI_USER that named no console account, while every command
    that changes data then refused ("no such active console account"): the preflight says so,
    with the fix."""
    from werkzeug.security import generate_password_hash

    from store import accounts

    missing = make_app(BOT_CLI_USER="clerk").test_cli_runner()
    result = missing.invoke(args=["check"])
    assert result.exit_code == 2, result.output
    assert "FAIL  BOT_CLI_USER=clerk names no console account" in result.output
    assert "user add clerk --role" in result.output and "unset BOT_CLI_USER" in result.output
    assert missing.invoke(args=["item", "withdraw", "1", "--note", "x"]).exit_code == 2

    accounts.add(db, "clerk", "editor", generate_password_hash("a-long-password"))
    result = missing.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "BOT_CLI_USER=clerk (editor)" in result.output
    assert "push" in result.output.split("BOT_CLI_USER=clerk (editor)")[1].splitlines()[0]

    accounts.set_disabled(db, "clerk")
    result = missing.invoke(args=["check"])
    assert result.exit_code == 2 and "FAIL  BOT_CLI_USER=clerk is disabled" in result.output
