"""Who is reading an item page: WeChat's web authorisation (snsapi_base), WeCom and Official Account.

    auth = reader_auth(app.config, db_path)     # None: the sandbox, or BOT_READER_OAUTH=0
    auth.authorize_url("https://jb.example/items/4?t=…", state="r")   # where to send the browser
    auth.identify(code)        # {"userid": "zhangsan"} / {"openid": "o…"}, or None (bad code);
                               # raises Unavailable when WeChat cannot be asked just now
    in_wechat(user_agent)      # True in WeChat's or WeCom's own browser

WeCom: the page redirects to `<WECHAT_OAUTH_BASE>oauth2/authorize?appid=<corp id>…
&scope=snsapi_base`; WeChat comes back with `code`, which the app's own client turns into
the member's userid (`user/getuserinfo`, wechatpy's `client.oauth`, on WECOM_API_BASE).
Official Account: the same authorize URL with the AppID, and `sns/oauth2/access_token`
(wechatpy.oauth.WeChatOAuth, on WECHAT_SNS_BASE) gives the openid. Both bases are settings
so tests point them at tests/fakewechat.py.
"""

from urllib.parse import quote

import requests
from wechatpy.exceptions import WeChatClientException, WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

import config as settings
from channels.base import TransientError, reads_with_oauth
from channels.errors import transient

BROWSER_MARKS = ("MicroMessenger", "wxwork")  # WeChat's and WeCom's in-app browsers


class Unavailable(Exception):
    """WeChat could not be asked who holds the code (network, 5xx, busy, token): try later."""


def in_wechat(user_agent):
    """True when the page is opened inside WeChat or WeCom (their User-Agent says so)."""
    return any(mark.lower() in str(user_agent or "").lower() for mark in BROWSER_MARKS)


def authorize(base, appid, redirect_uri, state):
    """The snsapi_base authorize URL (as wechatpy writes it, on a configurable base)."""
    return (f"{base}oauth2/authorize?appid={quote(str(appid), safe='')}&redirect_uri="
            f"{quote(redirect_uri, safe='')}&response_type=code&scope=snsapi_base"
            f"&state={quote(state, safe='')}#wechat_redirect")


class WorkReaders:
    identity = "userid"

    def __init__(self, config, channel):
        self.base = settings.setting(config, "WECHAT_OAUTH_BASE")
        self.channel = channel

    def authorize_url(self, redirect_uri, state):
        return authorize(self.base, self.channel.client.corp_id, redirect_uri, state)

    def identify(self, code):
        client = self.channel.client
        try:
            answer = client.call(lambda: client.oauth.get_user_info(code))
        except TransientError as error:  # WeCom down or busy: not the reader's fault
            raise Unavailable(error.reason) from error
        except WeChatClientException as error:
            if transient(error):
                raise Unavailable(str(error)) from error
            return None  # a bad or spent code
        userid = answer.get("UserId") or answer.get("userid")
        return {"userid": userid} if userid else None  # OpenId: not a member of the corp


class MpReaders:
    identity = "openid"

    def __init__(self, config):
        self.appid, self.secret = config["WECHAT_APP_ID"], config["WECHAT_SECRET"]
        self.base = settings.setting(config, "WECHAT_OAUTH_BASE")
        self.sns_base = settings.setting(config, "WECHAT_SNS_BASE")

    def authorize_url(self, redirect_uri, state):
        return authorize(self.base, self.appid, redirect_uri, state)

    def identify(self, code):
        oauth = WeChatOAuth(self.appid, self.secret, "")
        oauth.API_BASE_URL = self.sns_base
        try:
            openid = oauth.fetch_access_token(code).get("openid")
        except WeChatOAuthException as error:
            if error.errcode in (None, -1):  # HTTP 5xx (wechatpy gives no code) or busy
                raise Unavailable(f"errcode {error.errcode}") from error
            return None  # a bad or spent code (40029, 40163)
        except (KeyError, ValueError):
            return None
        except requests.RequestException as error:  # WeChat unreachable
            raise Unavailable(type(error).__name__) from error
        return {"openid": openid} if openid else None


def reader_auth(config, db_path):
    """The reader authorisation of BOT_CHANNEL (on by default; None with BOT_READER_OAUTH=0,
    the link-only fallback, and in the sandbox, which keeps its per-cadre links)."""
    from channels import make_channel

    if not reads_with_oauth(config):
        return None
    channel = make_channel(config, db_path)
    if channel.identity == "userid":
        return WorkReaders(config, channel)
    if channel.identity == "openid":
        return MpReaders(config)
    return None  # the sandbox keeps its per-cadre links
