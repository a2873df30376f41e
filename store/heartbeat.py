"""Sending processes say they are alive, at most every EVERY seconds; /healthz reads it.

    tick(db)              # in the worker's loop: cheap when the last beat is recent

The row is keyed `host:pid`, so the threads of one worker share it.
"""

import os
import socket
import sqlite3
import threading
import time

from store import upkeep

EVERY = 10.0  # seconds between two beats of one process
_last = {"at": 0.0}
_lock = threading.Lock()


def tick(db, role="worker"):
    now = time.monotonic()
    with _lock:
        if now - _last["at"] < EVERY:
            return
        _last["at"] = now
    try:
        upkeep.beat(db, f"{socket.gethostname()}:{os.getpid()}", role)
    except sqlite3.Error:  # a busy or failing database must not stop the sending itself
        _last["at"] = 0.0
