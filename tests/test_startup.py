"""Start-up faults end in one line naming what to fix, never a traceback; forwarded headers
count only from trusted proxies.

    pytest tests/test_startup.py

Real parts: `python bot.py` and gunicorn (with deploy/gunicorn.conf.py) as processes, a real
database file damaged on disk, the console's lockout through the app's WSGI stack.
"""

import os
import sqlite3
import subprocess
import sys

import pytest
from test_processes import GUNICORN, ROOT, free_port, production_env

import channels
import config
from bot import create_app

BAD = [
    ({"BOT_PUBLIC_URL": "jianbao.example.gov.cn"}, "BOT_PUBLIC_URL"),
    ({"BOT_PUBLIC_URL": "https://[fd00::1/"}, "BOT_PUBLIC_URL"),  # was a ValueError traceback
    ({"BOT_PUBLIC_URL": "https://jianbao.example.gov.cn:99999"}, "BOT_PUBLIC_URL"),
    ({"BOT_LINK_TTL_DAYS": 0}, "BOT_LINK_TTL_DAYS"),
    ({"BOT_MAX_BODY_BYTES": -1}, "BOT_MAX_BODY_BYTES"),
    ({"BOT_MAX_CALLBACK_BYTES": -64}, "BOT_MAX_CALLBACK_BYTES"),
    ({"BOT_QUERY_LIMIT": -3}, "BOT_QUERY_LIMIT"),
    ({"BOT_SEARCH_CACHE": -1}, "BOT_SEARCH_CACHE"),
    ({"BOT_WORKER_THREADS": 0}, "BOT_WORKER_THREADS"),
    ({"BOT_SEND_RATE": float("nan")}, "BOT_SEND_RATE"),
    ({"BOT_SEND_RATE": float("inf")}, "BOT_SEND_RATE"),
    ({"BOT_HTTP_TIMEOUT": -1.0}, "BOT_HTTP_TIMEOUT"),
    ({"BOT_LOG_LEVEL": "LOUD"}, "BOT_LOG_LEVEL"),
    ({"BOT_SECRET_KEY": ""}, "BOT_SECRET_KEY"),
    ({"BOT_SECRET_KEY": "   "}, "BOT_SECRET_KEY"),
    ({"BOT_SECRET_KEY": "short"}, "BOT_SECRET_KEY"),
    ({"BOT_TRUSTED_PROXIES": "127.0.0.1,nginx"}, "BOT_TRUSTED_PROXIES"),
    ({"BOT_OFFICE_NAME": "   "}, "BOT_OFFICE_NAME"),
    ({"BOT_OFFICE_NAME": "县委办公室\n请回复"}, "BOT_OFFICE_NAME"),
    ({"BOT_OFFICE_NAME": "办" * 31}, "BOT_OFFICE_NAME"),
    ({"BOT_CHANNEL": "work", "WECOM_CORP_ID": "ww1", "WECOM_SECRET": "s", "WECOM_TOKEN": "t",
      "WECOM_AGENT_ID": "abc", "WECOM_ENCODING_AES_KEY": "a" * 43}, "WECOM_AGENT_ID"),
    ({"BOT_CHANNEL": "work", "WECOM_CORP_ID": "ww1", "WECOM_SECRET": "s", "WECOM_TOKEN": "t",
      "WECOM_AGENT_ID": "²", "WECOM_ENCODING_AES_KEY": "a" * 43}, "WECOM_AGENT_ID"),
    ({"BOT_CHANNEL": "work", "WECOM_CORP_ID": "ww1", "WECOM_SECRET": "s", "WECOM_TOKEN": "t",
      "WECOM_AGENT_ID": "1000002", "WECOM_ENCODING_AES_KEY": "!" * 43},
     "WECOM_ENCODING_AES_KEY"),
    ({"BOT_CHANNEL": "mp", "WECHAT_APP_ID": "wx1", "WECHAT_SECRET": "s", "WECHAT_TOKEN": "t",
      "WECHAT_ENCODING_AES_KEY": "短" * 43}, "WECHAT_ENCODING_AES_KEY"),
]


@pytest.mark.parametrize("settings, name", BAD, ids=[name for _, name in BAD])
def test_each_bad_setting_is_refused_naming_it(make_app, settings, name):
    with pytest.raises(config.ConfigError) as refused:
        make_app(**settings)
    assert name in str(refused.value) and "\n" not in str(refused.value)


def test_a_number_below_its_least_value_names_that_value(make_app):
    """`BOT_PARSE_MEMORY_MB=100` said "use a positive number" when the least is 256."""
    with pytest.raises(config.ConfigError) as refused:
        make_app(BOT_PARSE_MEMORY_MB=100)
    assert str(refused.value) == "BOT_PARSE_MEMORY_MB=100 is not valid: use 256 or more"
    with pytest.raises(config.ConfigError) as refused:
        make_app(BOT_HTTP_TIMEOUT=0.05)
    assert str(refused.value) == "BOT_HTTP_TIMEOUT=0.05 is not valid: use 0.1 or more"


def test_environment_values_are_checked_the_same_way():
    environ = {"BOT_SEND_RATE": "nan", "BOT_LINK_TTL_DAYS": "0"}
    with pytest.raises(config.ConfigError, match="BOT_SEND_RATE"):
        config.check(dict(config.from_env(environ)))
    with pytest.raises(config.ConfigError, match="WECOM_AGENT_ID"):  # the channel's own check
        channels.check_config(dict(
            config.from_env({}), BOT_CHANNEL="work", WECOM_CORP_ID="w", WECOM_SECRET="s",
            WECOM_TOKEN="t", WECOM_AGENT_ID="12x", WECOM_ENCODING_AES_KEY="a" * 43))


def run_cli(env, *args):
    return subprocess.run([sys.executable, "bot.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_a_database_path_that_is_a_folder_is_one_line(tmp_path):
    env = production_env(tmp_path / "instance", BOT_DATABASE=str(tmp_path))
    result = run_cli(env, "init-db")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: the database") and str(tmp_path) in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_damaged_database_stops_start_up_in_one_line(tmp_path):
    env = production_env(tmp_path / "instance")
    assert run_cli(env, "init-db").returncode == 0
    path = tmp_path / "instance" / "jianbao.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, len(data), page):            # every b-tree page past the third
        data[offset:offset + 8] = b"\x00\xff" * 4
    path.write_bytes(bytes(data))
    for command in ("init-db", "worker"):
        result = run_cli(env, command)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("Error: "), result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "damaged" in result.stderr or "malformed" in result.stderr


@pytest.mark.slow
def test_gunicorn_with_a_bad_setting_stops_in_one_line(tmp_path):
    env = production_env(tmp_path / "instance", BOT_LINK_TTL_DAYS="0",
                         JIANBAO_BIND=f"127.0.0.1:{free_port()}")
    result = subprocess.run([GUNICORN, "-c", "deploy/gunicorn.conf.py", "bot:create_app()"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert output.strip().splitlines() == [
        "Error: BOT_LINK_TTL_DAYS=0 is not valid: use 1 or more"]


def fail_login(client, address, forwarded=None):
    from test_console import csrf_from

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/admin/login", environ_base=environ, headers=headers))
    return client.post("/admin/login", data={"password": "wrong", "csrf_token": token},
                       environ_base=environ, headers=headers)


def failures(app):
    conn = sqlite3.connect(app.config["DATABASE_PATH"])
    try:
        return sorted(row[0] for row in conn.execute("SELECT ip FROM login_failures"))
    finally:
        conn.close()


def test_forwarded_addresses_count_only_from_trusted_proxies(make_app):
    app = make_app(BOT_TRUSTED_PROXIES="127.0.0.1, 10.1.0.0/16")
    client = app.test_client()
    fail_login(client, "127.0.0.1", forwarded="203.0.113.7")     # nginx on this machine
    fail_login(client, "10.1.2.3", forwarded="203.0.113.8")      # a proxy in the listed net
    fail_login(client, "198.51.100.4", forwarded="203.0.113.9")  # anyone else: header ignored
    assert failures(app) == ["198.51.100.4", "203.0.113.7", "203.0.113.8"]
    plain = make_app(BOT_DATABASE=app.config["DATABASE_PATH"] + "-2")
    fail_login(plain.test_client(), "127.0.0.1", forwarded="203.0.113.7")
    assert failures(plain) == ["127.0.0.1"]                        # no proxy trusted: as is


def test_database_file_is_created_private(tmp_path):
    app = create_app({"TESTING": True, "BOT_SECRET_KEY": "k" * 32,
                      "BOT_DATABASE": str(tmp_path / "fresh.sqlite3"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    for suffix in ("", "-wal", "-shm"):
        path = app.config["DATABASE_PATH"] + suffix
        if os.path.exists(path):
            assert os.stat(path).st_mode & 0o077 == 0, (suffix, oct(os.stat(path).st_mode))


@pytest.mark.slow
def test_a_read_only_database_is_one_line(tmp_path):
    """The database on a filesystem mounted read-only (root's writes are refused there too)."""
    disk = tmp_path / "ro"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        env = production_env(tmp_path / "instance", BOT_DATABASE=str(disk / "jb.sqlite3"))
        assert run_cli(env, "init-db").returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        for command in ("init-db", "worker"):  # the worker started and looped on errors
            result = run_cli(env, command)
            assert result.returncode == 2, result.stderr
            assert result.stderr.startswith("Error: ") and str(disk) in result.stderr
            assert "cannot be written" in result.stderr
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow
def test_a_command_meeting_a_locked_database_says_so_in_one_line(tmp_path):
    """Another process holds the write lock past the 5 s busy timeout: `publish`, `push`,
    `reindex` and `departments alias` printed `sqlite3.OperationalError: database is locked`
    with a traceback (exit 1)."""
    env = production_env(tmp_path / "instance")
    assert run_cli(env, "init-db").returncode == 0
    path = tmp_path / "instance" / "jianbao.sqlite3"
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run_cli(env, "reindex")
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"Error: the database {path} is busy: another process held its "
                             "write lock for over 5 s (a push, a merge of the search index); "
                             "try again\n")


def test_an_sqlite_error_is_said_for_the_operator(tmp_path):
    """The one-line meaning of real SQLite errors: a full database, a read-only one."""
    from commands.errors import database_trouble

    path = str(tmp_path / "jb.sqlite3")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("PRAGMA max_page_count = 2")  # SQLite's own "database or disk is full"
    with pytest.raises(sqlite3.Error) as full:
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 100)
    conn.close()
    said = database_trouble(full.value, path)
    assert said.startswith(f"the disk holding {tmp_path} is full (") and "\n" not in said
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.Error) as refused:
        read_only.execute("INSERT INTO t VALUES (1)")
    read_only.close()
    assert database_trouble(refused.value, path).startswith(
        f"the database {path} cannot be written (attempt to write a readonly database)")
