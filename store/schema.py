"""Tables for issues, items, departments, cadres, subscriptions, search and chat state.

Ordered migrations (`sqlite_utils.Migrations`); each runs once, in its own transaction.
Never edit a migration that has shipped: add a new one below.
"""

import datetime

from sqlite_utils import Migrations

from store.transaction import write

migrations = Migrations("subscriptions")


@migrations()
def m001_core(db):
    db.execute("""
        CREATE TABLE departments (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,          -- canonical name, e.g. 区审计局
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("""
        CREATE TABLE department_aliases (
            alias TEXT PRIMARY KEY,             -- e.g. 督察局, 审计
            department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE
        )""")
    db.execute("""
        CREATE TABLE issues (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,  -- sha256 of the normalised parsed content
            issuer TEXT,
            date TEXT,                          -- ISO YYYY-MM-DD
            number TEXT,                        -- 第3期
            source TEXT,                        -- file name or 'webhook'
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("""
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('lead', 'article', 'brief')),
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            department TEXT,                    -- as printed
            department_id INTEGER REFERENCES departments(id),
            UNIQUE (issue_id, seq)
        )""")
    db.execute("CREATE INDEX items_department ON items(department_id)")
    db.execute("""
        CREATE TABLE cadres (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            department TEXT,
            mobile TEXT,
            userid TEXT UNIQUE,                 -- WeCom member id
            openid TEXT UNIQUE,                 -- Official Account openid (or sandbox user)
            bound_at TEXT,                      -- when the WeChat identity was bound
            subscribe_all INTEGER NOT NULL DEFAULT 0,  -- subscribed to 全部
            removed_at TEXT,                    -- off the roster: no pushes, no search
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("""
        CREATE TABLE binding_codes (
            code TEXT PRIMARY KEY,
            cadre_id INTEGER NOT NULL REFERENCES cadres(id) ON DELETE CASCADE,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("""
        CREATE TABLE subscriptions (
            cadre_id INTEGER NOT NULL REFERENCES cadres(id) ON DELETE CASCADE,
            department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            PRIMARY KEY (cadre_id, department_id)
        )""")
    db.execute("CREATE INDEX subscriptions_department ON subscriptions(department_id)")


@migrations()
def m002_chat_state(db):
    db.execute("""
        CREATE TABLE inbound_replies (         -- WeChat retries get the same reply again
            key TEXT PRIMARY KEY,               -- MsgId, or FromUserName+CreateTime for events
            reply TEXT NOT NULL,                -- the reply XML as first sent ('' = none)
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("""
        CREATE TABLE chat_state (              -- per-user memory: the last query, for 更多
            user TEXT PRIMARY KEY,
            query TEXT,
            page INTEGER NOT NULL DEFAULT 0,
            pending TEXT,                       -- JSON: a numbered choice awaiting an answer
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")


@migrations()
def m003_search_and_binding(db):
    # Search index, one row per item (rowid = items.id). Word columns hold jieba search-mode
    # words, *_chars columns every character in order (so any 1-, 2-, n-character phrase
    # matches), `filters` holds dept<id> / y2021 / m202101 / d20210106 tokens for filters.
    db.execute("""
        CREATE VIRTUAL TABLE items_search USING fts5(
            title, body, title_chars, body_chars, department_chars, filters,
            date UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 0'
        )""")
    # bm25 weights per column: titles above bodies, filters do not score.
    db.execute("INSERT INTO items_search(items_search, rank) "
               "VALUES ('rank', 'bm25(10.0, 2.0, 5.0, 1.0, 3.0, 0.0, 0.0)')")
    db.execute("""
        CREATE TABLE binding_attempts (         -- failed 绑定 attempts, to slow down guessing
            identity TEXT NOT NULL,             -- 'openid:…' or 'userid:…'
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("CREATE INDEX binding_attempts_identity ON binding_attempts(identity, at)")


@migrations()
def m004_query_rate(db):
    db.execute("""
        CREATE TABLE query_rate (              -- per-user query counter, one fixed window
            user TEXT PRIMARY KEY,              -- openid or WeCom userid
            window INTEGER NOT NULL,            -- unix time // 60 (one minute)
            count INTEGER NOT NULL
        )""")


@migrations()
def m005_search_version(db):
    # Search results are cached per process (subscriptions/search_cache.py), keyed by this
    # database's token and a version that every change to what search reads moves on:
    # triggers, so no write path can forget. `token` tells databases apart in one process.
    db.execute("""
        CREATE TABLE search_version (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            token TEXT NOT NULL,
            n INTEGER NOT NULL DEFAULT 0
        )""")
    db.execute("INSERT INTO search_version (id, token, n) VALUES (1, lower(hex(randomblob(8))), 0)")
    for table in ("items", "issues", "departments", "department_aliases"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"""
                CREATE TRIGGER {table}_{event.lower()}_moves_search
                AFTER {event} ON {table}
                BEGIN UPDATE search_version SET n = n + 1 WHERE id = 1; END""")


@migrations()
def m006_inbound_replies_by_age(db):
    # The retry memory is purged of day-old rows now and then (chat_state.remember_reply);
    # without this index each purge scanned the whole table, which grows with every message.
    db.execute("CREATE INDEX inbound_replies_created ON inbound_replies(created_at)")


@migrations()
def m007_org_chart(db):
    # Departments form an org chart: from the WeCom address book (wecom_id, the book's
    # department id), `departments import` (name,aliases,parent) and the roster's own
    # department column, not only from what published issues mention.
    db.execute("ALTER TABLE departments ADD COLUMN parent_id INTEGER REFERENCES departments(id)")
    db.execute("ALTER TABLE departments ADD COLUMN wecom_id INTEGER")
    db.execute("CREATE UNIQUE INDEX departments_wecom_id ON departments(wecom_id)"
               " WHERE wecom_id IS NOT NULL")
    # A cadre's own (main) department, resolved: the default audience sends them its items.
    db.execute("ALTER TABLE cadres ADD COLUMN department_id INTEGER REFERENCES departments(id)")
    # Set when the row came from (or was matched to) the WeCom address book by `roster sync`.
    db.execute("ALTER TABLE cadres ADD COLUMN synced_at TEXT")


@migrations()
def m008_search_index_by_triggers(db):
    # The index follows `items` by triggers, as the answer cache's version already does
    # (store/search_index.py): the jianbao_* functions are registered on every connection.
    row = ("jianbao_rowid(s.date, NEW.id), jianbao_words(NEW.title), jianbao_words(NEW.body),"
           " jianbao_chars(NEW.title), jianbao_chars(NEW.body), jianbao_chars(NEW.department),"
           " jianbao_filters(NEW.department_id, s.date), COALESCE(s.date, '')")
    insert = ("INSERT INTO items_search (rowid, title, body, title_chars, body_chars,"
              " department_chars, filters, date)"
              f" SELECT {row} FROM issues s WHERE s.id = NEW.issue_id;")
    delete = ("DELETE FROM items_search WHERE rowid = jianbao_rowid("
              "(SELECT date FROM issues WHERE id = OLD.issue_id), OLD.id);")
    db.execute(f"CREATE TRIGGER items_indexed AFTER INSERT ON items BEGIN {insert} END")
    db.execute("CREATE TRIGGER items_reindexed AFTER UPDATE OF title, body, department,"
               f" department_id ON items BEGIN {delete} {insert} END")
    db.execute(f"CREATE TRIGGER items_unindexed AFTER DELETE ON items BEGIN {delete} END")
    db.execute("""
        CREATE TRIGGER issues_redated AFTER UPDATE OF date ON issues BEGIN
            DELETE FROM items_search WHERE rowid IN (
                SELECT jianbao_rowid(OLD.date, id) FROM items WHERE issue_id = NEW.id);
            UPDATE items SET title = title WHERE issue_id = NEW.id;
        END""")


@migrations()
def m009_sections_joint_departments_warnings(db):
    # What the parser now tells (docs/parsing.md): the section an item sits under, every
    # department of a joint attribution (push routing uses all of them), the warnings shown
    # beside the items before a push, whether the text came from OCR, and the marking.
    db.execute("ALTER TABLE items ADD COLUMN section TEXT")
    db.execute("""
        CREATE TABLE item_departments (        -- 1 row per department an item is attributed to
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
            PRIMARY KEY (item_id, department_id)
        )""")
    db.execute("CREATE INDEX item_departments_department ON item_departments(department_id)")
    db.execute("INSERT INTO item_departments (item_id, department_id)"
               " SELECT id, department_id FROM items WHERE department_id IS NOT NULL")
    db.execute("ALTER TABLE issues ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'")  # JSON list
    db.execute("ALTER TABLE issues ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE issues ADD COLUMN classification TEXT")  # 内部, or None


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
