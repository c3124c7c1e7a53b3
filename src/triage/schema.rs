//! The store's schema, as an ordered list of migrations. `PRAGMA
//! user_version` holds how many have been applied; opening a store applies
//! the missing ones in order, each in its own transaction with the version
//! bump, so a store is always at one version or the next, never between.

use rusqlite::{Connection, OptionalExtension};

/// Migration `i` (0-based) takes a store from version `i` to `i + 1`.
/// Append only: a shipped migration is never edited.
const MIGRATIONS: &[&str] = &[
    // 1: runs, the facts seen, cases, per-run marks, history.
    r#"
    CREATE TABLE runs (
        run_id       INTEGER PRIMARY KEY,
        started_at   TEXT NOT NULL,
        recorded_at  TEXT NOT NULL,
        by           TEXT NOT NULL,
        dataset      TEXT NOT NULL,
        out_dir      TEXT,
        tool_version TEXT NOT NULL,
        manifest     TEXT NOT NULL,
        n_findings   INTEGER NOT NULL,
        n_new        INTEGER NOT NULL,
        n_recurring  INTEGER NOT NULL,
        n_reopened   INTEGER NOT NULL,
        n_hidden     INTEGER NOT NULL,
        n_gone       INTEGER NOT NULL
    );
    -- One row per distinct set of facts (finding id): a finding seen every
    -- night is stored once.
    CREATE TABLE facts (
        finding_id TEXT PRIMARY KEY,
        case_id    TEXT NOT NULL,
        finding    TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE cases (
        case_id            TEXT PRIMARY KEY,
        rule               TEXT NOT NULL,
        category           TEXT NOT NULL,
        severity           TEXT NOT NULL,
        score              INTEGER NOT NULL,
        village_code       TEXT NOT NULL,
        subject_id         TEXT NOT NULL,
        related_ids        TEXT NOT NULL,
        amount_fen         INTEGER NOT NULL,
        message            TEXT NOT NULL,
        n_findings         INTEGER NOT NULL,
        fingerprint        TEXT NOT NULL,
        closed_fingerprint TEXT,
        status             TEXT NOT NULL
            CHECK (status IN ('new', 'open', 'confirmed', 'dismissed', 'rectified')),
        assignee           TEXT NOT NULL DEFAULT '',
        deadline           TEXT,
        note               TEXT NOT NULL DEFAULT '',
        first_run          INTEGER NOT NULL REFERENCES runs(run_id),
        last_seen_run      INTEGER NOT NULL REFERENCES runs(run_id),
        last_mark          TEXT NOT NULL
            CHECK (last_mark IN ('new', 'recurring', 'reopened', 'gone')),
        gone_run           INTEGER REFERENCES runs(run_id),
        updated_at         TEXT NOT NULL
    );
    CREATE INDEX cases_status ON cases(status);
    CREATE TABLE run_cases (
        run_id      INTEGER NOT NULL REFERENCES runs(run_id),
        case_id     TEXT NOT NULL REFERENCES cases(case_id),
        mark        TEXT NOT NULL CHECK (mark IN ('new', 'recurring', 'reopened', 'gone')),
        hidden      INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (run_id, case_id)
    ) WITHOUT ROWID;
    CREATE TABLE run_findings (
        run_id     INTEGER NOT NULL REFERENCES runs(run_id),
        finding_id TEXT NOT NULL REFERENCES facts(finding_id),
        case_id    TEXT NOT NULL REFERENCES cases(case_id),
        rank       INTEGER NOT NULL,
        PRIMARY KEY (run_id, finding_id)
    ) WITHOUT ROWID;
    CREATE TABLE history (
        id      INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(case_id),
        at      TEXT NOT NULL,
        by      TEXT NOT NULL,
        source  TEXT NOT NULL CHECK (source IN ('scan', 'cli', 'xlsx')),
        run_id  INTEGER REFERENCES runs(run_id),
        field   TEXT NOT NULL,
        old     TEXT,
        new     TEXT,
        reason  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX history_case ON history(case_id, id);
    "#,
    // 2: lookups by case across runs (`cases show`), and a view with Chinese
    // labels for officers who open the store in a SQLite browser.
    r#"
    CREATE INDEX run_findings_case ON run_findings(case_id, run_id);
    CREATE VIEW case_queue AS
    SELECT case_id AS 线索编号,
           rule AS 规则,
           category AS 类别,
           severity AS 严重程度,
           score AS 分值,
           village_code AS 村居代码,
           subject_id AS 对象,
           printf('%.2f', amount_fen / 100.0) AS 金额,
           message AS 问题描述,
           CASE status WHEN 'new' THEN '新线索' WHEN 'open' THEN '处理中'
                       WHEN 'confirmed' THEN '已查实' WHEN 'dismissed' THEN '已排除'
                       ELSE '已整改' END AS 处理状态,
           assignee AS 承办人,
           deadline AS 期限,
           note AS 备注
      FROM cases
     ORDER BY score DESC, case_id;
    "#,
    // 3: the key of `--mask-pii` pseudonyms (crate::privacy).
    r#"
    CREATE TABLE secrets (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 4: facts as a rowid table. In a WITHOUT ROWID table a row over about
    // 1 KB (4 KB pages) spills into an overflow page of its own: a 1.5 KB
    // fact took 3.7 KB of file and a page write. A rowid table keeps rows up
    // to about 4 KB in its leaf pages.
    r#"
    CREATE TABLE facts_v4 (
        finding_id TEXT PRIMARY KEY,
        case_id    TEXT NOT NULL,
        finding    TEXT NOT NULL
    );
    INSERT INTO facts_v4 (finding_id, case_id, finding)
        SELECT finding_id, case_id, finding FROM facts ORDER BY finding_id;
    DROP TABLE facts;
    ALTER TABLE facts_v4 RENAME TO facts;
    "#,
    // 5: `weiquan serve`. A version per case, so that an officer's save made
    // on a stale page is refused (409) rather than silently overwriting
    // another's; the users who may sign in; history rows from the web
    // (`source` is CHECKed, so the table is rebuilt); indexes for the
    // queue's filters and its default order, so a page of 100,000 cases is
    // read from an index, not sorted.
    r#"
    ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE users (
        name          TEXT PRIMARY KEY,
        role          TEXT NOT NULL CHECK (role IN ('viewer', 'officer', 'admin')),
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE history_v5 (
        id      INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(case_id),
        at      TEXT NOT NULL,
        by      TEXT NOT NULL,
        source  TEXT NOT NULL CHECK (source IN ('scan', 'cli', 'xlsx', 'web')),
        run_id  INTEGER REFERENCES runs(run_id),
        field   TEXT NOT NULL,
        old     TEXT,
        new     TEXT,
        reason  TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO history_v5 SELECT id, case_id, at, by, source, run_id, field, old, new, reason
      FROM history ORDER BY id;
    DROP TABLE history;
    ALTER TABLE history_v5 RENAME TO history;
    CREATE INDEX history_case ON history(case_id, id);
    CREATE INDEX cases_rank ON cases(score DESC,
        (CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END),
        rule, village_code, subject_id, case_id);
    CREATE INDEX cases_village ON cases(village_code);
    CREATE INDEX cases_assignee ON cases(assignee);
    "#,
];

/// The version a store has after all migrations.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Bring a store up to [`SCHEMA_VERSION`]. A store written by a newer
/// weiquan is refused rather than guessed at.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), String> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Apply migrations up to `target` (tests build old stores with it).
///
/// Foreign keys are off while migrations run (a table rebuilt under the
/// same name is dropped and renamed, which SQLite would otherwise refuse
/// or cascade); each migration checks them before it commits.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), String> {
    let have = user_version(conn).map_err(|e| e.to_string())?;
    if have > SCHEMA_VERSION {
        return Err(format!(
            "store has schema version {have}, newer than this weiquan understands ({SCHEMA_VERSION}); use a newer weiquan"
        ));
    }
    if have >= target.min(SCHEMA_VERSION) {
        return Ok(());
    }
    let fk: bool = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .map_err(|e| e.to_string())?;
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(|e| e.to_string())?;
    let applied = apply(conn, have, target);
    conn.pragma_update(None, "foreign_keys", fk)
        .map_err(|e| e.to_string())?;
    applied
}

fn apply(conn: &mut Connection, have: i64, target: i64) -> Result<(), String> {
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= have || version > target {
            continue;
        }
        let failed =
            |e: &dyn std::fmt::Display| format!("migration to version {version} failed: {e}");
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        tx.execute_batch(sql).map_err(|e| failed(&e))?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(|e| failed(&e))?;
        if let Some(table) = broken {
            return Err(failed(&format!("a foreign key of table {table} is broken")));
        }
        tx.pragma_update(None, "user_version", version)
            .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(())
}
