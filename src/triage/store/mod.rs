//! The case store: one SQLite file. Every write is one transaction, so a
//! scan or an import killed half-way leaves the store as it was.
//!
//! This file holds the store's types and its reads; a scan's run (decide
//! every mark, then write) is in [`run`], officers' edits in [`edit`]: the
//! two ways cases change, each with its own transaction.

mod edit;
mod queue;
mod run;
#[cfg(test)]
mod tests;
mod users;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::{Mark, Status, schema};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};

pub use queue::{CaseRecord, QueuePage, QueueSort};
pub use run::PendingRun;
pub use users::{Role, User};

/// One case, as officers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    pub case_id: String,
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub score: u8,
    pub village_code: String,
    pub subject_id: String,
    pub related_ids: Vec<String>,
    /// Money involved, fen (of the highest-ranked finding of the case).
    pub amount_fen: i64,
    pub message: String,
    /// How many findings of the latest run make up the case.
    pub n_findings: i64,
    pub fingerprint: String,
    pub status: Status,
    pub assignee: String,
    /// `YYYY-MM-DD`.
    pub deadline: Option<String>,
    pub note: String,
    pub first_run: i64,
    pub last_seen_run: i64,
    /// What the last run that looked at the case saw.
    pub last_mark: Mark,
    /// The run that first missed the case, while it stays missing.
    pub gone_run: Option<i64>,
    pub updated_at: String,
    /// The `finding_id` (findings.csv, findings.jsonl, report.html) of the
    /// case's top finding in the latest run that saw it: the id an officer
    /// holds, which every `cases` command also accepts.
    pub finding_id: String,
    /// Bumped by every change to the case (an edit, a reopening, changed
    /// facts): a save made on an older version is refused.
    pub version: i64,
}

impl CaseRow {
    /// `--mask-pii`: id and account numbers masked, names kept; the case id
    /// and fingerprint (hashes of facts that include id numbers) replaced by
    /// keyed pseudonyms ([`crate::privacy`]).
    pub fn masked(&self, key: &crate::privacy::PiiKey) -> CaseRow {
        use crate::report::mask_text;
        let mut c = self.clone();
        c.case_id = key.pseudonym(&c.case_id);
        c.fingerprint = key.pseudonym(&c.fingerprint);
        c.finding_id = key.pseudonym(&c.finding_id);
        c.subject_id = mask_text(&c.subject_id);
        c.related_ids = c.related_ids.iter().map(|r| mask_text(r)).collect();
        c.message = mask_text(&c.message);
        c.note = mask_text(&c.note);
        c
    }
}

/// One change to a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub at: String,
    pub by: String,
    /// `scan`, `cli` or `xlsx`.
    pub source: String,
    pub run_id: Option<i64>,
    /// `status`, `assignee`, `deadline`, `note`, `facts` or `presence`.
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: String,
}

impl HistoryEntry {
    /// `--mask-pii`: fingerprints (field `facts`) become keyed pseudonyms,
    /// numbers in values and reasons are masked.
    pub fn masked(&self, key: &crate::privacy::PiiKey) -> HistoryEntry {
        use crate::report::mask_text;
        let mut h = self.clone();
        let facts = self.field == "facts";
        let value = |v: &Option<String>| {
            v.as_ref().map(|v| {
                if facts {
                    key.pseudonym(v)
                } else {
                    mask_text(v)
                }
            })
        };
        h.old = value(&self.old);
        h.new = value(&self.new);
        h.reason = mask_text(&h.reason);
        h
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub run_id: i64,
    pub started_at: String,
    pub recorded_at: String,
    pub by: String,
    pub dataset: String,
    pub out_dir: Option<String>,
    pub counts: MarkCounts,
}

/// What a scan tells the store.
#[derive(Debug, Clone, Default)]
pub struct RunInput {
    pub dataset: String,
    pub out_dir: Option<String>,
    pub started_at: String,
    /// `run.json`.
    pub manifest: serde_json::Value,
    /// Codes of the rules that ran: only their cases can be gone.
    pub ran_rules: BTreeSet<String>,
    /// Villages present in the export: only their cases can be gone.
    pub villages: BTreeSet<String>,
    pub by: String,
}

/// Cases by what this run saw of them. `recurring` counts the visible ones;
/// `hidden` the closed cases seen again with the same facts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MarkCounts {
    pub findings: i64,
    pub new: i64,
    pub recurring: i64,
    pub reopened: i64,
    pub hidden: i64,
    pub gone: i64,
}

/// How one finding of this run stands in the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingTriage {
    pub case_id: String,
    pub mark: Mark,
    pub status: Status,
    /// A closed case seen again with the same facts: not in the queue.
    pub hidden: bool,
}

/// What recording a run decided.
#[derive(Debug, Clone)]
pub struct RunTriage {
    pub run_id: i64,
    pub db: PathBuf,
    /// By `finding_id`.
    pub by_finding: BTreeMap<String, FindingTriage>,
    /// Open cases this run no longer sees, highest score first.
    pub gone: Vec<CaseRow>,
    pub counts: MarkCounts,
}

impl RunTriage {
    /// One line for the console.
    pub fn summary_line(&self) -> String {
        let c = &self.counts;
        format!(
            "triage (run {} in {}): {} new, {} recurring, {} reopened, {} hidden (dismissed/rectified, facts unchanged), {} gone",
            self.run_id,
            self.db.display(),
            c.new,
            c.recurring,
            c.reopened,
            c.hidden,
            c.gone
        )
    }
}

/// Which cases `cases list` and `cases export` show. By default the open
/// queue: every status but dismissed and rectified.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub statuses: Vec<Status>,
    pub all: bool,
    pub village: Option<String>,
    /// Rule code or name.
    pub rule: Option<String>,
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    /// Only cases the latest run marked so.
    pub mark: Option<Mark>,
    /// Exact assignee (承办人); empty text: cases nobody has.
    pub assignee: Option<String>,
    /// Text anywhere in the message, subject, case id, assignee or note.
    pub text: Option<String>,
}

/// An officer's edit of one case. `None` leaves a field as it is; an empty
/// assignee or note, or `Some(None)` as deadline, clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseUpdate {
    pub case_id: String,
    pub status: Option<Status>,
    pub assignee: Option<String>,
    /// `YYYY-MM-DD`.
    pub deadline: Option<Option<String>>,
    pub note: Option<String>,
}

/// One field changed by [`Store::apply_updates`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub case_id: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One run that saw a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRun {
    pub run_id: i64,
    pub started_at: String,
    pub mark: Mark,
    /// Closed with the same facts: not in that run's queue.
    pub hidden: bool,
}

/// What [`Store::apply_versioned`] came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    /// Written: the fields that changed.
    Done(Vec<Change>),
    /// Nothing written: these cases are at another version than the one
    /// the edit was made on (their current rows).
    Conflict(Vec<CaseRow>),
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// How many columns [`CASE_COLS`] selects: a query's own columns follow.
pub(super) const CASE_COL_COUNT: usize = 23;

pub(super) const CASE_COLS: &str = "case_id, rule, category, severity, score, village_code, subject_id, \
     related_ids, amount_fen, message, n_findings, fingerprint, status, assignee, deadline, note, \
     first_run, last_seen_run, last_mark, gone_run, updated_at, version, \
     (SELECT rf.finding_id FROM run_findings rf WHERE rf.case_id = cases.case_id \
      AND rf.run_id = cases.last_seen_run ORDER BY rf.rank LIMIT 1)";

pub(super) fn case_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseRow> {
    let text = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let bad = |i: usize, what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown {what} `{v}`").into(),
        )
    };
    let category = text(2)?;
    let severity = text(3)?;
    let status = text(12)?;
    let mark = text(18)?;
    let related: String = text(7)?;
    Ok(CaseRow {
        case_id: text(0)?,
        rule: text(1)?,
        category: Category::parse(&category).ok_or_else(|| bad(2, "category", &category))?,
        severity: Severity::parse(&severity).ok_or_else(|| bad(3, "severity", &severity))?,
        score: r.get::<_, i64>(4)?.clamp(0, 100) as u8,
        village_code: text(5)?,
        subject_id: text(6)?,
        related_ids: split_ids(&related),
        amount_fen: r.get(8)?,
        message: text(9)?,
        n_findings: r.get(10)?,
        fingerprint: text(11)?,
        status: Status::parse(&status).ok_or_else(|| bad(12, "status", &status))?,
        assignee: text(13)?,
        deadline: r.get(14)?,
        note: text(15)?,
        first_run: r.get(16)?,
        last_seen_run: r.get(17)?,
        last_mark: Mark::parse(&mark).ok_or_else(|| bad(18, "mark", &mark))?,
        gone_run: r.get(19)?,
        updated_at: text(20)?,
        version: r.get(21)?,
        finding_id: r.get::<_, Option<String>>(22)?.unwrap_or_default(),
    })
}

pub(super) fn split_ids(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn finding_from_fact(text: &str) -> Option<Finding> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let amount = v.get("amount_fen").and_then(|a| a.as_i64()).unwrap_or(0);
    let mut f: Finding = serde_json::from_value(v).ok()?;
    f.amount_fen = amount;
    Some(f)
}

impl Store {
    /// Open a store, creating it (readable by its owner only: it names
    /// people) and bringing its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::output(parent, e))?;
            }
            // SQLite gives its journal files the database file's mode.
            drop(crate::report::create_private(path)?);
        }
        Store::connect(path)
    }

    /// Open a store that must exist already (`cases` commands).
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::io(
                path,
                "no case store here: run `weiquan scan` first, or pass --db",
            ));
        }
        Store::connect(path)
    }

    fn connect(path: &Path) -> Result<Store> {
        let err = |e: &dyn std::fmt::Display| Error::format(path, format!("case store: {e}"));
        let mut conn = Connection::open(path).map_err(|e| err(&e))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|e| err(&e))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| err(&e))?;
        // 64 MB of page cache (negative: KiB): a run's one transaction
        // writes tens of MB, which the default 2 MB spills to disk.
        conn.pragma_update(None, "cache_size", -65536)
            .map_err(|e| err(&e))?;
        schema::migrate(&mut conn).map_err(|e| err(&e))?;
        // WAL: readers (officers in `serve`) never wait for a writer (a
        // nightly scan) and the scan never waits for them; writers still
        // take turns, each in its own transaction. The mode is a property
        // of the file: the first connection sets it for all.
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
            .map_err(|e| err(&e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(err(&format!("journal mode `{mode}`, not wal")));
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Open with only the first `version` migrations applied (tests of the
    /// migration path).
    #[doc(hidden)]
    pub fn create_at_version(path: &Path, version: i64) -> Result<()> {
        let mut conn = Connection::open(path).map_err(|e| Error::output(path, e))?;
        schema::migrate_to(&mut conn, version).map_err(|e| Error::output(path, e))
    }

    /// Open a store with only the first `version` migrations applied, to
    /// write into it as that version's weiquan did (tests of the migration
    /// path; the writes must be ones that version made).
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: i64) -> Result<Store> {
        let mut conn = Connection::open(path).map_err(|e| Error::output(path, e))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| Error::output(path, e))?;
        schema::migrate_to(&mut conn, version).map_err(|e| Error::output(path, e))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Settings for a connection among several of one server: how long a
    /// write waits for another's transaction (a scan's run) before giving
    /// up, and a smaller page cache than a scan's.
    pub fn share(&self, busy: Duration, cache_kib: i64) -> Result<()> {
        self.conn.busy_timeout(busy).map_err(|e| self.read_err(e))?;
        self.conn
            .pragma_update(None, "cache_size", -cache_kib)
            .map_err(|e| self.read_err(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw connection, for read-only inspection (tests, tooling).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn schema_version(&self) -> Result<i64> {
        schema::user_version(&self.conn).map_err(|e| self.read_err(e))
    }

    fn read_err(&self, e: impl std::fmt::Display) -> Error {
        Error::format(&self.path, format!("case store: {e}"))
    }

    pub fn latest_run_id(&self) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT max(run_id) FROM runs", [], |r| r.get(0))
            .map_err(|e| self.read_err(e))
    }

    pub fn runs(&self) -> Result<Vec<RunRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT run_id, started_at, recorded_at, by, dataset, out_dir, n_findings, n_new,
                        n_recurring, n_reopened, n_hidden, n_gone
                   FROM runs ORDER BY run_id",
            )
            .map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(RunRow {
                    run_id: r.get(0)?,
                    started_at: r.get(1)?,
                    recorded_at: r.get(2)?,
                    by: r.get(3)?,
                    dataset: r.get(4)?,
                    out_dir: r.get(5)?,
                    counts: MarkCounts {
                        findings: r.get(6)?,
                        new: r.get(7)?,
                        recurring: r.get(8)?,
                        reopened: r.get(9)?,
                        hidden: r.get(10)?,
                        gone: r.get(11)?,
                    },
                })
            })
            .map_err(|e| self.read_err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.read_err(e))
    }

    /// A case by its id or an unambiguous prefix of it (at least 4 characters).
    pub fn case(&self, id: &str) -> Result<CaseRow> {
        let full = self.resolve_id(id)?;
        self.conn
            .query_row(
                &format!("SELECT {CASE_COLS} FROM cases WHERE case_id = ?1"),
                [&full],
                case_from_row,
            )
            .map_err(|e| self.read_err(e))
    }

    /// A case by its exact id, if the store has it.
    pub fn find_case(&self, case_id: &str) -> Result<Option<CaseRow>> {
        self.conn
            .query_row(
                &format!("SELECT {CASE_COLS} FROM cases WHERE case_id = ?1"),
                [case_id],
                case_from_row,
            )
            .optional()
            .map_err(|e| self.read_err(e))
    }

    /// The secret behind `--mask-pii` pseudonyms ([`crate::privacy`]),
    /// created on first use. It never leaves the store.
    pub fn pii_key(&self) -> Result<crate::privacy::PiiKey> {
        let read = |conn: &Connection| -> rusqlite::Result<Option<Vec<u8>>> {
            conn.query_row(
                "SELECT value FROM secrets WHERE name = 'pii_key'",
                [],
                |r| r.get(0),
            )
            .optional()
        };
        if let Some(k) = read(&self.conn).map_err(|e| self.read_err(e))? {
            return crate::privacy::PiiKey::from_bytes(&k)
                .ok_or_else(|| self.read_err("secrets.pii_key is not 32 bytes"));
        }
        let fresh = crate::privacy::PiiKey::random();
        // OR IGNORE: two processes creating it at once agree on the first.
        self.conn
            .execute(
                "INSERT OR IGNORE INTO secrets (name, value) VALUES ('pii_key', ?1)",
                [fresh.as_bytes()],
            )
            .map_err(|e| self.read_err(e))?;
        let k = read(&self.conn)
            .map_err(|e| self.read_err(e))?
            .unwrap_or_default();
        crate::privacy::PiiKey::from_bytes(&k)
            .ok_or_else(|| self.read_err("secrets.pii_key is not 32 bytes"))
    }

    /// The real case id behind a `--mask-pii` pseudonym, if one matches.
    pub fn unmask_case_id(&self, shown: &str) -> Result<Option<String>> {
        let shown = shown.trim().to_ascii_lowercase();
        if shown.len() != 16 {
            return Ok(None);
        }
        let key = self.pii_key()?;
        let mut st = self
            .conn
            .prepare("SELECT case_id FROM cases")
            .map_err(|e| self.read_err(e))?;
        let ids: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(|e| self.read_err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.read_err(e))?;
        Ok(ids.into_iter().find(|id| key.pseudonym(id) == shown))
    }

    pub fn resolve_id(&self, id: &str) -> Result<String> {
        let id = id.trim().to_ascii_lowercase();
        if let Some(found) = self.resolve_plain(&id)? {
            return Ok(found);
        }
        // Pseudonyms last: each try hashes every case (and every fact).
        match self.unmask_case_id(&id)? {
            Some(real) => Ok(real),
            None => match self.case_of_finding(&id)? {
                Some(case) => Ok(case),
                None => Err(self.read_err(format!("no case `{id}`"))),
            },
        }
    }

    /// A case by its id, a unique prefix of it, or the exact `finding_id`
    /// of one of its findings: the look-ups an index answers. `None` when
    /// none matches (the id may still be a pseudonym).
    pub fn resolve_plain(&self, id: &str) -> Result<Option<String>> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 4 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.read_err(format!(
                "`{id}` is not a case id (线索编号: 16 hex digits, or a unique prefix of at least 4)"
            )));
        }
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT case_id FROM cases WHERE case_id >= ?1 AND case_id < ?1 || 'g' LIMIT 2",
            )
            .map_err(|e| self.read_err(e))?;
        let found: Vec<String> = st
            .query_map([&id], |r| r.get(0))
            .map_err(|e| self.read_err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.read_err(e))?;
        match found.as_slice() {
            [one] => Ok(Some(one.clone())),
            [] if id.len() == 16 => self
                .conn
                .prepare_cached("SELECT case_id FROM facts WHERE finding_id = ?1")
                .and_then(|mut st| st.query_row([&id], |r| r.get(0)).optional())
                .map_err(|e| self.read_err(e)),
            [] => Ok(None),
            _ => Err(self.read_err(format!(
                "case id prefix `{id}` is ambiguous; give more digits"
            ))),
        }
    }

    /// The case of a finding, by the `finding_id` of findings.csv /
    /// findings.jsonl / report.html, or by its `--mask-pii` pseudonym: the
    /// officer may act on a row with the id the row shows.
    pub fn case_of_finding(&self, finding_id: &str) -> Result<Option<String>> {
        let id = finding_id.trim().to_ascii_lowercase();
        if id.len() != 16 {
            return Ok(None);
        }
        let exact = self
            .conn
            .query_row(
                "SELECT case_id FROM facts WHERE finding_id = ?1",
                [&id],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.read_err(e))?;
        if exact.is_some() {
            return Ok(exact);
        }
        let key = self.pii_key()?;
        let mut st = self
            .conn
            .prepare("SELECT finding_id, case_id FROM facts ORDER BY finding_id")
            .map_err(|e| self.read_err(e))?;
        let pairs: Vec<(String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.read_err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.read_err(e))?;
        Ok(pairs
            .into_iter()
            .find(|(f, _)| key.pseudonym(f) == id)
            .map(|(_, c)| c))
    }

    pub fn history(&self, case_id: &str) -> Result<Vec<HistoryEntry>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT at, by, source, run_id, field, old, new, reason FROM history
                  WHERE case_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map([case_id], |r| {
                Ok(HistoryEntry {
                    at: r.get(0)?,
                    by: r.get(1)?,
                    source: r.get(2)?,
                    run_id: r.get(3)?,
                    field: r.get(4)?,
                    old: r.get(5)?,
                    new: r.get(6)?,
                    reason: r.get(7)?,
                })
            })
            .map_err(|e| self.read_err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.read_err(e))
    }

    /// The findings that made up the case in the latest run that saw it.
    /// (`INDEXED BY`: without it SQLite reads the run's every finding by
    /// the primary key, 14 ms at 100,000 cases instead of 0.04.)
    pub fn case_findings(&self, case_id: &str) -> Result<Vec<Finding>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT f.finding FROM run_findings rf INDEXED BY run_findings_case
                   JOIN facts f ON f.finding_id = rf.finding_id
                  WHERE rf.case_id = ?1
                    AND rf.run_id = (SELECT max(run_id) FROM run_findings WHERE case_id = ?1)
                  ORDER BY rf.rank",
            )
            .map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map([case_id], |r| r.get::<_, String>(0))
            .map_err(|e| self.read_err(e))?;
        let mut out = Vec::new();
        for text in rows {
            let text = text.map_err(|e| self.read_err(e))?;
            if let Some(f) = finding_from_fact(&text) {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// The runs that saw a case, oldest first, with what each made of it
    /// (the runs that found it gone are in its history).
    pub fn case_runs(&self, case_id: &str) -> Result<Vec<CaseRun>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT r.run_id, r.started_at, rc.mark, rc.hidden
                   FROM (SELECT DISTINCT run_id FROM run_findings WHERE case_id = ?1) s
                   JOIN runs r ON r.run_id = s.run_id
                   JOIN run_cases rc ON rc.run_id = s.run_id AND rc.case_id = ?1
                  ORDER BY r.run_id",
            )
            .map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map([case_id], |r| {
                let mark: String = r.get(2)?;
                Ok(CaseRun {
                    run_id: r.get(0)?,
                    started_at: r.get(1)?,
                    mark: Mark::parse(&mark).unwrap_or(Mark::Recurring),
                    hidden: r.get(3)?,
                })
            })
            .map_err(|e| self.read_err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.read_err(e))
    }

    /// The input files of a run (from its `run.json`), by table:
    /// `{"ledger": {"file": "集体资金收支明细.csv", "format": "csv"}}`.
    pub fn run_inputs(&self, run_id: i64) -> Result<serde_json::Value> {
        let manifest: Option<String> = self
            .conn
            .query_row(
                "SELECT manifest FROM runs WHERE run_id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.read_err(e))?;
        let v: serde_json::Value = manifest
            .and_then(|m| serde_json::from_str(&m).ok())
            .unwrap_or_default();
        let mut out = serde_json::Map::new();
        for input in v["inputs"].as_array().into_iter().flatten() {
            let (Some(table), Some(path)) = (input["table"].as_str(), input["path"].as_str())
            else {
                continue;
            };
            let file = Path::new(path)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string());
            out.insert(
                table.to_string(),
                serde_json::json!({"file": file, "format": input["format"]}),
            );
        }
        Ok(serde_json::Value::Object(out))
    }

    /// Officers' edits made on the versions of the cases they saw: all or
    /// nothing. When any case has moved on since (another officer saved
    /// first, or a scan changed it), nothing is written and the current
    /// rows of those cases are returned.
    pub fn apply_versioned(
        &mut self,
        updates: &[(CaseUpdate, i64)],
        by: &str,
        source: &str,
    ) -> Result<Saved> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::output(&path, e))?;
        let mut stale = Vec::new();
        for (u, seen) in updates {
            let row = tx
                .query_row(
                    &format!("SELECT {CASE_COLS} FROM cases WHERE case_id = ?1"),
                    [&u.case_id],
                    case_from_row,
                )
                .optional()
                .map_err(|e| Error::output(&path, e))?
                .ok_or_else(|| Error::format(&path, format!("no case `{}`", u.case_id)))?;
            if row.version != *seen {
                stale.push(row);
            }
        }
        if !stale.is_empty() {
            return Ok(Saved::Conflict(stale));
        }
        let plain: Vec<CaseUpdate> = updates.iter().map(|(u, _)| u.clone()).collect();
        let changes = edit::apply(&tx, &plain, by, source).map_err(|e| match e {
            edit::ApplyError::Sql(e) => Error::output(&path, e),
            edit::ApplyError::Input(m) => Error::format(&path, m),
        })?;
        tx.commit().map_err(|e| Error::output(&path, e))?;
        Ok(Saved::Done(changes))
    }

    /// Apply officers' edits, all or nothing, each changed field with a
    /// history entry. Unchanged fields are not written.
    pub fn apply_updates(
        &mut self,
        updates: &[CaseUpdate],
        by: &str,
        source: &str,
    ) -> Result<Vec<Change>> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::output(&path, e))?;
        let changes = edit::apply(&tx, updates, by, source).map_err(|e| match e {
            edit::ApplyError::Sql(e) => Error::output(&path, e),
            edit::ApplyError::Input(m) => Error::format(&path, m),
        })?;
        tx.commit().map_err(|e| Error::output(&path, e))?;
        Ok(changes)
    }
}
