"""The app factory, configuration and the CLI shell."""

import subprocess
import sys

import pytest

import config as settings
from conftest import ROOT


def test_factory_applies_config(app):
    assert app.config["TESTING"] is True
    assert app.config["BOT_CHANNEL"] == "sandbox"


def test_database_is_wal_with_schema(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"issues", "items", "departments", "cadres", "subscriptions"} <= set(db.table_names())


def test_every_connection_checkpoints_at_the_same_wal_size(app, db):
    """Request connections (from the pool) and others check the WAL in at CHECKPOINT_PAGES."""
    from store.db import CHECKPOINT_PAGES, get_db

    with app.test_request_context("/"):
        pooled = get_db()
        for conn in (pooled.conn, db.conn):
            assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == CHECKPOINT_PAGES
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_bad_channel_is_a_clear_error(make_app):
    with pytest.raises(settings.ConfigError, match="BOT_CHANNEL"):
        make_app(BOT_CHANNEL="telegram")


def test_work_channel_names_missing_variables(make_app):
    with pytest.raises(settings.ConfigError, match="WECOM_CORP_ID"):
        make_app(BOT_CHANNEL="work")


def test_env_parsing_rejects_garbage():
    with pytest.raises(settings.ConfigError, match="BOT_SEND_RATE"):
        settings.from_env({"BOT_SEND_RATE": "fast"})
    assert settings.from_env({"BOT_OPEN_ACCESS": "yes"})["BOT_OPEN_ACCESS"] is True


@pytest.mark.slow  # a process
def test_cli_config_error_is_one_line_exit_2(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "BOT_CHANNEL": "mp", "BOT_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "bot.py", "init-db"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "WECHAT_APP_ID" in result.stderr



@pytest.mark.slow  # a process
def test_bot_py_run_by_a_python_without_the_packages_says_to_use_the_venv(tmp_path):
    # README writes `python bot.py check`; after `make run` the packages live in .venv only,
    # and the shell's own python answered with a traceback (ModuleNotFoundError: wechatpy).
    # `-S` leaves site-packages out: the python of a machine where nothing was installed.
    env = {"PATH": "/usr/bin:/bin", "BOT_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-S", "bot.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert ".venv/bin/python bot.py" in result.stderr and "make venv" in result.stderr

def test_every_command_has_help(app):
    for name, command in app.cli.commands.items():
        assert command.help, f"command {name} has no help text"


def test_bare_address_opens_the_console(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")


def test_unrouted_api_urls_answer_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and "error" in response.get_json()
    response = client.get("/api/issues")  # POST only
    assert response.status_code == 405 and "error" in response.get_json()
    assert "<html" in client.get("/nothing-here").get_data(as_text=True).lower()
