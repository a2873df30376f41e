"""The office's rules and what came after (m010 onwards): the audit log, console accounts,
approval, 公开/内部, the held and public index tokens, four eyes. The archive's own tables
(m001–m009) are in store/schema_archive.py, on the same ordered list.

    add_schema(app, store.schema.migrations)   # store/db.py: every store migration, in order

Ordered migrations (`sqlite_utils.Migrations`); each runs once, in its own transaction.
Never edit a migration that has shipped: add a new one below.
"""

import datetime

from store.schema_archive import migrations
from store.transaction import write


@migrations()
def m010_rules_audit_log(db):
    # Who did what, from where (store/audit.py). Append-only: the database itself refuses to
    # change or delete a row, whatever the code asks.
    db.execute("""
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            who TEXT NOT NULL,                     -- account name, `cli`, `webhook`
            "where" TEXT NOT NULL,                 -- client IP, or `cli`
            action TEXT NOT NULL,                  -- a stable English word: publish, push, …
            target TEXT,                           -- issue:7, item:12, cadre:3, account:li
            details TEXT NOT NULL DEFAULT '{}'     -- JSON: before/after and counts
        )""")
    db.execute("CREATE INDEX audit_log_at ON audit_log(at)")
    for event in ("UPDATE", "DELETE"):
        db.execute(f"""
            CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")


@migrations()
def m011_rules_accounts(db):
    # Named console accounts (store/accounts.py) and each account's session generation: a
    # session cookie names the generation it was issued under, and logging out, disabling
    # the account or changing its password moves the generation on, ending every session.
    db.execute("""
        CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('editor', 'approver', 'admin')),
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("""
        CREATE TABLE session_generations (
            name TEXT PRIMARY KEY,                 -- an account, or `admin` (the bootstrap)
            generation INTEGER NOT NULL
        )""")


@migrations()
def m012_rules_review_state(db):
    # Approval before a push (store/review.py): pending (待审核) -> approved (已批准) ->
    # pushed (已推送); who uploaded or last changed the issue, who approved it and when.
    db.execute("ALTER TABLE issues ADD COLUMN review_state TEXT NOT NULL DEFAULT 'pending'"
               " CHECK (review_state IN ('pending', 'approved', 'pushed'))")
    db.execute("ALTER TABLE issues ADD COLUMN changed_by TEXT")
    db.execute("ALTER TABLE issues ADD COLUMN uploaded_by TEXT")
    db.execute("ALTER TABLE issues ADD COLUMN approved_by TEXT")
    db.execute("ALTER TABLE issues ADD COLUMN approved_at TEXT")
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'push_runs'").fetchone():
        db.execute("UPDATE issues SET review_state = 'pushed'"
                   " WHERE id IN (SELECT issue_id FROM push_runs)")


@migrations()
def m013_rules_levels(db):
    # 公开 or 内部 (store/levels.py): per issue (default 内部), per item an override (NULL: the
    # issue's); followers who enrolled themselves under BOT_OPEN_ACCESS=1 never get 内部 items.
    db.execute("ALTER TABLE issues ADD COLUMN level TEXT NOT NULL DEFAULT '内部'"
               " CHECK (level IN ('公开', '内部'))")
    db.execute("ALTER TABLE items ADD COLUMN level TEXT CHECK (level IN ('公开', '内部'))")
    db.execute("ALTER TABLE cadres ADD COLUMN open_access INTEGER NOT NULL DEFAULT 0")


@migrations()
def m010_after_item_changes(db):
    # After the push (docs/push.md "Corrections and withdrawals"): every correction (更正) and
    # withdrawal (撤回) of an item is kept — what it was, what it became, who, when and why —
    # and a withdrawn item leaves the search index (a trigger, like every index change).
    db.execute("""
        CREATE TABLE item_changes (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            action TEXT NOT NULL CHECK (action IN ('correct', 'withdraw')),
            before TEXT NOT NULL,               -- JSON {"title", "body", "department"}
            after TEXT NOT NULL,                -- JSON, the same keys ({} for a withdrawal)
            who TEXT NOT NULL,                  -- 'cli', 'console', ...
            note TEXT NOT NULL,                 -- 说明, shown on the item page
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("CREATE INDEX item_changes_item ON item_changes(item_id, id)")
    db.execute("ALTER TABLE items ADD COLUMN withdrawn_at TEXT")
    # m008's re-index trigger again, now skipping withdrawn items (reindex_all, a re-dated
    # issue and any later update touch them too)
    row = ("jianbao_rowid(s.date, NEW.id), jianbao_words(NEW.title), jianbao_words(NEW.body),"
           " jianbao_chars(NEW.title), jianbao_chars(NEW.body), jianbao_chars(NEW.department),"
           " jianbao_filters(NEW.department_id, s.date), COALESCE(s.date, '')")
    insert = ("INSERT INTO items_search (rowid, title, body, title_chars, body_chars,"
              " department_chars, filters, date)"
              f" SELECT {row} FROM issues s WHERE s.id = NEW.issue_id;")
    delete = ("DELETE FROM items_search WHERE rowid = jianbao_rowid("
              "(SELECT date FROM issues WHERE id = OLD.issue_id), OLD.id);")
    db.execute("DROP TRIGGER items_reindexed")
    db.execute("CREATE TRIGGER items_reindexed AFTER UPDATE OF title, body, department,"
               " department_id ON items WHEN NEW.withdrawn_at IS NULL"
               f" BEGIN {delete} {insert} END")
    db.execute("""
        CREATE TRIGGER items_withdrawn AFTER UPDATE OF withdrawn_at ON items
        WHEN NEW.withdrawn_at IS NOT NULL BEGIN
            DELETE FROM items_search WHERE rowid = jianbao_rowid(
                (SELECT date FROM issues WHERE id = NEW.issue_id), NEW.id);
        END""")


@migrations()
def m014_issues_by_date(db):
    # 最新 and the console's issue list read issues newest first (date, then id): without
    # this index each read sorted every issue (2.3 ms a 最新 at 10,000 issues).
    db.execute("CREATE INDEX issues_by_date ON issues(date, id)")


@migrations()
def m015_search_answers(db):
    # The answer cache's second level, shared by every process (store/shared_answers.py):
    # one row per answer, keyed like the per-process cache (the archive's search_version
    # first), `version` what it was worked out by and on. A cache: nothing else reads it.
    db.execute("""
        CREATE TABLE search_answers (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,           -- JSON: the code's fingerprint, search_cache's key
            version TEXT NOT NULL,              -- "fingerprint:token:n"
            answer TEXT NOT NULL                -- JSON of the SearchResult's fields
        )""")


RELEASED = "('approved', 'pushed')"  # review states cadres see (store/review.py), as of m016


@migrations()
def m016_held_until_approved(db):
    # Cadres see approved or pushed issues only (store/review.py): the chat's search leaves
    # out the items of an issue awaiting approval by a filter token, `held`, which the index
    # triggers write from the issue's state, and a change of state rewrites on the issue's
    # rows (their `filters` column only: nothing is re-tokenised).
    _approve_the_archive_before_approval(db)
    held = f"s.review_state NOT IN {RELEASED}"
    row = ("jianbao_rowid(s.date, NEW.id), jianbao_words(NEW.title), jianbao_words(NEW.body),"
           " jianbao_chars(NEW.title), jianbao_chars(NEW.body), jianbao_chars(NEW.department),"
           f" jianbao_item_filters(NEW.department_id, s.date, {held}), COALESCE(s.date, '')")
    insert = ("INSERT INTO items_search (rowid, title, body, title_chars, body_chars,"
              " department_chars, filters, date)"
              f" SELECT {row} FROM issues s WHERE s.id = NEW.issue_id;")
    delete = ("DELETE FROM items_search WHERE rowid = jianbao_rowid("
              "(SELECT date FROM issues WHERE id = OLD.issue_id), OLD.id);")
    db.execute("DROP TRIGGER items_indexed")
    db.execute("DROP TRIGGER items_reindexed")
    db.execute(f"CREATE TRIGGER items_indexed AFTER INSERT ON items BEGIN {insert} END")
    db.execute("CREATE TRIGGER items_reindexed AFTER UPDATE OF title, body, department,"
               " department_id ON items WHEN NEW.withdrawn_at IS NULL"
               f" BEGIN {delete} {insert} END")
    refilter = ("UPDATE items_search SET filters = (SELECT jianbao_item_filters(i.department_id,"
                f" s.date, {held}) FROM items i JOIN issues s ON s.id = i.issue_id"
                " WHERE i.id = items_search.rowid % 1000000000) WHERE rowid IN"
                " (SELECT jianbao_rowid(s.date, i.id) FROM items i JOIN issues s"
                " ON s.id = i.issue_id WHERE {which} AND i.withdrawn_at IS NULL)")
    db.execute(f"""
        CREATE TRIGGER issues_reviewed AFTER UPDATE OF review_state ON issues
        WHEN (OLD.review_state IN {RELEASED}) IS NOT (NEW.review_state IN {RELEASED})
        BEGIN {refilter.format(which="s.id = NEW.id")}; END""")
    db.execute(refilter.format(which=held))  # what is 待审核 now: held from here on


def _approve_the_archive_before_approval(db):
    """Issues stored before approval existed (m012 left the unpushed ones 待审核, untouched
    since) were read in chat then, and until m016 still were: an upgrading office's archive
    must not vanish from search, so they are approved here — as `upgrade`, each in the audit
    log. An issue uploaded or changed since m012 is left to its approver."""
    row = db.execute("SELECT applied_at FROM _sqlite_migrations WHERE migration_set = ?"
                     " AND name = 'm012_rules_review_state'", [migrations.name]).fetchone()
    if row is None:
        return
    applied = datetime.datetime.fromisoformat(row[0]).astimezone(datetime.timezone.utc)
    before = applied.strftime("%Y-%m-%dT%H:%M:%SZ")  # issues.created_at's form
    for (issue_id,) in db.execute(
            "SELECT id FROM issues WHERE review_state = 'pending' AND uploaded_by IS NULL"
            " AND changed_by IS NULL AND created_at < ?", [before]).fetchall():
        db.execute("UPDATE issues SET review_state = 'approved', approved_by = 'upgrade',"
                   " approved_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                   [issue_id])
        db.execute('INSERT INTO audit_log (who, "where", action, target, details)'
                   " VALUES ('upgrade', 'migration', 'approve', ?, ?)",
                   [f"issue:{issue_id}", '{"reason": "stored before approval existed"}'])


@migrations()
def m017_chat_state_basis(db):
    # 更多 continues a page only from what it was shown from (handlers/searching.py): the
    # search version and a digest of the items shown, a few bytes a user.
    db.execute("ALTER TABLE chat_state ADD COLUMN basis TEXT")


@migrations()
def m018_issue_same_as(db):
    # An upload whose number and date (and issuer) match a stored issue with other content is
    # another version of it (a typo fixed in Word and uploaded again), not a new issue: it is
    # stored, marked with the issue it repeats, and held from the push until the office
    # replaces the earlier version's items with it or keeps both (store/issue_identity.py).
    db.execute("ALTER TABLE issues ADD COLUMN same_as INTEGER"
               " REFERENCES issues(id) ON DELETE SET NULL")


@migrations()
def m019_departments_kept(db):
    # A department the office keeps whether or not anything mentions it: named in its
    # department file or its roster (store/department_refs.py). The others go when the last
    # item, cadre or subscription naming them does (a typo corrected away). Every department
    # stored before this migration is kept: where it came from was not recorded.
    db.execute("ALTER TABLE departments ADD COLUMN kept INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE departments SET kept = 1")


PUBLIC = "'公开'"  # the level followers see (store/levels.py), as of m020
HELD = f"s.review_state NOT IN {RELEASED}"  # an item's issue awaits approval, as of m016
PUBLIC_BATCH = 500  # items m021 rewrites a write transaction (~0.1 s on a 100k archive)


def _index_filters(item):
    """The SQL of the `filters` of `item`'s index row (`item`: NEW or an alias of items, with
    its issue as `s`), as of m020: department, date, `held`, `public`."""
    return (f"jianbao_index_filters({item}.department_id, s.date, {HELD},"
            f" COALESCE({item}.level, s.level) = {PUBLIC})")


def _refilter(which):
    """The SQL that rewrites the `filters` of the index rows of the items `which` picks
    (a condition on items `i` and their issues `s`), as of m020 — nothing re-tokenised."""
    return ("UPDATE items_search SET filters = (SELECT " + _index_filters("i") +
            " FROM items i JOIN issues s ON s.id = i.issue_id"
            " WHERE i.id = items_search.rowid % 1000000000) WHERE rowid IN"
            " (SELECT jianbao_rowid(s.date, i.id) FROM items i JOIN issues s"
            f" ON s.id = i.issue_id WHERE {which} AND i.withdrawn_at IS NULL)")


@migrations()
def m020_public_in_the_index(db):
    # A follower under BOT_OPEN_ACCESS finds 公开 items only (store/levels.py). Their search
    # kept to those by a subquery over every item and its issue, whose cost grew with the
    # archive; now the index rows carry a filter token, `public`, written by the triggers
    # from the item's effective level (its own, else its issue's), and a change of either
    # level rewrites the `filters` of the rows it touches (nothing is re-tokenised), as m016
    # does for `held`. The rows already indexed get the token from m021, in batches.
    row = ("jianbao_rowid(s.date, NEW.id), jianbao_words(NEW.title), jianbao_words(NEW.body),"
           " jianbao_chars(NEW.title), jianbao_chars(NEW.body), jianbao_chars(NEW.department),"
           f" {_index_filters('NEW')}, COALESCE(s.date, '')")
    insert = ("INSERT INTO items_search (rowid, title, body, title_chars, body_chars,"
              " department_chars, filters, date)"
              f" SELECT {row} FROM issues s WHERE s.id = NEW.issue_id;")
    delete = ("DELETE FROM items_search WHERE rowid = jianbao_rowid("
              "(SELECT date FROM issues WHERE id = OLD.issue_id), OLD.id);")
    for trigger in ("items_indexed", "items_reindexed", "issues_reviewed"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute(f"CREATE TRIGGER items_indexed AFTER INSERT ON items BEGIN {insert} END")
    db.execute("CREATE TRIGGER items_reindexed AFTER UPDATE OF title, body, department,"
               " department_id ON items WHEN NEW.withdrawn_at IS NULL"
               f" BEGIN {delete} {insert} END")
    db.execute(f"""
        CREATE TRIGGER issues_reviewed AFTER UPDATE OF review_state ON issues
        WHEN (OLD.review_state IN {RELEASED}) IS NOT (NEW.review_state IN {RELEASED})
        BEGIN {_refilter("s.id = NEW.id")}; END""")
    db.execute(f"""
        CREATE TRIGGER issues_leveled AFTER UPDATE OF level ON issues
        WHEN OLD.level IS NOT NEW.level
        BEGIN {_refilter("s.id = NEW.id AND i.level IS NULL")}; END""")
    db.execute(f"""
        CREATE TRIGGER items_leveled AFTER UPDATE OF level ON items
        WHEN OLD.level IS NOT NEW.level AND NEW.withdrawn_at IS NULL
        BEGIN {_refilter("i.id = NEW.id")}; END""")


@migrations(transactional=False)
def m021_public_in_the_index_rows(db):
    # m020's token on the rows indexed before it: the 公开 ones, PUBLIC_BATCH items a write
    # transaction, so a server still running the old code answers between them (in one
    # transaction, 43k 公开 rows of a 100k archive held the write lock for 10 s — every chat
    # reply meanwhile would wait out its 5 s busy timeout). Run again after an interruption,
    # it rewrites the same rows to the same value.
    last = db.execute("SELECT MAX(id) FROM items").fetchone()[0] or 0
    for start in range(0, last + 1, PUBLIC_BATCH):
        with write(db):
            db.execute(_refilter(f"i.id BETWEEN ? AND ? AND COALESCE(i.level, s.level) = {PUBLIC}"),
                       [start, start + PUBLIC_BATCH - 1])


@migrations()
def m022_issue_changers(db):
    # Four eyes counts everyone who uploaded, replaced or changed an issue since its last
    # approval, not only its uploader and its last changer (store/review.py): a JSON array of
    # account names, emptied (NULL) by an approval. The uploader and the last changer stay
    # in their columns and are still refused, so rows from before need nothing.
    db.execute("ALTER TABLE issues ADD COLUMN changers TEXT")


@migrations()
def m023_issue_kept_changers(db):
    # Four eyes after 替换 (store/review.py, store/issue_identity.replace): a replacement of
    # an issue's items drops its uploader from `changers` (their text is gone), but not what
    # they changed that the replacement keeps — the issue's 公开/内部 level, its masthead.
    # `kept_changers`: a JSON array of the accounts that changed those since the last
    # approval (also in `changers`), emptied (NULL) by an approval like it.
    db.execute("ALTER TABLE issues ADD COLUMN kept_changers TEXT")
