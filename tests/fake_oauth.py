"""WeChat's web authorisation in the fake WeChat server (a mixin of FakeWeChat).

    app = make_app(**fake.app_config("work"))   # item pages authorise against this server
    fake.sign_in("zhangsan")       # who opens links on the phone from now on
    page = fake.open_on_phone(app.test_client(), "zhangsan", "/items/4?t=…")   # as WeChat does

Endpoints: the `connect/oauth2/authorize` redirect (appid 40013, scope/response_type 10005),
WeCom `user/getuserinfo` and the Official Account `sns/oauth2/access_token` exchanging a
single-use code (40029 invalid code).
"""

import requests
from werkzeug.wrappers import Response

from fake_reject import Reject


PUBLIC_URL = "http://jianbao.test"  # tests' BOT_PUBLIC_URL (conftest.TEST_CONFIG)
WECOM_PHONE = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit wxwork/4.1.0 MicroMessenger/7.0.1"}
WECHAT_PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.40"}


class OAuth:
    """Authorisation state lives in FakeWeChat.__init__ (phone_user, oauth_codes)."""

    def oauth_bases(self):
        """The authorize and code-exchange bases of this server (part of `app_config`)."""
        root = self.base[:-len("cgi-bin/")]
        return {"WECHAT_OAUTH_BASE": root + "connect/", "WECHAT_SNS_BASE": root}

    def sign_in(self, identity):
        """The WeCom userid or openid of whoever opens links on the phone from now on."""
        self.phone_user = identity

    def open_on_phone(self, client, who, path, headers=None):
        """Open `path` (or a full link) with a Flask test `client` on the phone of `who`, as
        WeChat's browser does: the page, the authorize hop on this server, the page again with
        the `code`. A page that answers without the hop (a known reader, a refusal) is returned."""
        headers = headers or WECOM_PHONE
        self.sign_in(who)
        first = client.get(path.replace(PUBLIC_URL, ""), headers=headers)
        authorize = self.oauth_bases()["WECHAT_OAUTH_BASE"]
        if first.status_code != 302 or not first.location.startswith(authorize):
            return first
        assert "scope=snsapi_base" in first.location
        hop = requests.get(first.location, allow_redirects=False, timeout=5)
        assert hop.status_code == 302, hop.text
        return client.get(hop.headers["Location"].replace(PUBLIC_URL, ""), headers=headers)

    def _authorize(self, request):
        args = request.args
        appid = args.get("appid")
        kind = "work" if appid == self.corp_id else "mp" if appid == self.appid else None
        if kind is None:
            return Response("appid invalid (40013)", status=400)
        if args.get("scope") not in ("snsapi_base", "snsapi_userinfo") or \
                args.get("response_type") != "code" or not args.get("redirect_uri"):
            return Response("scope or response_type invalid (10005)", status=400)
        with self.lock:
            self._serial += 1
            code = f"code{self._serial}"
            self.oauth_codes[code] = (kind, self.phone_user)
        back = args["redirect_uri"]
        back += ("&" if "?" in back else "?") + f"code={code}&state={args.get('state', '')}"
        return Response("", status=302, headers={"Location": back})

    def _oauth_code(self, kind, code):
        found = self.oauth_codes.pop(code or "", None)
        if found is None or found[0] != kind or found[1] is None:
            raise Reject(40029, "invalid code")
        return found[1]

    def _work_oauth_user(self, request):
        self._check_token(request, "work")
        userid = self._oauth_code("work", request.args.get("code"))
        if userid in self.members:
            return {"errcode": 0, "errmsg": "ok", "UserId": userid, "DeviceId": ""}
        return {"errcode": 0, "errmsg": "ok", "OpenId": f"outsider-{userid}", "DeviceId": ""}

    def _mp_oauth_token(self, request):
        args = request.args
        if args.get("appid") != self.appid or args.get("secret") != self.secret:
            raise Reject(40013, "invalid appid or secret")
        if args.get("grant_type") != "authorization_code":
            raise Reject(40002, "invalid grant_type")
        openid = self._oauth_code("mp", args.get("code"))
        return {"access_token": f"sns-{openid}", "expires_in": 7200, "refresh_token": "r",
                "openid": openid, "scope": "snsapi_base"}
