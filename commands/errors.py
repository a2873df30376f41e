"""The one error every command raises: one line on stderr, exit status 2.

    raise Fail("no issue 7")        # prints "Error: no issue 7", exits with status 2
    raise Fail.from_error(error)    # the error's message on one line
    raise Fail(database_trouble(error, path))   # an SQLite error, said for the operator
"""

import os
import shutil

import click


class Fail(click.ClickException):
    """A command's refusal: click prints `Error: <message>` on stderr; exit status 2."""

    exit_code = 2

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()) or "failed")

    @classmethod
    def from_error(cls, error):
        """`Fail.from_error(OSError(...))`: the message of any exception, on one line."""
        return cls(" ".join(str(error).split()) or type(error).__name__)


def database_trouble(error, path):
    """`database_trouble(sqlite3.OperationalError("database is locked"), path)` -> one line
    saying what an SQLite error means for the operator: busy, a full disk, no permission to
    write, damage. The CLI and create_or_exit print it instead of a traceback."""
    text = " ".join(str(error).split())
    folder = os.path.dirname(os.path.abspath(path))
    if "locked" in text or "busy" in text:
        return (f"the database {path} is busy: another process held its write lock for over "
                "5 s (a push, a merge of the search index); try again")
    if "full" in text or "I/O" in text and _free_bytes(folder) < LOW_SPACE:
        return (f"the disk holding {folder} is full ({_free_bytes(folder):,} bytes free): free "
                f"some space ({text}); with the services stopped, `python bot.py backup DIR` copies "
                f"{path} to DIR on another disk first")
    if "readonly" in text or "read-only" in text:
        return (f"the database {path} cannot be written ({text}): check that its folder and "
                "files belong to the user running Jianbao")
    if "malformed" in text or "not a database" in text:
        return (f"the database {path} is damaged ({text}): restore the latest backup "
                "(python bot.py restore FILE)")
    return f"the database {path} cannot be used: {text}"


LOW_SPACE = 1024 * 1024  # bytes free below which an I/O error is taken for a full disk


def _free_bytes(folder):
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return LOW_SPACE  # unknown: do not claim the disk is full
