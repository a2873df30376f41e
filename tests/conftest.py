"""Shared fixtures: a fresh app on a real SQLite file per test, its client and CLI runner.

    def test_something(app, client, runner, db): ...

Fixtures for one area (the fake WeChat server, a live HTTP server) live beside that
area's tests in tests/fixtures_*.py and are loaded here as plugins.
"""

import os
import pathlib

import pytest

from bot import create_app
from subscriptions.db import open_db

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "shangjie-2021-01-06.txt"

TEST_CONFIG = {
    "TESTING": True,
    "BOT_CHANNEL": "sandbox",
    "BOT_SECRET_KEY": "test-secret-key-0123456789",
    "BOT_PUBLISH_SECRET": "test-publish-secret",
    "BOT_ADMIN_PASSWORD": "test-admin-password",
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
