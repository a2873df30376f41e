"""The deployment kit, run: Debian's nginx with the shipped site (deploy/nginx-jianbao.conf,
TLS off, loopback ports) in front of gunicorn with the shipped settings
(deploy/gunicorn.conf.py), and requests through it as WeChat, the publishing system and a
browser behind HTTPS would make them.

    pytest tests/test_deploy.py

The site is rendered from the shipped file: the lines marked `# TLS` go, the server listens
on a loopback port, and `X-Forwarded-Proto` says `https` (what nginx sends once TLS is on).
Needs /usr/sbin/nginx (scripts/install-system-deps.sh installs it).
"""

import io
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import requests
from fixtures_chat import content, signed_args, text_xml, webhook_headers
from test_processes import GUNICORN, ROOT, free_port, production_env, wait_until


pytestmark = pytest.mark.slow  # nginx and gunicorn processes

NGINX = "/usr/sbin/nginx"
SITE = os.path.join(ROOT, "deploy", "nginx-jianbao.conf")
HOST = "jianbao.example.gov.cn"  # the shipped server_name
PUBLISH_SECRET = "test-publish-secret"


def render_site(upstream_port, listen_port):
    """The shipped site with TLS off: TLS lines dropped (the redirect server too), a loopback
    listen, `https` as the forwarded scheme, gunicorn's port in the upstream."""
    lines, skipping, listening, out = open(SITE, encoding="utf-8").read().splitlines(), False, False, []
    for line in lines:
        if re.match(r"\s*server \{\s*# TLS", line):
            skipping = True
            continue
        if skipping:
            skipping = line.strip() != "}"
            continue
        if "# TLS" in line:
            if line.strip().startswith("listen") and not listening:
                out.append(f"    listen 127.0.0.1:{listen_port};")
                listening = True
            continue
        out.append(line)
    site = "\n".join(out)
    assert "127.0.0.1:8000;" in site and "$scheme" in site
    site = site.replace("127.0.0.1:8000;", f"127.0.0.1:{upstream_port};")
    return site.replace("X-Forwarded-Proto $scheme", "X-Forwarded-Proto https")


def nginx_conf(prefix, site):
    return f"""
user root;
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""


@pytest.fixture
def stack(tmp_path):
    if not os.path.exists(NGINX):
        pytest.fail("nginx is missing: run scripts/install-system-deps.sh (Debian's nginx)")
    app_port, web_port = free_port(), free_port()
    env = production_env(tmp_path / "instance")
    env.update(JIANBAO_BIND=f"127.0.0.1:{app_port}", BOT_TRUSTED_PROXIES="127.0.0.1,::1",
               BOT_PUBLIC_URL=f"https://{HOST}", BOT_ADMIN_PASSWORD="right-password",
               BOT_SECRET_KEY="s" * 32, BOT_LOG_LEVEL="INFO")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = open(tmp_path / "gunicorn.log", "w+")
    web = subprocess.Popen([GUNICORN, "-c", "deploy/gunicorn.conf.py", "bot:create_app()"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    (prefix / "nginx.conf").write_text(nginx_conf(prefix, render_site(app_port, web_port)))
    checked = subprocess.run([NGINX, "-t", "-c", str(prefix / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen([NGINX, "-c", str(prefix / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{web_port}"
    up = lambda: requests.get(base + "/healthz", headers={"Host": HOST}, timeout=5).status_code \
        == 200
    try:
        if not wait_until(up, timeout=60):
            log.seek(0)
            pytest.fail("the stack did not come up:\n" + log.read() +
                        (prefix / "error.log").read_text())
        yield {"base": base, "env": env, "log": log, "pid": web.pid}
    finally:
        proxy.send_signal(signal.SIGQUIT)
        proxy.wait(20)
        web.send_signal(signal.SIGTERM)
        web.wait(20)
        log.close()


def nine_megabyte_pdf(sample_path):
    """The sample bulletin typeset as a PDF, with a photo-like page that makes it ~9 MB."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from reportlab import rl_config
    from test_roundtrip import LINES_PER_PAGE, render_pdf

    render_pdf(["x"])  # registers the CJK font
    lines = [line for line in sample_path.read_text(encoding="utf-8").split("\n") if line.strip()]
    buffer, a85 = io.BytesIO(), rl_config.useA85
    rl_config.useA85 = 0
    try:
        pdf = canvas.Canvas(buffer, pagesize=A4)
        for start in range(0, len(lines), LINES_PER_PAGE):
            pdf.setFont("WQY", 12)
            for row, line in enumerate(lines[start:start + LINES_PER_PAGE]):
                pdf.drawString(60, 800 - 22 * row, line.strip())
            pdf.drawCentredString(297, 40, f"- {start // LINES_PER_PAGE + 1} -")
            pdf.showPage()
        side = 1700
        photo = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        pdf.drawImage(ImageReader(photo), 50, 200, width=480, height=480)
        pdf.showPage()
        pdf.save()
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue()


def test_wechat_webhook_and_console_through_the_shipped_nginx_site(stack, sample_path):
    base, headers = stack["base"], {"Host": HOST}

    # WeChat: a signed message, answered within its 5 s
    started = time.monotonic()
    answer = requests.post(base + "/wechat", params=signed_args(), headers=headers, timeout=10,
                           data=text_xml("o_visitor", "帮助", 880001).encode())
    assert answer.status_code == 200 and time.monotonic() - started < 5
    assert "绑定" in content(answer.text)                       # an unbound user: how to bind
    assert requests.post(base + "/wechat", params=signed_args(), headers=headers, timeout=10,
                         data=b"<xml>" + b"x" * 70_000 + b"</xml>").status_code == 413

    # the publishing system: a 9 MB PDF through the webhook
    body = nine_megabyte_pdf(sample_path)
    assert 8_500_000 < len(body) < 10 * 1024 * 1024
    created = requests.post(base + "/api/issues", data=body, timeout=120,
                            headers=dict(headers, **{"Content-Type": "application/pdf",
                                                     **webhook_headers("POST", "/api/issues", body,
                                                                        PUBLISH_SECRET)}))
    assert created.status_code == 201, created.text[:500]
    assert len(created.json()["items"]) >= 5
    too_big = b"%PDF" + b"0" * (11 * 1024 * 1024)
    refused = requests.post(base + "/api/issues", data=too_big, timeout=60,
                            headers=dict(headers, **{"Content-Type": "application/pdf"}))
    assert refused.status_code == 413                             # nginx's own limit

    # the console, as a browser behind HTTPS: the Referer goes to our own origin only
    page = requests.get(base + "/admin/login", headers=headers, timeout=10)
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert 'content="same-origin"' in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie               # the app knows it is HTTPS
    session = cookie.split(";")[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    browser = dict(headers, Cookie=session, Referer=f"https://{HOST}/admin/login",
                   Origin=f"https://{HOST}")
    signed_in = requests.post(base + "/admin/login", headers=browser, timeout=10,
                              data={"password": "right-password", "csrf_token": csrf},
                              allow_redirects=False)
    assert signed_in.status_code == 302, signed_in.text[:300]
    assert signed_in.headers["Location"].endswith("/admin/")
    console = requests.get(base + "/admin/", timeout=10, allow_redirects=False,
                           headers=dict(headers, Cookie=signed_in.headers["Set-Cookie"]
                                        .split(";")[0]))
    assert console.status_code == 200 and "简报" in console.text

    # what stays inside: /metrics is not served through the site; health says only ok
    assert requests.get(base + "/metrics", headers=headers, timeout=10).status_code == 404
    assert requests.get(base + "/healthz", headers=headers, timeout=10).json() == {"ok": True}
    stack["log"].seek(0)
    logged = stack["log"].read()
    assert "Traceback" not in logged
    # jieba's dictionary was loaded once, by the master before it forked: the worker that
    # indexed the PDF's items did not load it again
    loads = [line for line in logged.splitlines() if "jieba's dictionary loaded" in line]
    assert len(loads) == 1 and loads[0].endswith(f"(pid {stack['pid']})"), loads


def test_the_site_limits_match_the_app_settings():
    """client_max_body_size is BOT_MAX_BODY_BYTES; /wechat's is BOT_MAX_CALLBACK_BYTES; the
    /wechat timeouts stay under WeChat's 5 s."""
    import config

    site = open(SITE, encoding="utf-8").read()
    sizes = re.findall(r"client_max_body_size (\d+)([km]);", site)
    in_bytes = [int(n) * {"k": 1024, "m": 1024 * 1024}[unit] for n, unit in sizes]
    assert in_bytes == [config.SETTINGS["BOT_MAX_BODY_BYTES"][0],
                        config.SETTINGS["BOT_MAX_CALLBACK_BYTES"][0]]
    wechat = site[site.index("location = /wechat"):]
    wechat = wechat[:wechat.index("}")]
    assert all(int(s) < 5 for s in re.findall(r"proxy_\w+_timeout (\d+)s;", wechat))
    assert shutil.which("nginx") or os.path.exists(NGINX)


def test_an_upload_may_take_as_long_as_its_parse_everywhere_in_front_of_it():
    """A scanned PDF's OCR may take BOT_PARSE_SECONDS: gunicorn must not kill the worker
    before (it did at 30 s: a 500 for a scan within the app's limits), and nginx must not
    give up on /api/ and /admin/ before gunicorn does."""
    import config

    shown = subprocess.run([GUNICORN, "-c", "deploy/gunicorn.conf.py", "--print-config",
                            "bot:create_app()"], capture_output=True, text=True, check=True,
                           cwd=ROOT)
    timeout = int(re.search(r"^timeout\s*=\s*(\d+)", shown.stdout, re.M)[1])
    assert timeout > config.default("BOT_PARSE_SECONDS")
    site = open(SITE, encoding="utf-8").read()
    for location in ("location /api/", "location /admin/"):
        block = site[site.index(location):]
        block = block[:block.index("}")]
        assert int(re.search(r"proxy_read_timeout (\d+)s;", block)[1]) > timeout, location


def test_a_bad_worker_count_stops_gunicorn_in_one_line():
    """`JIANBAO_WORKERS=two`: one line naming it and exit status 2 (systemd's unit does not
    restart on 2), not a traceback every 5 s."""
    env = dict(os.environ, JIANBAO_WORKERS="two")
    done = subprocess.run([GUNICORN, "-c", "deploy/gunicorn.conf.py", "--check-config",
                           "bot:create_app()"], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip() == "Error: JIANBAO_WORKERS='two' is not valid: use a whole " \
                                  "number of 1 or more"
