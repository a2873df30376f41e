"""Restore: the file checked first, refused while a server or worker uses the database, the
replaced database kept aside; damaged and old backups, restoring as root and onto a new
server, and what a restore tells the operator about pushes. (Backups: test_backup.py.)

    pytest tests/test_restore.py
"""

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

import bot
from push.worker import run_until_idle
from store import backup as backups
from store.db import open_db
from test_backup import backup, restore, sent
from test_plan import make_issue, publish
from test_worker_process import ROOT, wait_for, worker_env


@pytest.mark.slow
def test_restore_refuses_bad_files_in_one_line_and_leaves_the_database(app, tmp_path, db):
    publish(db)
    path = app.config["DATABASE_PATH"]
    before = os.path.getsize(path)
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    damaged = tmp_path / "damaged.sqlite3"
    copy, _, _ = backups.make_backup(path, str(tmp_path / "b"))
    data = bytearray(open(copy, "rb").read())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):   # every page past the second
        data[offset + 100:offset + 400] = os.urandom(300)
    damaged.write_bytes(bytes(data))
    env = worker_env(app)
    for bad, says in ((tmp_path / "missing.sqlite3", "no file"), (text, "not a SQLite"),
                      (other, "not a Jianbao database"), (damaged, "integrity")):
        result = restore(env, bad)
        assert result.returncode == 2, (bad, result.stderr)
        assert result.stderr.startswith("Error: ") and says in result.stderr
        assert result.stderr.count("\n") == 1 and not result.stdout
    assert os.path.getsize(path) == before
    assert not [name for name in os.listdir(tmp_path) if ".replaced-" in name]


def lock_is_held(path):
    """True once another process holds its flock on `path` (the worker's store.presence lock):
    the file appears a moment before the lock is taken, so its existence is not enough."""
    import fcntl

    if not os.path.exists(path):
        return False
    with open(path, "r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@pytest.mark.slow
def test_restore_refuses_while_a_worker_runs(make_app, tmp_path):
    app = make_app()
    copy, _, _ = backups.make_backup(app.config["DATABASE_PATH"], str(tmp_path / "b"))
    env = worker_env(app)
    worker = subprocess.Popen([sys.executable, "bot.py", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: lock_is_held(app.config["DATABASE_PATH"] + ".in-use"))
        refused = subprocess.run([sys.executable, "bot.py", "restore", copy], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2
        assert refused.stderr.startswith("Error: ") and "in use" in refused.stderr
        assert refused.stderr.count("\n") == 1
    finally:
        worker.terminate()
        worker.wait(15)
    done = subprocess.run([sys.executable, "bot.py", "restore", copy], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    restored = open_db(app.config["DATABASE_PATH"], migrate=False)
    [(who, action, details)] = restored.execute(
        "SELECT who, action, details FROM audit_log WHERE action = 'restore'").fetchall()
    assert who == "cli" and os.path.basename(copy) in details
    restored.conn.close()


@pytest.mark.slow
def test_a_damaged_database_is_restored_although_the_app_cannot_start(make_app, tmp_path):
    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    publish(db)
    db.conn.close()
    copy, _, _ = backups.make_backup(app.config["DATABASE_PATH"], str(tmp_path / "b"))
    path = app.config["DATABASE_PATH"]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(open(path, "rb").read())
    for offset in range(4096 * 3, len(data), 4096):
        data[offset:offset + 8] = b"\x00\xff" * 4
    open(path, "wb").write(bytes(data))
    env = worker_env(app)
    broken = subprocess.run([sys.executable, "bot.py", "init-db"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode == 2 and "restore the latest backup" in broken.stderr
    assert restore(env, copy).returncode == 0
    fixed = subprocess.run([sys.executable, "bot.py", "init-db"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    assert backups.integrity(path) == "ok"


@pytest.mark.slow
def test_a_schema_damaged_into_bytes_that_are_not_utf8_is_called_damaged(app, tmp_path):
    """SQLite names the schema entry it cannot read in its error; when the damage left bytes
    that are not UTF-8 there, Python's sqlite3 raised UnicodeDecodeError: `restore` of such a
    file and the start-up check of such a database ended in a traceback (the restore test's
    random damage hit it now and then)."""
    path = app.config["DATABASE_PATH"]
    copy, _, _ = backups.make_backup(path, str(tmp_path / "b"))
    data = bytearray(open(copy, "rb").read())
    at = data.index(b"CREATE TABLE")
    data[at:at + 6] = b"CR\xfc\xfdTE"          # a schema entry's text no longer UTF-8
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(bytes(data))
    env = worker_env(app)
    refused = restore(env, damaged)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1 and "integrity" in refused.stderr

    env["BOT_DATABASE"] = str(damaged)
    started = subprocess.run([sys.executable, "bot.py", "init-db"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 2 and "Traceback" not in started.stderr
    assert "restore the latest backup" in started.stderr


def _backup_of(app, tmp_path):
    db = open_db(app.config["DATABASE_PATH"])
    publish(db)
    db.conn.close()
    return backups.make_backup(app.config["DATABASE_PATH"], str(tmp_path / "b"))[0]


def _audit_actions(path):
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.slow
def test_a_backup_older_than_the_audit_log_is_restored_migrated_and_reported(app, tmp_path):
    """It ended in `no such table: audit_log` (a traceback, exit 1), the database replaced but
    neither "Restored" nor the replaced copy's path printed."""
    copy = _backup_of(app, tmp_path)
    conn = sqlite3.connect(copy)
    for name in ("audit_log_no_update", "audit_log_no_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE audit_log")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_rules_audit_log'")
    conn.commit()
    conn.close()
    result = restore(worker_env(app), copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Restored {copy} into ") and "kept at" in result.stdout
    assert _audit_actions(app.config["DATABASE_PATH"]) == ["restore"]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="restoring as root needs root")
def test_a_restore_run_as_root_leaves_the_files_to_the_service_user(app, tmp_path):
    """As root, the restored file was root's (0600): the service then could not open it."""
    copy = _backup_of(app, tmp_path)
    path = app.config["DATABASE_PATH"]
    service = (12345, 12345)
    for name in os.listdir(os.path.dirname(path)):
        os.chown(os.path.join(os.path.dirname(path), name), *service)
    result = restore(worker_env(app), copy)
    assert result.returncode == 0, result.stderr
    for suffix in ("", "-wal", "-shm", ".in-use", ".migrate-lock"):
        if os.path.exists(path + suffix):
            found = os.stat(path + suffix)
            assert (found.st_uid, found.st_gid) == service, suffix
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.slow
def test_a_backup_is_restored_onto_a_new_server_whose_data_folder_is_not_made_yet(
        app, tmp_path):
    """It said `No such file or directory: '…/jianbao.sqlite3.in-use'`."""
    copy = _backup_of(app, tmp_path)
    fresh = tmp_path / "new" / "data" / "jianbao.sqlite3"
    env = dict(worker_env(app), BOT_DATABASE=str(fresh), BOT_INSTANCE_PATH=str(tmp_path / "new"))
    result = restore(env, copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Restored {copy} into {fresh}.\n")
    assert _audit_actions(str(fresh)) == ["restore"]


def test_restore_says_to_start_the_services_and_what_it_means_for_pushes(make_app, tmp_path):
    """`restore` said only "Restored … into …": not to start the services again, nor that
    withdrawals and corrections made since the backup are gone, nor that the messages the
    backup holds as queued go out (again) when a worker starts. It now says all three, with
    the true count of messages queued in the restored database and the issues they belong
    to, and the schedules still pending."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    from test_plan import add_cadre

    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    add_cadre(db, "乙", "sandbox-2", ["区审计局"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id), "--no-wait"]).exit_code == 0
    later = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(hours=2)
    other = publish(db, make_issue([("lead", "要闻", "要闻内容。", None)]))
    assert runner.invoke(args=["push", str(other), "--at", f"{later:%Y-%m-%d %H:%M}"]
                         ).exit_code == 0
    copy = backup(app, str(tmp_path / "b"), "--json")
    copy = json.loads(copy.output)["path"]
    run_until_idle(app.config["DATABASE_PATH"], app.config)   # sent after the backup
    assert sent(app.config["DATABASE_PATH"]) == {"sandbox-1", "sandbox-2"}
    db.conn.close()
    result = CliRunner().invoke(bot.cli, ["restore", copy], env=worker_env(app))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Restored {copy} into {app.config['DATABASE_PATH']}."
    assert "start the web app and the worker again" in result.output.lower()
    assert "withdrawals" in result.output and "corrections" in result.output
    assert f"2 messages queued in the backup (issue {issue_id})" in result.output, result.output
    assert "1 scheduled push or reminder" in result.output, result.output
    assert len(lines) <= 6, result.output


def test_restore_of_a_backup_with_nothing_queued_says_nothing_goes_out_again(app, tmp_path):
    copy = _backup_of(app, tmp_path)
    result = CliRunner().invoke(bot.cli, ["restore", copy], env=worker_env(app))
    assert result.exit_code == 0, result.output
    assert "No message was queued in the backup" in result.output, result.output
