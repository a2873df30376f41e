"""One live server for every test that needs real HTTP on loopback: a WSGI app (ours, or the fake
WeChat API) served by werkzeug in a thread on 127.0.0.1, a random port; stopped at once.

    def test_over_http(live_server, app):
        server = live_server(app)                 # serving before this returns
        requests.get(server.url("/wechat"), params=...)
    # at teardown every server the test started is stopped, and the app's in-process push
    # worker with it (if serving started one)

    with LiveServer(app) as server: ...           # the same outside a test (benches, scripts)

Stopping takes milliseconds: the serving loop polls its shutdown flag every POLL_SECONDS
instead of socketserver's default 0.5 s, which every server used to wait out at teardown.
"""

import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

POLL_SECONDS = 0.01


class QuietHandler(WSGIRequestHandler):
    """No access log line per request (the tests' output stays readable)."""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """`LiveServer(wsgi_app)`: serving on `.base` (http://127.0.0.1:<port>) until `.stop()`."""

    def __init__(self, app, handler=QuietHandler):
        self.app, self.stopped = app, False
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
        self.server.daemon_threads = True  # a held keep-alive connection never delays a stop
        self.port = self.server.server_port
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"live-{self.port}",
                                       kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
        self.thread.start()

    def url(self, path=""):
        return self.base + path

    def stop(self):
        """Stop serving, close the socket, and stop the app's in-process push worker if running.
        Stopping again does nothing."""
        if self.stopped:
            return
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        if "push_worker" in getattr(self.app, "extensions", {}):
            from push.worker import stop_background

            assert stop_background(self.app), "the in-process push worker did not stop"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@pytest.fixture
def live_server():
    """`live_server(app)` -> a started LiveServer (or `server_class`, a subclass); every server
    started is stopped at teardown."""
    started = []

    def start(app, server_class=LiveServer, **kwargs):
        started.append(server_class(app, **kwargs))
        return started[-1]

    yield start
    for server in reversed(started):
        server.stop()
