"""Office commands for the store: publish, search, roster, departments.

    python bot.py publish issue.pdf [--json]        # -> 1  or  {"id": 1, "items": 9, …}
    python bot.py search "清河镇 疫情" [--json]
    python bot.py roster import roster.csv
    python bot.py roster invite [--json] [--hours 72] [--renew]
    python bot.py roster list | remove ID | unbind ID
    python bot.py roster sync [--dry-run] [--json]      # commands/addressbook.py
    python bot.py departments [import FILE | alias ALIAS DEPARTMENT]

Each command is a thin shell over one library function; errors are one line on stderr
and exit status 2.
"""

import json
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from channels import channel_class, identity_of
from config import setting
from store import binding, department_file, department_merge, department_split, review
from store import departments as departments_store
from store import roster as roster_store
from subscriptions import roster_csv
from store.db import get_db
from store.ingest import ingest_upload, limits_from
from store.issues import get_issue
from store.search import search
from commands.addressbook import roster_sync_command
from commands.audit import note
from commands.errors import Fail
from commands.review import held_message, require, require_push, uploaded




def publish_upload(db, path):
    """`publish_upload(db, "issue.pdf")` -> store.ingest.Ingested (issue_id, created, same_as,
    differs) through the one ingest path (store.ingest); ValueError/OSError with a readable
    reason when the file is not a bulletin issue."""
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        return ingest_upload(db, data, filename=name, source=name,
                             limits=limits_from(current_app.config))
    except (ValueError, LookupError) as error:  # bulletin.ParseError is a ValueError
        raise ValueError(f"cannot read {name}: {_one_line(error)}") from None


@click.command("publish")
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True,
              help='Print {"id", "items": n, "same_as": id or null, "differs": {...}}.')
@click.option("--push", "push_now", is_flag=True, help="Then push it to the cadres (progress bar).")
@with_appcontext
def publish_command(file, as_json, push_now):
    """Store a bulletin issue (text, PDF, Word) and print its id; the same content twice
    gives the same id. Another version of a stored issue (same number and date, other
    content) is stored, said on stderr and not pushed by --push: decide in the console."""
    require("editor", "publish")
    db = get_db()
    try:
        result = publish_upload(db, file)
    except (OSError, ValueError) as error:
        raise Fail.from_error(error)
    issue_id, created = result.issue_id, result.created
    count = get_issue(db, issue_id)["item_count"]
    if created:
        uploaded(issue_id)
    note("publish", f"issue:{issue_id}", file=os.path.basename(file), created=created, items=count,
         **({"same_as": result.same_as} if result.same_as else {}))
    if as_json:
        click.echo(json.dumps({"id": issue_id, "items": count, "same_as": result.same_as,
                               "differs": result.differs}, ensure_ascii=False))
    else:
        click.echo(issue_id)
    if not created:
        click.echo(f"(already stored as issue {issue_id})", err=True)
        for field, values in result.differs.items():
            click.echo(f"(the file's {field} is {values['uploaded']!r}, issue {issue_id} has"
                       f" {values['stored']!r}: same content, so the same issue; correct the"
                       " stored one on its console page)", err=True)
    if result.same_as:
        message = held_message(result.same_as, issue_id)
        if push_now:
            raise Fail(f"not pushed: {message}")
        click.echo(f"({message})", err=True)
    if push_now:
        from commands.push import send_with_progress
        require_push(issue_id)
        send_with_progress(issue_id, err=as_json)


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True,
              help='Print [{"item_id", "title", "department", "date", "score", "review_state"}].')
@click.option("--page", default=0, show_default=True, help="Page number, from 0.")
@click.option("--per-page", default=5, show_default=True, help="Hits per page (at most 50).")
@with_appcontext
def search_command(query, as_json, page, per_page):
    """Search stored items: keywords, a department (清河镇 疫情) and a date (2021年1月 项目).
    A staff tool: it finds every item, those awaiting approval (cadres do not see them in
    chat) marked 待审核."""
    db = get_db()
    result = search(db, " ".join(query), page=page, per_page=per_page, held=True)
    states = review.item_states(db, [hit["item_id"] for hit in result.hits])
    for hit in result.hits:
        hit["review_state"] = states.get(hit["item_id"])
    if as_json:
        click.echo(json.dumps(result.hits, ensure_ascii=False))
        return
    if not result.hits:
        click.echo("没有找到")
        return
    for hit in result.hits:
        mark = "" if hit["review_state"] in review.RELEASED else "  [待审核]"
        click.echo(f"{hit['item_id']:>6}  {hit['date'] or '':10}  {hit['department'] or '':8}  "
                   f"{hit['title']}{mark}")
    more = "  (more: --page {})".format(page + 1) if result.has_more else ""
    click.echo(f"{result.total} found{more}")


@click.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the search index of every stored item (after an upgrade or a bulk import),
    then merge it into one segment (in short steps: a running server goes on answering)."""
    from store.search_index import merge_segments, reindex_all, segments
    require("admin", "rebuild the search index")

    db = get_db()
    indexed = reindex_all(db)
    merge_segments(db, seconds=float("inf"))
    count = segments(db)
    click.echo(f"{indexed} items indexed ({count} segment{'' if count == 1 else 's'})")
    note("reindex")


@click.group("roster")
def roster_group():
    """The roster of cadres: import it or sync it from WeCom, issue binding codes, list it."""


roster_group.add_command(roster_sync_command)


@roster_group.command("import")
@click.argument("file", type=click.Path())
@with_appcontext
def roster_import_command(file):
    """Import or update cadres from a CSV file (name,department,mobile,userid,subscriptions)."""
    require("admin", "change the roster")
    try:
        summary = roster_csv.import_roster(get_db(), file)
    except (OSError, ValueError) as error:
        raise Fail.from_error(error)
    note("roster_import", None, file=os.path.basename(file), added=summary["created"],
         updated=summary["updated"])
    click.echo(f"{summary['created']} added, {summary['updated']} updated, "
               f"{summary['subscriptions']} subscriptions added, {len(summary['errors'])} problems")
    for error in summary["errors"]:
        click.echo(f"line {error['line']}: {error['message']}", err=True)
    for notice in summary["notices"]:
        click.echo(f"line {notice['line']} (check): {notice['message']}", err=True)


@roster_group.command("invite")
@click.option("--json", "as_json", is_flag=True, help='Print [{"name", "code"}].')
@click.option("--hours", default=72, show_default=True, type=click.IntRange(1, 24 * 90),
              help="How long the codes stay valid.")
@click.option("--renew", is_flag=True,
              help="Also replace codes still valid (the older unused codes stop working).")
@with_appcontext
def roster_invite_command(as_json, hours, renew):
    """Issue one-time binding codes to the cadres who need one and hold no valid code (codes
    handed out stay good; --renew replaces them): on WeCom only cadres without a userid,
    elsewhere those not bound yet."""
    require("admin", "issue binding codes")
    db = get_db()
    invitations = binding.invite(db, ttl_hours=hours, renew=renew,
                                 identity=identity_of(current_app.config))
    note("roster_invite", None, codes=len(invitations), hours=hours, renew=renew)
    unbound = {c["id"] for c in roster_store.list_cadres(
        db, bound=False, identity=identity_of(current_app.config))}
    kept = len(unbound & set(binding.valid_codes(db))) - len(invitations)
    if kept > 0 and not renew:
        click.echo(f"{kept} cadres still hold a valid code, left as it is (--renew replaces them)",
                   err=True)
    if as_json:
        click.echo(json.dumps([{"name": i["name"], "code": i["code"]} for i in invitations],
                              ensure_ascii=False))
        return
    for invitation in invitations:
        click.echo(f"{invitation['name']}\t{invitation['department'] or ''}\t{invitation['code']}")
    click.echo(f"{len(invitations)} codes, valid {hours} hours: the cadre sends 绑定 <code>",
               err=True)


@roster_group.command("list")
@click.option("--unbound", is_flag=True, help="Only cadres who have not bound yet.")
@with_appcontext
def roster_list_command(unbound):
    """List the cadres on the roster and whether they have bound WeChat."""
    cadres = roster_store.list_cadres(get_db(), bound=False if unbound else None,
                                      identity=identity_of(current_app.config))
    if not cadres and not unbound:
        sync = "`roster sync` (the WeCom address book) or " if channel_class(
            current_app.config["BOT_CHANNEL"]).has_address_book else ""
        click.echo(f"The roster is empty: add cadres with {sync}`roster import FILE.csv`.",
                   err=True)
    for cadre in cadres:
        state = "bound" if cadre["bound"] else "unbound"
        click.echo(f"{cadre['id']:>5}  {cadre['name']}\t{cadre['department'] or ''}\t{state}\t"
                   f"{cadre['subscriptions']} subscriptions")


@roster_group.command("remove")
@click.argument("cadre_id", type=int)
@with_appcontext
def roster_remove_command(cadre_id):
    """Take a cadre off the roster (by id, see `roster list`): no pushes, no chat."""
    require("admin", "change the roster")
    if not roster_store.remove_cadre(get_db(), cadre_id):
        raise Fail(f"no cadre {cadre_id} on the roster")
    note("roster_remove", f"cadre:{cadre_id}")
    click.echo(f"cadre {cadre_id} removed")


@roster_group.command("unbind")
@click.argument("cadre_id", type=int)
@with_appcontext
def roster_unbind_command(cadre_id):
    """Forget a cadre's WeChat binding (new phone): they bind again with a new code."""
    require("admin", "change the roster")
    if not binding.unbind(get_db(), cadre_id):
        raise Fail(f"no cadre {cadre_id}")
    note("roster_unbind", f"cadre:{cadre_id}")
    click.echo(f"cadre {cadre_id} unbound; `roster invite` gives them a new code")


@click.group("departments", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="With no command: `list --json`.")
@click.pass_context
def departments_group(ctx, as_json=False):
    """List departments with their item counts; `departments import FILE` adds aliases."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(departments_list_command, as_json=as_json)


@departments_group.command("list")
@click.option("--json", "as_json", is_flag=True,
              help='Print [{"id", "name", "items", "aliases", "parent", "released",'
                   ' "awaiting_approval", "withdrawn"}].')
@with_appcontext
def departments_list_command(as_json=False):
    """List departments with their item counts and aliases: every item, and of them the
    released ones (cadres can find them), those awaiting approval and the withdrawn."""
    db = get_db()
    states = departments_store.item_states(db)
    none = {"released": 0, "awaiting_approval": 0, "withdrawn": 0}
    rows = [dict(row, **states.get(row["id"], none))
            for row in departments_store.list_with_counts(db)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("No departments yet: they come with the first issue, the roster "
                   "(`roster import`, `roster sync`) or the org chart "
                   "(`departments import FILE`, columns name,aliases,parent).", err=True)
    for row in rows:
        aliases = f"  ({'、'.join(row['aliases'])})" if row["aliases"] else ""
        click.echo(f"{row['items']:>5}  {row['name']}{aliases}  — {row['released']} released,"
                   f" {row['awaiting_approval']} awaiting approval, {row['withdrawn']} withdrawn")


@departments_group.command("import")
@click.argument("file", type=click.Path())
@with_appcontext
def departments_import_command(file):
    """Import the org chart: a CSV with the header name,aliases,parent (aliases
    |-separated), or one department per line, its name then its aliases."""
    require("admin", "change the departments")
    try:
        summary = department_file.import_departments(get_db(), file)
    except (OSError, ValueError) as error:
        raise Fail.from_error(error)
    note("departments_import", None, file=os.path.basename(file), added=summary["departments"],
         aliases=summary["aliases"])
    click.echo(f"{summary['departments']} new departments, {summary['aliases']} aliases")
    for error in summary["errors"]:
        click.echo(error, err=True)


@departments_group.command("alias")
@click.argument("alias")
@click.argument("department")
@with_appcontext
def departments_alias_command(alias, department):
    """Add another name for a department: `departments alias 审计 区审计局`. When ALIAS is
    another department's name (learned from an issue), that department joins DEPARTMENT."""
    require("admin", "change the departments")
    try:
        done = department_merge.alias_or_merge(get_db(), alias, department)
    except ValueError as error:
        raise Fail.from_error(error)
    note("department_alias", f"department:{done['id']}", alias=alias, department=department,
         **_moved(done))
    click.echo(f"{alias} -> {done['name']}{_merged_text(done, alias)}")


@departments_group.command("rename")
@click.argument("department")
@click.argument("new_name")
@with_appcontext
def departments_rename_command(department, new_name):
    """A department's new name (the old one stays an alias): `departments rename 区农委
    区农业农村局`. When NEW_NAME is already another department (an issue printed it), the two
    become one: items, followers and cadres go to it."""
    require("admin", "change the departments")
    try:
        done = department_merge.rename(get_db(), department, new_name)
    except ValueError as error:
        raise Fail.from_error(error)
    note("department_rename", f"department:{done['id']}", old=done["old_name"],
         new=done["name"], **_moved(done))
    click.echo(f"{done['old_name']} -> {done['name']}{_merged_text(done, done['old_name'])}")


@departments_group.command("split")
@click.argument("department")
@click.argument("new_names", nargs=-1, required=True)
@with_appcontext
def departments_split_command(department, new_names):
    """One department becomes two or more (机构改革): `departments split 区农委 区农业农村局
    区水利局`. Its followers and (BOT_DEFAULT_FOLLOW=own) its cadres follow each new one; the
    old department keeps its items, aliases and cadres, and is an alias of none of them."""
    require("admin", "change the departments")
    own = setting(current_app.config, "BOT_DEFAULT_FOLLOW") == "own"
    try:
        done = department_split.split(get_db(), department, new_names, own_follows=own)
    except ValueError as error:
        raise Fail.from_error(error)
    note("department_split", f"department:{done['id']}", old=done["name"],
         new=[d["name"] for d in done["new"]], cadres=done["cadres"],
         subscriptions=done["subscriptions"])
    created = [d["name"] for d in done["new"] if d["created"]]
    click.echo(f"{done['name']} -> {'、'.join(d['name'] for d in done['new'])}："
               f"{done['cadres']} 名干部新关注了拆分后的部门（{done['subscriptions']} 个订阅）"
               + (f"；新建部门 {'、'.join(created)}" if created else "")
               + f"。{done['name']} 的条目、别名和干部所在部门不变。")


def _moved(done):
    return {key: done[key] for key in ("merged", "items", "subscriptions", "cadres")}


def _merged_text(done, name):
    if not done["merged"]:
        return ""
    return (f"（已合并“{name}”：{done['items']} 条条目、{done['subscriptions']} 个订阅、"
            f"{done['cadres']} 名干部转入）")


def _one_line(error):
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return " ".join(str(error).split()) or type(error).__name__


COMMANDS = (publish_command, search_command, reindex_command, roster_group, departments_group)
