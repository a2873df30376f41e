"""The message endpoints of the fake WeChat server (a mixin of tests/fakewechat.FakeWeChat).

    fake.messages          # every delivery: {"api", "touser", "msgtype", "body", "content", "at", "safe"}
    fake.received("zhangsan")

Official Account `message/custom/send` (followers, the 48-hour window and its 5 messages,
one-article news, 2,048-byte text) and `message/template/send`; WeCom `message/send`
(agentid, up to 1,000 ids, invalid and unlicensed members, the message checks of
tests/fake_checks.py, the duplicate check and the per-member caps that drop silently) and
`message/recall`. The state (followers, members, windows, records) lives on FakeWeChat.
"""

import json
import time

from fake_checks import check_articles, check_bytes, check_work_message, work_safe
from fake_reject import Reject

# WeCom's message/recall refuses an unknown msgid, one already recalled and one sent over 24 h
# ago. Its documentation (撤回应用消息, developer.work.weixin.qq.com/document/path/94867) gives
# no errcode for these, and searching public issues, code and docs (the global error list,
# SDK error enums, message/recall clients) found none either; the 86xxx range of that list
# belongs to group chats (86001 chatid invalid, 86006 chat member list size), so 86008 is
# this fake's stand-in, not a code checked against WeCom. Jianbao does not depend on it: a
# refusal that is not transient (channels/errors.py) is recorded as final, whatever its code.
RECALL_REFUSED = 86008


class Messages:
    # ---- Official Account ----------------------------------------------------------
    def _follower(self, openid):
        if openid in self.unfollowed:
            raise Reject(43004, "require subscribe")
        if openid not in self.followers:
            raise Reject(40003, "invalid openid")

    def _custom_send(self, request):
        self._check_token(request, "mp")
        data = self._body(request)
        openid, msgtype = data.get("touser"), data.get("msgtype")
        self._follower(openid)
        if msgtype == "text":
            content = (data.get("text") or {}).get("content") or ""
            if not content:
                raise Reject(44004, "empty content")
            check_bytes(content, 2048, 45002, "content size out of limit")
        elif msgtype == "news":
            articles = (data.get("news") or {}).get("articles") or []
            if len(articles) != 1:
                raise Reject(45008, "article size out of limit")
            check_articles(articles)
        else:
            raise Reject(40008, f"invalid message type {msgtype!r}")
        if openid in self.closed_windows:
            raise Reject(45015, "response out of time limit or subscription is canceled")
        if self.followers[openid] >= self.window_quota:
            raise Reject(45047, "out of response count limit")
        self.followers[openid] += 1
        self._record("mp", openid, msgtype, data)
        return {"errcode": 0, "errmsg": "ok"}

    def _template_send(self, request):
        self._check_token(request, "mp")
        data = self._body(request)
        if data.get("template_id") != self.template_id:
            raise Reject(40037, "invalid template_id")
        self._follower(data.get("touser"))
        if not isinstance(data.get("data"), dict):
            raise Reject(47001, "data format error")
        self._record("template", data["touser"], "template", data)
        self._serial += 1
        return {"errcode": 0, "errmsg": "ok", "msgid": self._serial}

    # ---- WeCom ---------------------------------------------------------------------
    def _work_send(self, request):
        self._check_token(request, "work")
        data = self._body(request)
        if str(data.get("agentid")) != str(self.agent_id):
            raise Reject(40056, "invalid agentid")
        users = [u for u in str(data.get("touser") or "").split("|") if u]
        if not users:
            raise Reject(40031, "invalid userid list: touser is empty")
        if len(users) > 1000:
            raise Reject(40058, f"invalid parameter: touser has {len(users)} ids, at most 1000")
        check_work_message(data)
        invalid = [u for u in users if u not in self.members]
        unlicensed = [u for u in users if u in self.members and u in self.unlicensed]
        valid = [u for u in users if u in self.members and u not in self.unlicensed]
        if not valid:
            raise Reject(81013, "user & party & tag all invalid")
        before = len(self.messages)
        for user in dict.fromkeys(valid):
            self._deliver_work(user, data)
        msgid = f"msg{self._serial}-{len(self.sent_msgids)}"
        self.sent_msgids[msgid] = (time.time(), self.messages[before:])
        answer = {"errcode": 0, "errmsg": "ok", "msgid": msgid}
        if invalid:
            answer["invaliduser"] = "|".join(invalid)
        if unlicensed:
            answer["unlicenseduser"] = "|".join(unlicensed)
        return answer

    def _work_recall(self, request):
        self._check_token(request, "work")
        msgid = str(self._body(request).get("msgid") or "")
        sent = self.sent_msgids.get(msgid)
        if sent is None:
            raise Reject(RECALL_REFUSED, "msgid not found")
        if msgid in self.recalls:
            raise Reject(RECALL_REFUSED, "msg has been recalled")
        if time.time() - sent[0] > 24 * 3600:
            raise Reject(RECALL_REFUSED, "msg sent over 24 hours ago can not be recalled")
        for record in sent[1]:
            record["recalled"] = True
        self.recalls.append(msgid)
        return {"errcode": 0, "errmsg": "ok"}

    def _deliver_work(self, user, data):
        now = time.time()
        content = json.dumps({k: data[k] for k in (data["msgtype"],) if k in data},
                             sort_keys=True, ensure_ascii=False)
        if data.get("enable_duplicate_check"):
            window = int(data.get("duplicate_check_interval") or 1800)
            for m in self.by_user.get(user, ()):
                if m["content"] == content and now - m["at"] < window:
                    self.duplicates.append({"touser": user, "body": data})
                    return
        recent = [m["at"] for m in self.by_user.get(user, ()) if m["api"] == "work"]
        if sum(now - t < 60 for t in recent) >= 30 or sum(now - t < 3600 for t in recent) >= 1000:
            self.dropped.append({"touser": user, "body": data, "at": now})
            return
        self._record("work", user, data["msgtype"], data, content, safe=work_safe(data))

    # ---- what was delivered ----------------------------------------------------------
    def _record(self, api, touser, msgtype, body, content=None, safe=0):
        self._serial += 1
        record = {"api": api, "touser": touser, "msgtype": msgtype, "body": body,
                  "content": content, "at": time.time(), "safe": safe}
        self.messages.append(record)
        self.by_user[touser].append(record)
