"""The domain-verification files WeChat asks for before it trusts a domain for web
authorisation (WeCom 可信域名, the Official Account 网页授权域名).

    GET /WW_verify_AbCdEf0123456789.txt   -> the file of that name in BOT_VERIFY_DIR, or 404
    GET /MP_verify_AbCdEf0123456789.txt

The admin console hands the operator a small text file and checks that it is served at the
domain's root. Put it in BOT_VERIFY_DIR (default `instance/verify/`): nothing else is served
from there, and only names of WeChat's own form (`WW_verify_` or `MP_verify_`, letters and
digits, `.txt`) are looked up, so no other path reaches the disk.
"""

import os
import re

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("verify", __name__)
NAME = re.compile(r"(?:WW|MP)_verify_[A-Za-z0-9]{1,64}\.txt")


@bp.route("/<name>")
def verification_file(name):
    """One of WeChat's domain-verification files, as the admin console gave it."""
    if not NAME.fullmatch(name):
        abort(404)
    folder = verify_dir(current_app)
    if not os.path.isfile(os.path.join(folder, name)):
        abort(404)
    return send_from_directory(folder, name, mimetype="text/plain", max_age=0)


def verify_dir(app):
    """BOT_VERIFY_DIR, else instance/verify."""
    return app.config.get("BOT_VERIFY_DIR") or os.path.join(app.instance_path, "verify")
