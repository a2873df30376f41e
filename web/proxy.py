"""Honour X-Forwarded-For/-Proto/-Host only from the reverse proxies in BOT_TRUSTED_PROXIES.

    BOT_TRUSTED_PROXIES=127.0.0.1,::1      # nginx on this machine
    BOT_TRUSTED_PROXIES=10.0.0.0/24        # a proxy on the office network

A request from a listed address goes through werkzeug's ProxyFix (one proxy hop: the client
address nginx appended, `https` from X-Forwarded-Proto); anyone else's forwarded headers are
ignored, so they cannot pose as another client (the console lockout counts per client address)
or as HTTPS. Unset: no proxy is trusted — behind nginx every request then seems to come from
nginx's address, and five wrong passwords lock the whole office out.
"""

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def parse(value):
    """`parse("127.0.0.1, 10.0.0.0/24")` -> networks; ValueError on a bad entry."""
    if value is None:
        return ()
    entries = [part.strip() for part in str(value).split(",") if part.strip()]
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


class TrustedProxyFix:
    def __init__(self, app, networks):
        self.plain = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)
        self.networks = networks

    def __call__(self, environ, start_response):
        if self._trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)

    def _trusted(self, address):
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def init_app(app):
    networks = parse(app.config.get("BOT_TRUSTED_PROXIES"))
    if networks:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, networks)
