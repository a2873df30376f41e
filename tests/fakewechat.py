"""A fake WeChat API server on 127.0.0.1 for every WeChat test: real endpoints, real limits.

    # the fixture `fake_wechat` is loaded for every test by conftest.py (pytest_plugins)

    def test_push(fake_wechat, make_app):
        fake_wechat.add_members(["zhangsan", "lisi"])          # WeCom members
        app = make_app(**fake_wechat.app_config("work"))       # BOT_CHANNEL=work on this server
        fake_wechat.inject("message/send", errcode=45009)      # next call: rate limited
        ...
        assert [m["touser"] for m in fake_wechat.messages] == ["zhangsan", "lisi"]

Endpoints (under `fake.base`, i.e. http://127.0.0.1:<port>/cgi-bin/): `token` (Official
Account), `gettoken` (WeCom), `message/custom/send`, `message/template/send`, WeCom
`message/send` and `message/recall`, the address book and web authorisation (below). What it
enforces, with WeChat's error codes:
- tokens: unknown 40014, expired 42001 (`expire_tokens()`), missing 41001; wrong app id /
  corp id 40013, wrong secret 40001. An Official Account fetch gives a new token and leaves
  the previous one 5 minutes; WeCom returns the current token while it is valid.
- bodies: invalid UTF-8 or `\\uXXXX`-escaped non-ASCII 40033 (WeChat rejects what
  `requests(json=...)` sends), not JSON 47001.
- WeCom: agentid 40056, touser over 1,000 ids 40058, unknown members in `invaliduser`,
  members without a licence in `unlicenseduser`, nobody valid 81013; news 1–8 articles
  (45008), title ≤ 128 B (45003), description ≤ 512 B (45004), url ≤ 2,048 B (45005), text
  ≤ 2,048 B (45002) — strict where WeChat would silently truncate; `safe` (保密消息) 0/1 on
  text, image, video, file and 0/1/2 on mpnews, else 40058, ignored (recorded 0) on news,
  textcard, markdown (tests/fake_checks.py); image/video/file/mpnews need a media id
  (40007), not checked against uploads; duplicate check
  (`enable_duplicate_check`) and the per-member caps (30/min, 1,000/h) drop messages
  silently, recorded in `duplicates` / `dropped`.
- address book (tests/fake_addressbook.py): `set_address_book(departments, users)` (status 1
  active, 2 disabled, 4 not activated, 5 quit; 1 and 4 receive `message/send`);
  `contact_privilege = False` answers 60011; `contact_secret` is a second secret, like
  WeCom's 通讯录同步 secret: its tokens read the address book but cannot send.
- WeCom `message/recall` (POST `msgid`): a msgid up to 24 h old is recalled (its deliveries
  marked `recalled`, listed in `recalls`); unknown, already recalled or older: refused with
  RECALL_REFUSED (86008, a stand-in: WeCom documents no code; tests/fake_messages.py, which
  holds every message endpoint). `age_message(msgid, seconds)` ages one;
  `inject("message/recall", …)` makes recalls fail like any call.
- WeCom `agent/get` (tests/fake_agent.py): the app's 可见范围 (`agent_visible`, by default
  department 1: everyone) and `agent_closed`; another agentid 40056, the address-book
  secret's token 48002.
- web authorisation, snsapi_base (tests/fake_oauth.py): the authorize redirect and the
  code exchanges, for whoever `sign_in(userid_or_openid)` put behind the phone.
- Official Account: unknown openid 40003, unfollowed 43004, window closed 45015, 5 messages
  per window spent 45047, news with ≠ 1 article 45008, text > 2,048 B 45002; template id
  40037.
Faults: `inject(path, errcode=…|http=500|drop=True|delay=seconds, times=1, accept=False)`
applies to the next `times` calls of `path`; `accept=True` processes the message first (it
is delivered) and then misbehaves — the lost-answer case. `latency` delays every call.
`fake_wechat.server.stop()` takes the fake off the network (connection refused).
Records: `messages` (every delivery: api, touser, msgtype, body, `safe` as WeCom applied
it: 0 on the Official Account and on WeCom types without the field), `calls` (per path, all
calls), `token_fetches` ({"mp": n, "work": n, "contact": n}), `received(user)`.
"""

import json
import re
import socket
import threading
import time
from collections import Counter, defaultdict, deque

import pytest
from fake_addressbook import AddressBook
from fake_agent import Agent
from fake_oauth import OAuth
from fake_messages import Messages
from fake_reject import Reject
from waitress.server import create_server
from werkzeug.wrappers import Request, Response

from fixtures_live import LiveServer, QuietHandler

ESCAPED_NON_ASCII = re.compile(r"\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")
OLD_TOKEN_GRACE = 300


class FakeWeChat(Messages, AddressBook, OAuth, Agent):
    """The server's state and WSGI app; see the module docstring."""

    def __init__(self):
        self.appid, self.secret = "wx-fake-app", "fake-mp-secret"
        self.corp_id, self.corp_secret, self.agent_id = "ww-fake-corp", "fake-wecom-secret", 1000002
        self.template_id = "fake-template"
        self.base = None  # set by serve()
        self.members, self.unlicensed = set(), set()
        self.followers, self.unfollowed = {}, set()  # openid -> messages used in the window
        self.closed_windows = set()
        self.tokens = {}  # token -> (kind, expires_at)
        self.token_fetches = Counter()
        self.token_latency = 0.0
        self.latency = 0.0
        self.messages, self.dropped, self.duplicates = [], [], []
        self.by_user = defaultdict(list)  # touser -> their messages (fast lookups at scale)
        self.calls = Counter()
        self.peers = defaultdict(set)  # path -> client ports it was called from (connections)
        self.faults = defaultdict(deque)
        self.window_quota = 5
        self.book_departments, self.book_users = {}, {}  # the address book, by id / userid
        self.book_members = set()  # members that came from set_address_book
        self.contact_privilege = True
        self.contact_secret = None
        self.lock = threading.Lock()
        self._serial = 0
        self.sent_msgids = {}  # msgid -> (sent at, [the member records it delivered])
        self.phone_user = None  # who is signed in on the phone that opens links (sign_in)
        self.oauth_codes = {}  # code -> (kind, identity), single-use
        self.recalls = []  # msgids recalled

    # ---- arranging -----------------------------------------------------------------
    def add_members(self, userids, licensed=True):
        with self.lock:
            self.members.update(userids)
            if not licensed:
                self.unlicensed.update(userids)

    def add_followers(self, openids, window_open=True):
        with self.lock:
            for openid in openids:
                self.followers.setdefault(openid, 0)
                (self.closed_windows.discard if window_open else self.closed_windows.add)(openid)

    def unfollow(self, openid):
        with self.lock:
            self.unfollowed.add(openid)

    def inject(self, path, *, errcode=None, http=None, drop=False, delay=None, times=1,
               accept=None):
        """Make the next `times` calls of `path` ("message/send", "gettoken", …) misbehave."""
        fault = {"errcode": errcode, "http": http, "drop": drop, "delay": delay,
                 "accept": (delay is not None) if accept is None else accept}
        with self.lock:
            self.faults[path.strip("/")].extend([fault] * times)

    def expire_tokens(self):
        with self.lock:
            self.tokens = {t: (kind, 0) for t, (kind, _) in self.tokens.items()}

    def revoke_tokens(self):
        with self.lock:
            self.tokens.clear()

    def app_config(self, channel, template=True, timeout=2.0):
        """Settings that point `make_app` / `make_channel` at this server (its API, and its
        web authorisation: item pages on `work`/`mp` learn their reader here)."""
        common = {"BOT_CHANNEL": channel, "BOT_HTTP_TIMEOUT": timeout, **self.oauth_bases()}
        if channel == "work":
            return dict(common, WECOM_CORP_ID=self.corp_id, WECOM_SECRET=self.corp_secret,
                        WECOM_AGENT_ID=str(self.agent_id), WECOM_TOKEN="fake-callback-token",
                        WECOM_ENCODING_AES_KEY="a" * 43, WECOM_API_BASE=self.base)
        return dict(common, WECHAT_APP_ID=self.appid, WECHAT_SECRET=self.secret,
                    WECHAT_TOKEN="fake-callback-token", WECHAT_API_BASE=self.base,
                    WECHAT_TEMPLATE_ID=self.template_id if template else None)

    def age_message(self, msgid, seconds):
        """Make a message/send call `seconds` older (as if sent that long ago)."""
        with self.lock:
            at, records = self.sent_msgids[msgid]
            self.sent_msgids[msgid] = (at - seconds, records)

    # ---- asserting -----------------------------------------------------------------
    def received(self, user):
        """Every message delivered to `user`, in order."""
        return list(self.by_user.get(user, ()))

    def delivered(self):
        """Counter of deliveries per recipient (exactly-once: every value is 1)."""
        return Counter(m["touser"] for m in self.messages)

    # ---- serving -------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path.removeprefix("/cgi-bin/").strip("/")
        with self.lock:
            self.calls[path] += 1
            self.peers[path].add(environ.get("REMOTE_PORT"))
            fault = self.faults[path].popleft() if self.faults[path] else None
        time.sleep(self.latency + (self.token_latency if path in ("token", "gettoken") else 0))
        if fault and fault["delay"]:
            time.sleep(fault["delay"])
        if fault and not fault["accept"]:
            return self._misbehave(fault, environ, start_response)
        if path == "connect/oauth2/authorize":
            return self._authorize(request)(environ, start_response)
        answer = self._answer(path, request)
        if fault and (fault["errcode"] is not None or fault["http"] or fault["drop"]):
            return self._misbehave(fault, environ, start_response)
        return self._json(answer)(environ, start_response)

    def _misbehave(self, fault, environ, start_response):
        if fault["drop"]:
            sock = environ.get("werkzeug.socket")
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            raise ConnectionResetError("fake WeChat dropped the connection")
        if fault["http"]:
            return Response("server error", status=fault["http"])(environ, start_response)
        return self._json({"errcode": fault["errcode"] if fault["errcode"] is not None else -1,
                           "errmsg": "injected fault"})(environ, start_response)

    @staticmethod
    def _json(data):
        return Response(json.dumps(data, ensure_ascii=False), content_type="application/json")

    def _answer(self, path, request):
        handlers = {"token": self._mp_token, "gettoken": self._work_token,
                    "message/custom/send": self._custom_send,
                    "message/template/send": self._template_send,
                    "message/send": self._work_send,
                    "message/recall": self._work_recall,
                    "user/getuserinfo": self._work_oauth_user,
                    "sns/oauth2/access_token": self._mp_oauth_token,
                    "department/list": self._department_list, "user/list": self._user_list,
                    "user/simplelist": self._user_simplelist, "user/get": self._user_get,
                    "user/list_id": self._user_list_id, "agent/get": self._agent_get}
        if path not in handlers:
            return {"errcode": 48001, "errmsg": f"api unauthorized: /{path} is not faked"}
        try:
            with self.lock:
                return handlers[path](request)
        except Reject as reject:
            return {"errcode": reject.errcode, "errmsg": reject.errmsg}

    # ---- tokens --------------------------------------------------------------------
    def _issue(self, kind):
        self._serial += 1
        token = f"{kind}-token-{self._serial}"
        self.tokens[token] = (kind, time.time() + 7200)
        self.token_fetches[kind] += 1
        return {"access_token": token, "expires_in": 7200}

    def _mp_token(self, request):
        args = request.args
        if args.get("grant_type") != "client_credential" or args.get("appid") != self.appid:
            raise Reject(40013, "invalid appid")
        if args.get("secret") != self.secret:
            raise Reject(40001, "invalid credential, access_token is invalid or not latest")
        grace = time.time() + OLD_TOKEN_GRACE
        for token, (kind, expires) in list(self.tokens.items()):
            if kind == "mp":
                self.tokens[token] = (kind, min(expires, grace))
        return self._issue("mp")

    def _work_token(self, request):
        if request.args.get("corpid") != self.corp_id:
            raise Reject(40013, "invalid corpid")
        secret = request.args.get("corpsecret")
        if secret == self.corp_secret:
            wanted = "work"
        elif self.contact_secret and secret == self.contact_secret:
            wanted = "contact"
        else:
            raise Reject(40001, "invalid secret")
        now = time.time()
        for token, (kind, expires) in self.tokens.items():
            if kind == wanted and expires > now:
                self.token_fetches[wanted] += 1
                return {"errcode": 0, "errmsg": "ok", "access_token": token,
                        "expires_in": int(expires - now)}
        return dict(self._issue(wanted), errcode=0, errmsg="ok")

    def _check_token(self, request, *kinds):
        token = request.args.get("access_token")
        if not token:
            raise Reject(41001, "access_token missing")
        if token not in self.tokens or self.tokens[token][0] not in kinds:
            raise Reject(40014, "invalid access_token")
        if self.tokens[token][1] <= time.time():
            raise Reject(42001, "access_token expired")

    @staticmethod
    def _body(request):
        raw = request.get_data()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Reject(40033, "invalid charset")
        if ESCAPED_NON_ASCII.search(text):
            raise Reject(40033, "invalid charset. please check your request, "
                                "if include \\uxxxx will create fail!")
        try:
            data = json.loads(text)
        except ValueError:
            raise Reject(47001, "data format error")
        if not isinstance(data, dict):
            raise Reject(47001, "data format error")
        return data

class _Http11Handler(QuietHandler):
    protocol_version = "HTTP/1.1"  # as WeChat's servers answer (werkzeug's server still closes
    # every connection: fake_wechat_keepalive keeps them open)


def serve(fake=None):
    """Start `fake` (a new FakeWeChat) on 127.0.0.1, a random port; returns (fake, server).

    For scripts (bench/push.py); stop it with `server.shutdown()`. Tests use the fixture."""
    fake = fake or FakeWeChat()
    live = LiveServer(fake, handler=_Http11Handler)
    fake.base = live.url("/cgi-bin/")
    return fake, live.server


@pytest.fixture
def fake_wechat_keepalive():
    """A FakeWeChat that keeps connections open, as WeChat's servers do: served by waitress
    (werkzeug's development server closes every connection), for tests of connection reuse.
    `fake.peers[path]` holds the client ports that called `path`: one per connection."""
    fake = FakeWeChat()
    server = create_server(fake, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="fake-wechat-keepalive", daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.effective_port}/cgi-bin/"
    yield fake
    server.close()


@pytest.fixture
def fake_wechat(live_server):
    """A FakeWeChat serving on loopback for the duration of one test."""
    fake = FakeWeChat()
    fake.server = live_server(fake, handler=_Http11Handler)  # `.server.stop()`: network down
    fake.base = fake.server.url("/cgi-bin/")
    return fake
