"""Stored times (UTC, store.db.TIME_FORMAT) as the office reads them: BOT_TIMEZONE.

    shown(config, "2026-11-28T07:13:00Z")                -> "2026-11-28 15:13"
    shown(config, "2026-11-28T07:13:00Z", seconds=True)  -> "2026-11-28 15:13:00"
    day_bounds(config, "2026-11-29") -> ("2026-11-28T16:00:00Z", "2026-11-29T16:00:00Z")
    stored(config, "2026-11-29 08:00")                   -> "2026-11-29T00:00:00Z"
    today(config)                                        -> date(2026, 11, 29): the office's day

One conversion for the console's pages (web/render.py) and the CLI (`audit --since/--until`):
what is stored stays UTC; days and times typed or shown are those of BOT_TIMEZONE.
"""

import re
from datetime import date, datetime, time, timedelta, timezone

from config import local_zone
from store.db import TIME_FORMAT

FRACTION = re.compile(r"\.\d+Z$")  # the sandbox inbox keeps milliseconds


def shown(config, value, seconds=False):
    """A stored UTC time (`…T07:13:00Z`, or with a fraction `…:00.250Z`) as BOT_TIMEZONE's
    `2026-11-28 15:13` (`:00` seconds too with `seconds=True`); anything else unchanged."""
    try:
        moment = datetime.strptime(FRACTION.sub("Z", str(value)), TIME_FORMAT)
    except ValueError:
        return value or ""
    return (moment.replace(tzinfo=timezone.utc).astimezone(local_zone(config))
            .strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "")))


def day_bounds(config, day):
    """The stored (UTC) times at which BOT_TIMEZONE's day `day` (YYYY-MM-DD) starts and the
    next one starts; ValueError for a bad date."""
    first = date.fromisoformat(day)
    return tuple(datetime.combine(d, time(), tzinfo=local_zone(config))
                 .astimezone(timezone.utc).strftime(TIME_FORMAT)
                 for d in (first, first + timedelta(days=1)))


def stored(config, text):
    """A BOT_TIMEZONE time `YYYY-MM-DD HH:MM[:SS]` (or with a `T`) as a stored UTC time;
    ValueError for anything else."""
    moment = datetime.fromisoformat(" ".join(str(text).replace("T", " ").split()))
    if moment.tzinfo is not None:
        raise ValueError(f"{text!r}: a local time has no zone")
    return moment.replace(tzinfo=local_zone(config)).astimezone(timezone.utc).strftime(TIME_FORMAT)


def today(config):
    """The office's date now (BOT_TIMEZONE), whatever the server's own clock zone: at 07:00
    in Shanghai a server kept in UTC is still on yesterday."""
    return datetime.now(local_zone(config)).date()
