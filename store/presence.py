"""Who is using a database file: a shared lock held by every serving process.

    hold(db_path)          # this process uses the database (web app, worker, CLI) until it exits
    release(db_path)       # let go (restore does this for its own process first)
    with sole_user(db_path): ...   # raises InUse while any other process holds it

The lock is `flock` on `<database>.in-use` beside the file: the kernel drops it when a
process dies, so a crashed worker never blocks a restore. Apps built for tests
(`TESTING`) do not hold it.
"""

import contextlib
import fcntl
import os
import threading

_held = {}  # absolute path -> open file holding the shared lock
_lock = threading.Lock()


class InUse(Exception):
    """Another process (a server, a worker, a command) has the database open."""


def lock_path(db_path):
    return os.path.abspath(db_path) + ".in-use"


def hold(db_path):
    """Take the shared lock for this process (once per path; kept until exit)."""
    path = lock_path(db_path)
    with _lock:
        if path in _held:
            return
        handle = open(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+")
        fcntl.flock(handle, fcntl.LOCK_SH)
        _held[path] = handle


def release(db_path):
    with _lock:
        handle = _held.pop(lock_path(db_path), None)
    if handle is not None:
        handle.close()


@contextlib.contextmanager
def sole_user(db_path):
    """Hold the lock exclusively for the block; InUse if anyone else holds it."""
    release(db_path)
    handle = open(os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600), "r+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InUse(f"{db_path} is in use by a running server, worker or command") from None
        yield
    finally:
        handle.close()
