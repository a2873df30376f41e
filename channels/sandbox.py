"""The sandbox channel: "delivers" into a SQLite inbox per cadre, no WeChat account needed.

    channel = SandboxChannel(db_path, public_url="http://127.0.0.1:5000")
    channel.send(["sandbox-7"], channel.render(cards, title="…")[0])
    inbox(db, "sandbox-7")   # [{"id", "recipient", "payload", "received_at"}], oldest first

Payloads are WeCom-style news messages (≤ 8 articles), so the sandbox phone shows what a
WeCom member would see.
"""

from channels import store
from channels.inbound import SandboxInbound
from channels.base import SENT, Channel, Result, news_payloads


class SandboxChannel(SandboxInbound, Channel):
    name = "sandbox"
    identity = "any"  # a bound cadre's openid, else their userid
    has_sandbox_phone = True
    label = "沙盒"
    needs_access_token = False

    @classmethod
    def admin_steps(cls, config):
        return ["nothing: the sandbox channel talks to no WeChat account"]
    max_batch = 1

    def __init__(self, db_path, *, public_url=""):
        super().__init__(public_url, timeout=0)
        self.db_path = db_path

    @classmethod
    def from_config(cls, config, db_path):
        return cls(db_path, public_url=config.get("BOT_PUBLIC_URL", ""))

    def render(self, cards, *, title):
        return news_payloads(self, cards, self.card_limits["articles"])

    def send(self, recipients, payload):
        self.check_batch(recipients)
        store.deliver_to_inbox(store.thread_db(self.db_path), recipients, payload)
        return {recipient: Result(SENT) for recipient in recipients}


def inbox(db, recipient, limit=None, after_id=0):
    """`inbox(db, "sandbox-7")`: what the sandbox delivered to `recipient`, oldest first.

    `limit` keeps the newest `limit` messages; `after_id` only those after that row id.
    """
    return store.inbox_rows(db, recipient, limit=limit, after_id=after_id)
