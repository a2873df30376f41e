"""The fake WeChat server's refusal: an errcode and errmsg, answered as WeChat answers them.

    raise Reject(60011, "no privilege to access/modify contact/party/agent")
"""


class Reject(Exception):
    def __init__(self, errcode, errmsg):
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg
