"""The archive's tables: issues, items, departments, cadres, subscriptions, the search index
and the chat's memory (m001–m009). store/schema.py continues with the office's rules.

    from store.schema_archive import migrations   # store/schema.py adds m010 onwards to it

Ordered migrations (`sqlite_utils.Migrations`); each runs once, in its own transaction.
Never edit a migration that has shipped: add a new one at the end of store/schema.py.
"""

from sqlite_utils import Migrations

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


