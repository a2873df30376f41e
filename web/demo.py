"""Demo data for `make run`: the sample issue, its departments, five cadres on sandbox phones.

    summary = load_demo(db, app.config)      # idempotent: run it on every start
    click.echo(describe(summary))            # the URLs and the console password to print
    click.echo(prepare_demo(app, host, port))  # both, for `serve --demo` (opens its own db)
    python bot.py demo                       # the same from the command line

The sample issue is approved as `demo` (store.review: cadres see approved or pushed issues
only), so the sandbox phone finds it at once. Demo cadres come from web/demo/roster.csv; each is bound to the sandbox openid
`sandbox-<cadre id>` and follows its departments (刘洋 follows 全部, 陈静 nothing yet — try
`订阅 农委` as her in the sandbox phone). Without BOT_ADMIN_PASSWORD a console password is
generated once, kept beside the database (`demo-admin-password`, mode 0600) and printed.
"""

import os
import pathlib


from store.ingest import ingest
from store import audit, binding, review, roster
from subscriptions import roster_csv, subscribe
from store.db import open_db
from web import auth
from channels import links

HERE = pathlib.Path(__file__).resolve().parent / "demo"
SAMPLE = HERE / "shangjie-2021-01-06.txt"
ROSTER = HERE / "roster.csv"
FOLLOWS_ALL = ("刘洋",)
PASSWORD_FILE = "demo-admin-password"


def sample_path():
    """The sample issue shipped in web/demo/."""
    return SAMPLE


def load_demo(db, config, base_url=None):
    """Load (or top up) the demo data; returns a summary for `describe`."""
    path = sample_path()
    issue_id, created = ingest(db, path.read_bytes(), filename=path.name, source="demo")
    _approve(db, issue_id)
    imported = roster_csv.import_roster(db, str(ROSTER))
    demo_names = _roster_names()
    cadres = [c for c in roster.list_cadres(db) if c["name"] in demo_names]
    _bind_to_sandbox(db, cadres)
    for cadre in cadres:
        if cadre["name"] in FOLLOWS_ALL:
            subscribe.subscribe_all(db, cadre["id"])
    cadres = [c for c in roster.list_cadres(db) if c["name"] in demo_names]
    if created or imported.get("created"):
        audit.record(db, "demo", "local", "demo", f"issue:{issue_id}",
                     {"issue_created": created, "cadres_added": imported.get("created", 0)})
    password, source = _admin_password(config)
    base = (base_url or str(config.get("BOT_PUBLIC_URL") or "")).rstrip("/")
    first = _first_item(db, issue_id)
    reader = cadres[0] if cadres else None
    item_link = None
    if first and reader:
        item_link = base + links.item_path(config, first, cadre_id=reader["id"])
    return {
        "issue_id": issue_id, "issue_created": created, "sample": str(path),
        "roster": imported,
        "cadres": [{"id": c["id"], "name": c["name"], "openid": c.get("openid"),
                    "subscriptions": subscribe.subscriptions_of(db, c["id"])} for c in cadres],
        "admin_password": password, "password_source": source,
        "urls": {"console": base + "/admin/", "sandbox": base + "/sandbox/",
                 "issue": base + f"/admin/issues/{issue_id}", "item": item_link},
    }


def describe(summary):
    """The lines `make run` prints: where to click and how to sign in."""
    urls = summary["urls"]
    lines = [f"Demo data ready: issue #{summary['issue_id']} "
             f"({'loaded' if summary['issue_created'] else 'already there'}), "
             f"{len(summary['cadres'])} demo cadres on sandbox phones.",
             f"  Console:        {urls['console']}",
             f"  Review & push:  {urls['issue']}",
             f"  Sandbox phone:  {urls['sandbox']}"]
    if urls.get("item"):
        lines.append(f"  An item page:   {urls['item']}")
    if summary["password_source"] == "generated":
        lines.append(f"  Console password (generated, kept in {PASSWORD_FILE}): "
                     f"{summary['admin_password']}")
    else:
        lines.append("  Console password: the one in BOT_ADMIN_PASSWORD")
    return "\n".join(lines)


def _roster_names():
    import csv

    with open(ROSTER, encoding="utf-8") as f:
        return {row["name"] for row in csv.DictReader(f)}


def _bind_to_sandbox(db, cadres):
    """Bind each unbound demo cadre to `sandbox-<id>` with a one-time code, as a cadre would."""
    unbound = [c["id"] for c in cadres if not c.get("bound_at")]
    if not unbound:
        return
    for invitation in binding.invite(db, cadre_ids=unbound, renew=True):
        binding.bind(db, invitation["code"], openid=f"sandbox-{invitation['cadre_id']}")


def _approve(db, issue_id):
    """Approve the sample issue as the office would (store.review), so the sandbox phone can
    search it and read it at once: cadres see approved or pushed issues only. Only while it
    is untouched: an issue the demo user corrected since waits for their approval."""
    current = review.state(db, issue_id)
    if current["state"] == "pending" and not (current["changed_by"] or current["uploaded_by"]):
        review.approve(db, issue_id, "demo")
        audit.record(db, "demo", "local", "approve", f"issue:{issue_id}")


def _first_item(db, issue_id):
    from store.issues import issue_items

    items = issue_items(db, issue_id)
    return items[0]["id"] if items else None


def _admin_password(config):
    """The console password: BOT_ADMIN_PASSWORD, else one generated once and kept on disk."""
    if config.get("BOT_ADMIN_PASSWORD"):
        return None, "environment"
    path = os.path.join(os.path.dirname(os.path.abspath(config["DATABASE_PATH"])), PASSWORD_FILE)
    if not os.path.exists(path):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(auth.new_password())
    with open(path) as f:
        password = f.read().strip()
    auth.set_admin_password(config, password)
    return password, "generated"


def prepare_demo(app, host, port):
    """For `serve --demo`: load the demo into `app`'s database and return the text to print.

    When BOT_PUBLIC_URL was not set in the environment, links point at http://host:port."""
    import config as settings

    served = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if not os.environ.get("BOT_PUBLIC_URL") and \
            app.config.get("BOT_PUBLIC_URL") == settings.SETTINGS["BOT_PUBLIC_URL"][0]:
        app.config["BOT_PUBLIC_URL"] = served
    db = open_db(app.config["DATABASE_PATH"])
    try:
        return describe(load_demo(db, app.config))
    finally:
        db.conn.close()
