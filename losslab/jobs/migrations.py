"""The store's schema as numbered migrations, applied in order at start on both stores.

A store records the last one applied (SQLite: PRAGMA user_version; PostgreSQL: schema_version),
so these are written once and never edited: a new column or table is a new number. They are in
SQLite's spelling; dialect.PgConnection.ddl turns REAL, BLOB and WITHOUT ROWID into PostgreSQL's.
Each step is an SQL statement, ("add column", table, column, type) (a no-op where the column
exists: stores made before migrations were numbered may have it), or (dialect, SQL) for the one
statement only one store needs."""

from __future__ import annotations

MIGRATIONS: dict[int, list] = {
    1: [  # runs, their metric rows and snapshots, server settings
        """CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            task TEXT NOT NULL,
            config TEXT NOT NULL,            -- the config as JSON: replayable exactly
            status TEXT NOT NULL,            -- queued | running | completed | stopped | diverged | failed | interrupted
            created REAL NOT NULL,           -- unix seconds
            started REAL,
            ended REAL,
            error TEXT,                      -- a catalogue key (i18n.Problem.encode), never a traceback
            diverged_at INTEGER,
            final TEXT,                      -- final metrics as JSON
            stop_requested INTEGER NOT NULL DEFAULT 0,
            worker TEXT,                     -- claim token "pool/pid:random" of the worker running it
            label TEXT                       -- e.g. "compare: mse" to group runs started together
        )""",
        # SQLite orders equal `created` by its implicit rowid (insertion order); PostgreSQL has none.
        ("postgres", "ALTER TABLE runs ADD COLUMN IF NOT EXISTS rowid BIGSERIAL"),
        "CREATE INDEX IF NOT EXISTS runs_owner ON runs(owner, created)",
        "CREATE INDEX IF NOT EXISTS runs_status ON runs(status, created)",
        """CREATE TABLE IF NOT EXISTS metrics (
            run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            split TEXT NOT NULL,             -- train | test
            name TEXT NOT NULL,              -- loss | mse | accuracy
            value REAL,                      -- NULL stands for NaN (SQLite has no NaN)
            time REAL NOT NULL,
            PRIMARY KEY (run, split, name, step)
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS snapshots (
            run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (run, kind, step)
        ) WITHOUT ROWID""",
        "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT)",
    ],
    2: [  # an MNIST run's weight trajectory (the landscape's slices)
        """CREATE TABLE IF NOT EXISTS checkpoints (
            run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            weights BLOB NOT NULL,           -- every parameter, flattened, float16 (~50 per run)
            PRIMARY KEY (run, step)
        ) WITHOUT ROWID""",
    ],
    3: [  # runs.version (a poll that finds it unchanged does no other work); resuming after a restart
        ("add column", "runs", "version", "INTEGER NOT NULL DEFAULT 0"),
        ("add column", "runs", "resumed_at", "INTEGER"),  # the step it resumed from (NULL: never)
        ("add column", "runs", "attempts", "INTEGER NOT NULL DEFAULT 0"),  # resumes so far
        """CREATE TABLE IF NOT EXISTS resume (
            run TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            state BLOB NOT NULL              -- torch.save of model, optimizer, RNG and loop position
        )""",
    ],
    4: [  # lessons, the students' answers, revealed lessons, runs found by label
        "CREATE INDEX IF NOT EXISTS runs_label ON runs(label, created)",
        """CREATE TABLE IF NOT EXISTS lessons (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,             -- the lecturer's owner token: their runs are highlighted
            record TEXT NOT NULL,            -- lessons.Lesson.to_record() as JSON
            created REAL NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS answers (
            lesson TEXT NOT NULL,            -- a saved lesson's id or a built-in one's
            owner TEXT NOT NULL,             -- never leaves the server (the export numbers students instead)
            choice INTEGER NOT NULL,
            time REAL NOT NULL,
            PRIMARY KEY (lesson, owner)
        ) WITHOUT ROWID""",
        "CREATE TABLE IF NOT EXISTS reveals (lesson TEXT PRIMARY KEY, time REAL NOT NULL)",
    ],
    5: [  # wrong admin tokens, counted in the store: every server process and replica shares one limit
        """CREATE TABLE IF NOT EXISTS guard_failures (
            key TEXT NOT NULL,               -- "session:…" or "address:…", never a token
            time REAL NOT NULL               -- unix seconds
        )""",
        "CREATE INDEX IF NOT EXISTS guard_failures_key ON guard_failures(key, time)",
    ],
    6: [  # fair share: who asked (the client's address, trusted as jobs.keyguard says), per run
        ("add column", "runs", "client", "TEXT"),
        "CREATE INDEX IF NOT EXISTS runs_client ON runs(client, status)",
    ],
    7: [  # the steps a run will take, as its loop counts them (the pages read it, never derive it)
        ("add column", "runs", "total_steps", "INTEGER"),
    ],
    8: [  # who answered from where: one vote per device (settings: LOSSLAB_ANSWERS_PER_ADDRESS)
        ("add column", "answers", "client", "TEXT"),
    ],
    9: [  # peer instruction: a confidence with each vote, the lecturer's second vote and its answers
        ("add column", "answers", "confidence", "INTEGER"),  # an index of votes.CONFIDENCE; NULL: not given
        # a lesson's current round: a row with round 2 while the second vote is open (no row: the first)
        "CREATE TABLE IF NOT EXISTS rounds (lesson TEXT PRIMARY KEY, round INTEGER NOT NULL, time REAL NOT NULL)",
        """CREATE TABLE IF NOT EXISTS revotes (
            lesson TEXT NOT NULL,
            owner TEXT NOT NULL,             -- only an owner with a first answer (answers) has one
            choice INTEGER NOT NULL,
            confidence INTEGER,              -- an index of votes.CONFIDENCE; NULL: not given
            time REAL NOT NULL,
            PRIMARY KEY (lesson, owner)
        ) WITHOUT ROWID""",
    ],
    10: [  # lectures: lessons in sequence, the step the class is on, pre/post concept answers; lessons edited in place
        """CREATE TABLE IF NOT EXISTS lectures (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,             -- the lecturer's owner token; never shown
            record TEXT NOT NULL,            -- lectures.Lecture.to_record() as JSON
            created REAL NOT NULL,
            step INTEGER NOT NULL DEFAULT 0, -- the step every student's page follows (an index of Lecture.steps())
            moved REAL                       -- when the lecturer last moved it (unix seconds)
        )""",
        """CREATE TABLE IF NOT EXISTS concept_answers (
            lecture TEXT NOT NULL,
            phase TEXT NOT NULL,             -- pre | post
            lesson TEXT NOT NULL,            -- the lesson whose question this answers
            owner TEXT NOT NULL,             -- matches a student's pre and post; never leaves the server
            choice INTEGER NOT NULL,
            confidence INTEGER,              -- an index of votes.CONFIDENCE; NULL: not given
            time REAL NOT NULL,
            PRIMARY KEY (lecture, phase, lesson, owner)
        ) WITHOUT ROWID""",
        ("add column", "lessons", "updated", "REAL"),  # the last edit in place (NULL: never edited)
    ],
}
LATEST = max(MIGRATIONS)


def apply(conn) -> None:
    """Bring the store up to LATEST in one transaction (a second process starting at the same
    moment waits for it, then finds nothing left to do)."""
    if conn.version() >= LATEST:
        return
    conn.execute(conn.begin)
    try:
        conn.lock("losslab migrations")
        current = conn.version()
        for number in sorted(n for n in MIGRATIONS if n > current):
            for step in MIGRATIONS[number]:
                _step(conn, step)
        conn.set_version(LATEST)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _step(conn, step) -> None:
    if isinstance(step, str):
        conn.execute(conn.ddl(step))
    elif step[0] == "add column":
        _, table, column, kind = step
        if column not in conn.columns(table):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    elif step[0] == conn.dialect:
        conn.execute(conn.ddl(step[1]))
