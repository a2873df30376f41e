"""Shared fixtures: a fresh app on a real SQLite file per test, its client and CLI runner.

    def test_something(app, client, runner, db): ...

Fixtures for one area live beside its tests and are loaded here as plugins (`pytest_plugins`),
so a test names them as arguments and imports nothing:
- `live_server` (tests/fixtures_live.py): any WSGI app over real HTTP on loopback;
- `fake_wechat` (tests/fakewechat.py): the fake WeChat API server, on a live server
  (`fake_wechat_keepalive`: the same behind waitress, which keeps connections open);
- `live` (tests/fixtures_hostile.py): the bad-input catalogue's served app with its row counts.
Plain helpers (XML builders, sample data) are imported from tests/fixtures_chat.py.

Markers (pytest.ini): `slow` for processes, kill -9, fault timeouts and hypothesis-heavy
tests; `browser` for Chromium. `make test-fast` runs the rest, and two guards below keep it
honest: a hypothesis test without `slow` is a usage error, and a test without `slow` or
`browser` that starts a process fails, saying so.
"""

import os
import pathlib
import subprocess

import pytest
from werkzeug.security import generate_password_hash

from bot import create_app
from store.db import open_db

pytest_plugins = ["fixtures_live", "fakewechat", "fixtures_hostile"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "shangjie-2021-01-06.txt"
ADMIN_PASSWORD = "test-admin-password"

TEST_CONFIG = {
    "TESTING": True,
    "BOT_CHANNEL": "sandbox",
    "BOT_SECRET_KEY": "test-secret-key-0123456789",
    "BOT_PUBLISH_SECRET": "test-publish-secret",
    # stored hashed, as in production (`bot.py admin-hash`): hashing a plain password at every
    # start-up costs ~0.1 s of scrypt per app; test_console covers the plain-password path
    "BOT_ADMIN_PASSWORD": generate_password_hash(ADMIN_PASSWORD),
    "BOT_PUBLIC_URL": "http://jianbao.test",
    "BOT_INPROCESS_WORKER": False,
    "WECHAT_TOKEN": "test-token",
}


@pytest.fixture(scope="session")
def sample_path():
    """The real bulletin issue, copied into tests/fixtures (text pulled from its PDF)."""
    if not SAMPLE.exists():
        pytest.fail(f"sample bulletin missing: {SAMPLE}")
    return SAMPLE


@pytest.fixture
def make_app(tmp_path):
    """Build an app on a fresh database file; keyword overrides go into its config."""
    def make(**overrides):
        config = dict(TEST_CONFIG, BOT_DATABASE=str(tmp_path / "jianbao.sqlite3"),
                      INSTANCE_PATH=str(tmp_path / "instance"))
        config.update(overrides)
        return create_app(config)
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A second connection to the app's database file, for arranging and asserting."""
    database = open_db(app.config["DATABASE_PATH"])
    yield database
    database.conn.close()


# ---- keeping `make test-fast` fast ----------------------------------------------------------

def pytest_collection_modifyitems(items):
    """Every hypothesis test must be marked slow (each generates hundreds of examples)."""
    unmarked = [item.nodeid for item in items
                if getattr(getattr(item, "function", None), "is_hypothesis_test", False)
                and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("mark these hypothesis tests @pytest.mark.slow: "
                                + ", ".join(unmarked))


@pytest.fixture(autouse=True)
def _processes_only_in_slow_tests(request, monkeypatch):
    """A test outside `slow` and `browser` may not start a process (subprocess, fork)."""
    if request.node.get_closest_marker("slow") or request.node.get_closest_marker("browser"):
        return

    def refuse(*args, **kwargs):
        pytest.fail(f"{request.node.nodeid} starts a process: mark it @pytest.mark.slow",
                    pytrace=False)

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "fork", refuse)
