"""The fake WeCom's `agent/get`: the app's own settings, as `python bot.py check` reads them.

    fake_wechat.agent_visible = {"users": ["zhangsan"], "parties": [], "tags": []}  # 可见范围
    fake_wechat.agent_closed = True                                              # 已停用

Real answers: `agentid`, `name`, `allow_userinfos.user[].userid`, `allow_partys.partyid[]`,
`allow_tags.tagid[]`, `close` (1: the app is disabled). Errors: another agentid 40056, the
address-book secret's token 48002 (it may read the address book only), and the token checks
every endpoint makes.
"""

from fake_reject import Reject


class Agent:
    """Mixed into FakeWeChat: state `agent_visible`, `agent_closed`; endpoint `agent/get`."""

    agent_closed = False

    @property
    def agent_visible(self):
        """The app's 可见范围; by default the whole organisation (department 1)."""
        return self.__dict__.setdefault("_agent_visible", {"users": [], "parties": [1], "tags": []})

    @agent_visible.setter
    def agent_visible(self, visible):
        self.__dict__["_agent_visible"] = {"users": [], "parties": [], "tags": [], **visible}

    def _agent_get(self, request):
        self._check_token(request, "work", "contact")
        token = request.args.get("access_token")
        if self.tokens[token][0] == "contact":
            raise Reject(48002, "api forbidden")
        if request.args.get("agentid") != str(self.agent_id):
            raise Reject(40056, "invalid agentid")
        visible = self.agent_visible
        return {"errcode": 0, "errmsg": "ok", "agentid": self.agent_id, "name": "简报",
                "square_logo_url": "", "description": "",
                "allow_userinfos": {"user": [{"userid": u} for u in visible["users"]]},
                "allow_partys": {"partyid": list(visible["parties"])},
                "allow_tags": {"tagid": list(visible["tags"])},
                "close": int(bool(self.agent_closed)), "redirect_domain": "",
                "report_location_flag": 0, "isreportenter": 0, "home_url": ""}
