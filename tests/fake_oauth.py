"""WeChat's web authorisation in the fake WeChat server (a mixin of FakeWeChat).

    app = make_app(**fake.app_config("work"), **fake.oauth_config())   # BOT_READER_OAUTH on
    fake.sign_in("zhangsan")       # who opens links on the phone from now on

Endpoints: the `connect/oauth2/authorize` redirect (appid 40013, scope/response_type 10005),
WeCom `user/getuserinfo` and the Official Account `sns/oauth2/access_token` exchanging a
single-use code (40029 invalid code).
"""

from werkzeug.wrappers import Response

from fake_reject import Reject


class OAuth:
    """Authorisation state lives in FakeWeChat.__init__ (phone_user, oauth_codes)."""

    def oauth_config(self):
        """Settings that turn on item-page authorisation (BOT_READER_OAUTH) against this server."""
        root = self.base[:-len("cgi-bin/")]
        return {"BOT_READER_OAUTH": True, "WECHAT_OAUTH_BASE": root + "connect/",
                "WECHAT_SNS_BASE": root}

    def sign_in(self, identity):
        """The WeCom userid or openid of whoever opens links on the phone from now on."""
        self.phone_user = identity

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
