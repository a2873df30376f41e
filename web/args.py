"""Whole numbers from the query string, clamped: a page number never becomes a 500.

    page = int_arg("page")                       # 0 .. MAX_NUMBER; junk -> 0
    after = int_arg("after", highest=2 ** 62)    # row ids

`?page=99999999999999999999` made SQLite's integer overflow (an English 500); a number out of
range is clamped, anything that is not a number is the default.
"""

from flask import request

MAX_NUMBER = 10 ** 6  # far beyond any archive's last page


def int_arg(name, default=0, lowest=0, highest=MAX_NUMBER):
    value = request.args.get(name, default, type=int)
    return min(max(value, lowest), highest)
