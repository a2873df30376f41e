"""Faults found by hostile testing, fixed: concurrent password guesses, a disk that fills
during a push, a damaged database under a running worker, the sandbox on a network address.

    pytest tests/test_ops_faults.py

Real parts: the app served over loopback HTTP (threads), `python bot.py worker` and `serve`
as processes, a real filesystem that fills up (a small tmpfs; needs root to mount).
"""

import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug.serving import make_server

from test_processes import ROOT, free_port, production_env, wait_until


@pytest.fixture
def served(make_app):
    app = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_of_100_concurrent_wrong_guesses_exactly_5_are_checked(served):
    app, base = served
    sessions = []
    for _ in range(100):
        session = requests.Session()
        page = session.get(base + "/admin/login", timeout=10).text
        sessions.append((session, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)))

    def guess(pair):
        session, csrf = pair
        return session.post(base + "/admin/login", timeout=30,
                            data={"password": "wrong", "csrf_token": csrf}).status_code
    with ThreadPoolExecutor(32) as pool:
        codes = list(pool.map(guess, sessions))
    assert codes.count(401) == 5 and codes.count(429) == 95
    assert requests.get(base + "/admin/login", timeout=10).status_code == 429   # locked out
