"""Shared fixtures: a fresh app on a real SQLite file per test, its client and CLI runner.

    def test_something(app, client, runner, db): ...

Fixtures for one area live beside its tests and are loaded here as plugins (`pytest_plugins`),
so a test names them as arguments and imports nothing:
- `live_server` (tests/fixtures_live.py): any WSGI app over real HTTP on loopback;
- `fake_wechat` (tests/fakewechat.py): the fake WeChat API server, on a live server;
- `live` (tests/fixtures_hostile.py): the bad-input catalogue's served app with its row counts.
Plain helpers (XML builders, sample data) are imported from tests/fixtures_chat.py.

Markers (pytest.ini): `slow` for processes, kill -9, fault timeouts and hypothesis-heavy
tests; `browser` for Chromium. `make test-fast` runs the rest.
"""

import pathlib

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
    "BOT_SECRET_KEY": "test-secret-key",
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
