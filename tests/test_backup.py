"""Backups: a copy made mid-push holds every delivery recorded before it began and restores
whole; the newest kept; odd folders, keys and files (restore's own checks: test_restore.py).

    pytest tests/test_backup.py

Real parts: the push goes through the real worker to the fake WeCom server; `backup` and
`restore` run as the CLI (the test runner, and `python bot.py` processes for the refusal).
"""

import pytest
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading

from click.testing import CliRunner
from fakewechat import fake_wechat  # noqa: F401 (fixture)
from test_plan import make_issue, publish
from test_worker_process import ROOT, TOWNS, wait_for, worker_env

import bot
from store import backup as backups
from push import publish as publishing, status
from push.worker import run_until_idle
from store.db import open_db
from store.departments import learn

CADRES = 127


def arrange_push(fake_wechat, db):
    """An issue for 127 cadres, each on a different subset of 7 departments: 127 calls."""
    items = [("lead", "要闻", "要闻内容。", None)] + [
        ("brief", f"{town}工作动态", f"{town}开展工作。", town) for town in TOWNS]
    issue_id = publish(db, make_issue(items))
    town_ids = [learn(db, town) for town in TOWNS]
    db["cadres"].insert_all([{"id": n, "name": f"u{n}", "userid": f"u{n}",
                              "bound_at": "2021-01-01T00:00:00Z"} for n in range(1, CADRES + 1)])
    db["subscriptions"].insert_all([{"cadre_id": n, "department_id": d}
                                    for n in range(1, CADRES + 1)
                                    for bit, d in enumerate(town_ids) if n >> bit & 1])
    fake_wechat.add_members([f"u{n}" for n in range(1, CADRES + 1)])
    return issue_id


def restore(env, path):
    return subprocess.run([sys.executable, "bot.py", "restore", str(path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def backup(app, *args, env=None):
    """`python bot.py backup ARGS` as the operator runs it (bot.py's own group: no app is
    built), in this process, on `app`'s database and settings."""
    environ = {**worker_env(app), **(env or {})}
    return CliRunner().invoke(bot.cli, ["backup", *args], env=environ)


def sent(path):
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute(
            "SELECT recipient FROM deliveries WHERE status = 'sent'")}
    finally:
        conn.close()


@pytest.mark.slow
def test_a_backup_made_during_a_push_restores_every_delivery_recorded_before_it(
        fake_wechat, make_app, tmp_path):
    app = make_app(**fake_wechat.app_config("work"), BOT_SEND_RATE=1000)
    db_path = app.config["DATABASE_PATH"]
    db = open_db(db_path)
    issue_id = arrange_push(fake_wechat, db)
    fake_wechat.latency = 0.03
    publishing.push_issue(db, issue_id, app.config, db_path)
    sender = threading.Thread(target=run_until_idle, args=(db_path, dict(app.config)))
    sender.start()
    assert wait_for(lambda: len(sent(db_path)) >= 20)
    before = sent(db_path)                       # recorded before the backup starts
    result = backup(app, str(tmp_path / "backups"), "--json")
    during = sent(db_path)
    sender.join(120)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert set(shown) == {"path", "bytes", "kept"} and shown["kept"] == 1
    copy = shown["path"]
    assert os.path.basename(copy).startswith("jianbao-") and copy.endswith(".sqlite3")
    assert shown["bytes"] == os.path.getsize(copy)
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    assert status.summary(db, issue_id)["sent"] == CADRES   # the push went on meanwhile
    assert len(during) < CADRES                             # the copy really was made mid-push
    assert before <= sent(copy) <= during
    assert backups.integrity(copy) == "ok"
    assert not os.path.exists(copy + "-wal")                # one self-contained file
    db.conn.close()

    result = restore(worker_env(app), copy)
    assert result.returncode == 0, result.stderr
    assert sent(db_path) == sent(copy)
    aside = [name for name in os.listdir(tmp_path) if ".replaced-" in name
             and name.endswith(tuple("0123456789Z"))]
    assert len(aside) == 1 and f"kept at {tmp_path / aside[0]}" in result.stdout
    assert len(sent(str(tmp_path / aside[0]))) == CADRES    # the replaced one, whole
    restored = open_db(db_path)                             # the app opens it again
    assert status.summary(restored, issue_id)["sent"] == len(sent(copy))
    restored.conn.close()


def test_keep_leaves_the_newest_backups(app, tmp_path):
    target = tmp_path / "backups"
    made = []
    for _ in range(3):
        result = backup(app, str(target), "--keep", "2", "--json")
        assert result.exit_code == 0, result.output
        made.append(json.loads(result.output)["path"])
    assert sorted(os.listdir(target)) == sorted(os.path.basename(p) for p in made[1:])
    result = backup(app, str(target))
    assert result.output.startswith(f"Backup: {target}") and "bytes" in result.output


def test_a_folder_named_with_uri_characters_is_backed_up_and_checked_whole(tmp_path):
    """`#`, `?` and `%41` are ordinary in a folder's name but not in an SQLite URI: unquoted,
    the backup copied an empty file beside the database (4,096 bytes, "integrity ok") and a
    sound database was called damaged."""
    from store import integrity

    for name in ("office#2", "data%41", "what?", "区委 办公室"):
        folder = tmp_path / name
        folder.mkdir()
        path = str(folder / "jianbao.sqlite3")
        db = open_db(path)
        publish(db)
        items = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        db.conn.close()
        assert items > 0 and integrity.quick(path) == "ok", name
        copy, size, _ = backups.make_backup(path, str(folder / "backups#1"))
        conn = sqlite3.connect(copy)
        try:
            assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == items, name
        finally:
            conn.close()
        assert backups.integrity(copy) == "ok" and size > 4096
    # nothing was made beside the folders (unquoted, "office#2" opened a file named "office")
    assert {p.name for p in tmp_path.iterdir()} == {"office#2", "data%41", "what?", "区委 办公室"}


def test_links_sent_before_a_restore_on_a_new_server_still_verify(make_app, tmp_path):
    """With BOT_SECRET_KEY unset the generated key lived in instance/secret_key, which no backup
    holds: after a restore on a new server every link already on a phone answered 403."""
    from bot import create_app
    from channels.links import make_token, read_token
    from conftest import TEST_CONFIG

    old = make_app(BOT_SECRET_KEY=None)
    token = make_token(old.config, 7, cadre_id=3)
    copy, _, _ = backups.make_backup(old.config["DATABASE_PATH"], str(tmp_path / "b"))
    fresh = tmp_path / "new-server"
    backups.restore(copy, str(fresh / "jianbao.sqlite3"))
    new = create_app(dict(TEST_CONFIG, BOT_SECRET_KEY=None, INSTANCE_PATH=str(fresh),
                          BOT_DATABASE=str(fresh / "jianbao.sqlite3")))
    assert read_token(new.config, token, 7) is not None
    assert not os.path.exists(fresh / "secret_key")


def test_a_key_kept_in_the_instance_folder_by_an_older_jianbao_is_taken_over(make_app, tmp_path):
    """Links sent before the upgrade were signed with instance/secret_key: they keep working."""
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text("a-key-made-by-an-older-jianbao-0123\n")
    app = make_app(BOT_SECRET_KEY=None)
    assert app.config["SECRET_KEY"] == "a-key-made-by-an-older-jianbao-0123"
    again = make_app(BOT_SECRET_KEY=None)  # the next start reads it from the database
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_a_backup_of_a_file_that_is_no_jianbao_database_is_refused_and_keeps_the_backups(
        app, tmp_path):
    """`backup` no longer builds (and migrates) the app first: with BOT_DATABASE naming an
    empty or foreign SQLite file it said "integrity ok" night after night, and `--keep`
    removed every real backup for copies `restore` refuses."""
    target = tmp_path / "backups"
    real = json.loads(backup(app, str(target), "--json").output)["path"]
    for wrong in (tmp_path / "empty.sqlite3", tmp_path / "other.sqlite3"):
        wrong.write_bytes(b"")
        if wrong.name == "other.sqlite3":
            sqlite3.connect(wrong).execute("CREATE TABLE t (x)").connection.commit()
        refused = backup(app, str(target), "--keep", "1", env={"BOT_DATABASE": str(wrong)})
        assert refused.exit_code == 2 and "not a Jianbao database" in refused.output
        assert "Traceback" not in refused.output and refused.output.count("\n") == 1
        assert os.listdir(target) == [os.path.basename(real)]


def test_stats_with_a_backup_folder_that_is_a_file_lists_no_backups(make_app, tmp_path):
    """`BOT_BACKUP_DIR` naming a file ended `stats` in a NotADirectoryError traceback."""
    mistaken = tmp_path / "backups.txt"
    mistaken.write_text("not a folder")
    app = make_app(BOT_BACKUP_DIR=str(mistaken))
    result = app.test_cli_runner().invoke(args=["stats", "--json"])
    assert result.exit_code == 0, result.output
    refused = backup(app, env={"BOT_BACKUP_DIR": str(mistaken)})
    assert refused.exit_code == 2 and refused.output.startswith("Error: ")
    assert "Traceback" not in refused.output and refused.output.count("\n") == 1
