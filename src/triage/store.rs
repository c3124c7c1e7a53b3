//! The case store: one SQLite file. Every write is one transaction, so a
//! scan or an import killed half-way leaves the store as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Mark, Status, now_string, schema};
use crate::dataset::normalize::fen_to_yuan_display;
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Outbound, Severity};

/// Set to make a scan stop inside its store transaction (after half of the
/// cases are written) and wait to be killed: the crash-consistency test
/// kills the process there.
const STALL_ENV: &str = "WEIQUAN_FAULT_STALL_STORE";
/// What a stalled scan prints to stderr when it is ready to be killed.
pub const STALL_MARKER: &str = "weiquan: stalled inside the store transaction";

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

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

const CASE_COLS: &str = "case_id, rule, category, severity, score, village_code, subject_id, \
     related_ids, amount_fen, message, n_findings, fingerprint, status, assignee, deadline, note, \
     first_run, last_seen_run, last_mark, gone_run, updated_at";

fn case_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseRow> {
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
    })
}

fn split_ids(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The facts of a case in one run: the finding id, or when a rule reported
/// the subject several times, a hash of all of them.
fn fingerprint(group: &[&Finding]) -> String {
    if let [one] = group {
        return one.finding_id.clone();
    }
    let mut ids: Vec<&str> = group.iter().map(|f| f.finding_id.as_str()).collect();
    ids.sort_unstable();
    let mut h = Sha256::new();
    for id in ids {
        h.update(id.as_bytes());
        h.update([0x1e]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fact as version 1 wrote it (through a `Value`): [`write_fact`]
/// must write the same text, or every fact of an older store would be
/// rewritten on the next run.
#[cfg(test)]
fn fact_json(f: &Finding) -> serde_json::Value {
    let mut v = serde_json::to_value(f).unwrap_or(serde_json::Value::Null);
    v["amount_fen"] = serde_json::json!(f.amount_fen);
    v
}

fn finding_from_fact(text: &str) -> Option<Finding> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let amount = v.get("amount_fen").and_then(|a| a.as_i64()).unwrap_or(0);
    let mut f: Finding = serde_json::from_value(v).ok()?;
    f.amount_fen = amount;
    Some(f)
}

/// What changed between two sightings of a case, for the history.
fn describe_change(
    old_amount: i64,
    new_amount: i64,
    old_related: &[String],
    new_related: &[String],
    old_n: i64,
    new_n: i64,
) -> String {
    let mut parts = Vec::new();
    if old_amount != new_amount {
        parts.push(format!(
            "金额{}→{}",
            fen_to_yuan_display(old_amount),
            fen_to_yuan_display(new_amount)
        ));
    }
    let old: BTreeSet<&String> = old_related.iter().collect();
    let new: BTreeSet<&String> = new_related.iter().collect();
    let added: Vec<&str> = new.difference(&old).map(|s| s.as_str()).collect();
    let removed: Vec<&str> = old.difference(&new).map(|s| s.as_str()).collect();
    if !added.is_empty() {
        parts.push(format!("新增关联{}", added.join("、")));
    }
    if !removed.is_empty() {
        parts.push(format!("不再关联{}", removed.join("、")));
    }
    if old_n != new_n {
        parts.push(format!("发现条数{old_n}→{new_n}"));
    }
    if parts.is_empty() {
        "构成该线索的明细发生变化".to_string()
    } else {
        parts.join("；")
    }
}

struct Known {
    rule: String,
    village: String,
    status: Status,
    fingerprint: String,
    closed_fingerprint: Option<String>,
    gone_run: Option<i64>,
    related: Vec<String>,
    amount_fen: i64,
    n_findings: i64,
}

struct HistoryWrite<'a> {
    case_id: &'a str,
    by: &'a str,
    source: &'a str,
    run_id: Option<i64>,
    field: &'a str,
    old: Option<&'a str>,
    new: Option<&'a str>,
    reason: &'a str,
}

fn write_history(tx: &Transaction<'_>, at: &str, h: HistoryWrite<'_>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO history (case_id, at, by, source, run_id, field, old, new, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        h.case_id, at, h.by, h.source, h.run_id, h.field, h.old, h.new, h.reason
    ])?;
    Ok(())
}

/// A run written into an open transaction: the outputs are written while
/// it is held, then [`PendingRun::commit`] makes it permanent. Dropped
/// without commit, nothing of it stays.
///
/// [`Store::begin_run`] decides every mark and writes only the run's own
/// row; the cases, history and facts are written by
/// [`PendingRun::commit_with`], on the calling thread, while the outputs
/// (which need the marks) are written on another.
pub struct PendingRun<'a> {
    tx: Transaction<'a>,
    plan: Plan,
    findings: &'a Outbound<'a>,
    pub triage: RunTriage,
}

impl PendingRun<'_> {
    /// Write the run's rows and commit.
    pub fn commit(self) -> Result<RunTriage> {
        self.commit_with(|_| Ok(())).map(|(t, ())| t)
    }

    /// Write the run's rows while `alongside` runs on a thread of its own
    /// with the run's triage; commit only when both succeeded. On any
    /// error nothing of the run stays in the store.
    pub fn commit_with<R: Send>(
        self,
        alongside: impl FnOnce(&RunTriage) -> Result<R> + Send,
    ) -> Result<(RunTriage, R)> {
        let PendingRun {
            tx,
            plan,
            findings,
            triage,
        } = self;
        let db = triage.db.clone();
        let (written, side) = std::thread::scope(|s| {
            let side = s.spawn(|| alongside(&triage));
            let written = write_plan_unchecked(&tx, &plan, findings);
            (written, side.join())
        });
        let side = match side {
            Ok(r) => r?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        written.map_err(|e| Error::output(&db, e))?;
        tx.commit().map_err(|e| Error::output(&db, e))?;
        Ok((triage, side))
    }
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

    /// Record one scan and decide what each case is, inside a transaction
    /// that the caller commits once the outputs are written.
    pub fn begin_run<'a>(
        &'a mut self,
        input: &RunInput,
        findings: &'a Outbound<'a>,
    ) -> Result<PendingRun<'a>> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::output(&path, e))?;
        let (plan, triage) =
            plan_run(&tx, &path, input, findings.findings).map_err(|e| Error::output(&path, e))?;
        Ok(PendingRun {
            tx,
            plan,
            findings,
            triage,
        })
    }

    /// [`Store::begin_run`] and commit at once.
    pub fn record_run(&mut self, input: &RunInput, findings: &[Finding]) -> Result<RunTriage> {
        self.begin_run(input, &Outbound::new(findings))?.commit()
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

    /// Cases matching the filter, highest score first.
    pub fn list(&self, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        let mut sql = format!("SELECT {CASE_COLS} FROM cases WHERE 1=1");
        let mut args: Vec<String> = Vec::new();
        if !f.statuses.is_empty() {
            let marks = vec!["?"; f.statuses.len()].join(", ");
            sql.push_str(&format!(" AND status IN ({marks})"));
            args.extend(f.statuses.iter().map(|s| s.as_str().to_string()));
        } else if !f.all {
            sql.push_str(" AND status NOT IN ('dismissed', 'rectified')");
        }
        if let Some(v) = &f.village {
            sql.push_str(" AND village_code = ?");
            args.push(v.trim().to_string());
        }
        if let Some(r) = &f.rule {
            let code = crate::rules::find(r)
                .map(|x| x.code().to_string())
                .unwrap_or_else(|| r.trim().to_ascii_uppercase());
            sql.push_str(" AND rule = ?");
            args.push(code);
        }
        if let Some(s) = f.severity {
            sql.push_str(" AND severity = ?");
            args.push(s.as_str().to_string());
        }
        if let Some(c) = f.category {
            sql.push_str(" AND category = ?");
            args.push(c.as_str().to_string());
        }
        if let Some(m) = f.mark {
            sql.push_str(
                " AND case_id IN (SELECT case_id FROM run_cases
                    WHERE run_id = (SELECT max(run_id) FROM runs) AND mark = ? AND hidden = 0)",
            );
            args.push(m.as_str().to_string());
        }
        sql.push_str(
            " ORDER BY score DESC, CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
              rule, village_code, subject_id, case_id",
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map(params_from_iter(args.iter()), case_from_row)
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
        if id.len() < 4 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.read_err(format!(
                "`{id}` is not a case id (线索编号: 16 hex digits, or a unique prefix of at least 4)"
            )));
        }
        let mut st = self
            .conn
            .prepare(
                "SELECT case_id FROM cases WHERE case_id >= ?1 AND case_id < ?1 || 'g' LIMIT 2",
            )
            .map_err(|e| self.read_err(e))?;
        let found: Vec<String> = st
            .query_map([&id], |r| r.get(0))
            .map_err(|e| self.read_err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.read_err(e))?;
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => match self.unmask_case_id(&id)? {
                Some(real) => Ok(real),
                None => Err(self.read_err(format!("no case `{id}`"))),
            },
            _ => Err(self.read_err(format!(
                "case id prefix `{id}` is ambiguous; give more digits"
            ))),
        }
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
    pub fn case_findings(&self, case_id: &str) -> Result<Vec<Finding>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT f.finding FROM run_findings rf JOIN facts f ON f.finding_id = rf.finding_id
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
        let changes = apply(&tx, updates, by, source).map_err(|e| match e {
            ApplyError::Sql(e) => Error::output(&path, e),
            ApplyError::Input(m) => Error::format(&path, m),
        })?;
        tx.commit().map_err(|e| Error::output(&path, e))?;
        Ok(changes)
    }
}

enum ApplyError {
    Sql(rusqlite::Error),
    Input(String),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(e: rusqlite::Error) -> Self {
        ApplyError::Sql(e)
    }
}

fn apply(
    tx: &Transaction<'_>,
    updates: &[CaseUpdate],
    by: &str,
    source: &str,
) -> std::result::Result<Vec<Change>, ApplyError> {
    let at = now_string();
    let mut changes = Vec::new();
    for u in updates {
        type Current = (String, String, Option<String>, String, String);
        let cur: Option<Current> = tx
            .prepare_cached(
                "SELECT status, assignee, deadline, note, fingerprint FROM cases WHERE case_id = ?1",
            )?
            .query_row([&u.case_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let Some((status, assignee, deadline, note, fingerprint)) = cur else {
            return Err(ApplyError::Input(format!("no case `{}`", u.case_id)));
        };
        let mut fields: Vec<(&str, Option<String>, Option<String>)> = Vec::new();
        if let Some(s) = u.status
            && s.as_str() != status
        {
            fields.push(("status", Some(status.clone()), Some(s.as_str().into())));
        }
        if let Some(a) = &u.assignee {
            let a = a.trim();
            if a != assignee {
                fields.push(("assignee", some_text(&assignee), some_text(a)));
            }
        }
        if let Some(d) = &u.deadline
            && *d != deadline
        {
            fields.push(("deadline", deadline.clone(), d.clone()));
        }
        if let Some(n) = &u.note {
            let n = n.trim();
            if n != note {
                fields.push(("note", some_text(&note), some_text(n)));
            }
        }
        for (field, old, new) in fields {
            let value = new.clone();
            match field {
                "status" => {
                    let closed = u.status.is_some_and(Status::is_closed);
                    // A closed case remembers the facts it was closed on:
                    // it stays hidden only while they stay the same.
                    tx.prepare_cached(
                        "UPDATE cases SET status = ?2, closed_fingerprint = ?3, updated_at = ?4
                          WHERE case_id = ?1",
                    )?
                    .execute(params![
                        u.case_id,
                        value,
                        closed.then_some(&fingerprint),
                        at
                    ])?;
                }
                "deadline" => {
                    tx.prepare_cached(
                        "UPDATE cases SET deadline = ?2, updated_at = ?3 WHERE case_id = ?1",
                    )?
                    .execute(params![u.case_id, value, at])?;
                }
                _ => {
                    // assignee and note: empty text, never NULL.
                    let sql = format!(
                        "UPDATE cases SET {field} = ?2, updated_at = ?3 WHERE case_id = ?1"
                    );
                    tx.prepare_cached(&sql)?.execute(params![
                        u.case_id,
                        value.unwrap_or_default(),
                        at
                    ])?;
                }
            }
            write_history(
                tx,
                &at,
                HistoryWrite {
                    case_id: &u.case_id,
                    by,
                    source,
                    run_id: None,
                    field,
                    old: old.as_deref(),
                    new: new.as_deref(),
                    reason: "",
                },
            )?;
            changes.push(Change {
                case_id: u.case_id.clone(),
                field: field.to_string(),
                old,
                new,
            });
        }
    }
    Ok(changes)
}

fn some_text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// One history row a run will write.
struct PlannedHistory {
    field: &'static str,
    old: Option<String>,
    new: Option<String>,
    reason: String,
}

/// How a run writes a case it saw.
enum CaseWrite {
    Insert,
    Update {
        /// Closed, facts changed: back to `new`, closed fingerprint cleared.
        reopened: bool,
        /// Facts or presence changed: `updated_at` moves.
        touch: bool,
    },
}

/// A case this run saw, with what it will write.
struct CasePlan {
    case_id: String,
    /// Ranks (indexes into the run's findings), queue order.
    members: Vec<usize>,
    fingerprint: String,
    related_text: String,
    mark: Mark,
    status: Status,
    hidden: bool,
    write: CaseWrite,
    history: Vec<PlannedHistory>,
}

/// An open case this run no longer sees.
struct GonePlan {
    case_id: String,
    fingerprint: String,
    /// Not already gone: marked and written to the history now.
    newly: bool,
}

/// Everything a run will write after its `runs` row: decided first, from
/// reads only, so that the outputs (which need the marks) can be written
/// while the rows go into the store.
struct Plan {
    run_id: i64,
    at: String,
    by: String,
    cases: Vec<CasePlan>,
    gone: Vec<GonePlan>,
    counts: MarkCounts,
}

/// Insert the run's row and decide what each case is; nothing else is
/// written yet ([`write_plan`] does it).
fn plan_run(
    tx: &Transaction<'_>,
    db: &Path,
    input: &RunInput,
    findings: &[Finding],
) -> rusqlite::Result<(Plan, RunTriage)> {
    let at = now_string();
    let manifest = serde_json::to_string(&input.manifest).unwrap_or_default();
    tx.execute(
        "INSERT INTO runs (started_at, recorded_at, by, dataset, out_dir, tool_version, manifest,
                           n_findings, n_new, n_recurring, n_reopened, n_hidden, n_gone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, 0, 0, 0)",
        params![
            input.started_at,
            at,
            input.by,
            input.dataset,
            input.out_dir,
            env!("CARGO_PKG_VERSION"),
            manifest,
            findings.len() as i64
        ],
    )?;
    let run_id = tx.last_insert_rowid();

    // Every case the store knows, with what the decisions need.
    let mut known: BTreeMap<String, Known> = BTreeMap::new();
    {
        let mut st = tx.prepare(
            "SELECT case_id, rule, village_code, status, fingerprint, closed_fingerprint, gone_run,
                    related_ids, amount_fen, n_findings FROM cases",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let status: String = r.get(3)?;
            let related: String = r.get(7)?;
            known.insert(
                r.get(0)?,
                Known {
                    rule: r.get(1)?,
                    village: r.get(2)?,
                    status: Status::parse(&status).unwrap_or(Status::Open),
                    fingerprint: r.get(4)?,
                    closed_fingerprint: r.get(5)?,
                    gone_run: r.get(6)?,
                    related: split_ids(&related),
                    amount_fen: r.get(8)?,
                    n_findings: r.get(9)?,
                },
            );
        }
    }

    // Findings arrive in queue order, so each case's first is its highest-ranked.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (rank, f) in findings.iter().enumerate() {
        groups.entry(f.case_key()).or_default().push(rank);
    }

    let mut counts = MarkCounts {
        findings: findings.len() as i64,
        ..MarkCounts::default()
    };
    let mut by_finding = BTreeMap::new();
    let mut cases = Vec::with_capacity(groups.len());
    let hist = |field: &'static str, old: Option<&str>, new: Option<&str>, reason: String| {
        PlannedHistory {
            field,
            old: old.map(str::to_string),
            new: new.map(str::to_string),
            reason,
        }
    };

    for (case_id, ranks) in &groups {
        let members: Vec<&Finding> = ranks.iter().map(|&i| &findings[i]).collect();
        let rep = members[0];
        let fp = fingerprint(&members);
        let mut related: Vec<String> = members
            .iter()
            .flat_map(|f| f.related_ids.iter().cloned())
            .filter(|r| *r != rep.subject_id)
            .collect();
        related.sort();
        related.dedup();
        let related_text = related.join(";");
        let n = members.len() as i64;
        let mut history = Vec::new();

        let (mark, status, hidden, write) = match known.get(case_id) {
            None => {
                history.push(hist("status", None, Some("new"), "首次发现".into()));
                counts.new += 1;
                (Mark::New, Status::New, false, CaseWrite::Insert)
            }
            Some(k) => {
                let changed = describe_change(
                    k.amount_fen,
                    rep.amount_fen,
                    &k.related,
                    &related,
                    k.n_findings,
                    n,
                );
                let closed_on = k.closed_fingerprint.as_ref().unwrap_or(&k.fingerprint);
                let (mark, status, hidden) = if k.status.is_closed() && *closed_on == fp {
                    counts.hidden += 1;
                    (Mark::Recurring, k.status, true)
                } else if k.status.is_closed() {
                    history.push(hist(
                        "status",
                        Some(k.status.as_str()),
                        Some("new"),
                        format!("事实变化，重新打开：{changed}"),
                    ));
                    counts.reopened += 1;
                    (Mark::Reopened, Status::New, false)
                } else {
                    if k.fingerprint != fp {
                        history.push(hist(
                            "facts",
                            Some(&k.fingerprint),
                            Some(&fp),
                            format!("事实变化：{changed}"),
                        ));
                    }
                    counts.recurring += 1;
                    (Mark::Recurring, k.status, false)
                };
                if let Some(g) = k.gone_run {
                    history.push(hist(
                        "presence",
                        Some("gone"),
                        Some("present"),
                        format!("第{g}次扫描起未见，本次（第{run_id}次）重新出现"),
                    ));
                }
                let write = CaseWrite::Update {
                    reopened: mark == Mark::Reopened,
                    touch: k.fingerprint != fp || k.gone_run.is_some(),
                };
                (mark, status, hidden, write)
            }
        };
        for f in &members {
            by_finding.insert(
                f.finding_id.clone(),
                FindingTriage {
                    case_id: case_id.clone(),
                    mark,
                    status,
                    hidden,
                },
            );
        }
        cases.push(CasePlan {
            case_id: case_id.clone(),
            members: ranks.clone(),
            fingerprint: fp,
            related_text,
            mark,
            status,
            hidden,
            write,
            history,
        });
    }

    // Open cases of the rules that ran, in the villages of this export, that
    // this run did not see: resolved in the data, or hidden better.
    let mut gone_plan = Vec::new();
    let mut gone = Vec::new();
    for (case_id, k) in &known {
        if groups.contains_key(case_id)
            || k.status.is_closed()
            || !input.ran_rules.contains(&k.rule)
            || !input.villages.contains(&k.village)
        {
            continue;
        }
        let newly = k.gone_run.is_none();
        // The row as it will be once written.
        let mut row = tx.query_row(
            &format!("SELECT {CASE_COLS} FROM cases WHERE case_id = ?1"),
            [case_id],
            case_from_row,
        )?;
        if newly {
            row.gone_run = Some(run_id);
            row.last_mark = Mark::Gone;
            row.updated_at = at.clone();
        }
        gone.push(row);
        gone_plan.push(GonePlan {
            case_id: case_id.clone(),
            fingerprint: k.fingerprint.clone(),
            newly,
        });
    }
    counts.gone = gone_plan.len() as i64;
    gone.sort_by(|a, b| b.score.cmp(&a.score).then(a.case_id.cmp(&b.case_id)));

    let triage = RunTriage {
        run_id,
        db: db.to_path_buf(),
        by_finding,
        gone,
        counts,
    };
    let plan = Plan {
        run_id,
        at,
        by: input.by.clone(),
        cases,
        gone: gone_plan,
        counts,
    };
    Ok((plan, triage))
}

/// The finding as stored in `facts`: the contract's fields plus the exact
/// amount in fen (`Finding` does not serialise it), keys in alphabetical
/// order (as version 1 stored it through a `serde_json::Value`), written
/// straight from the finding without a copy of its evidence.
#[derive(Serialize)]
struct FactRef<'a> {
    amount_fen: i64,
    category: Category,
    evidence: &'a serde_json::value::RawValue,
    finding_id: &'a str,
    message: &'a str,
    related_ids: &'a [String],
    rule: &'a str,
    score: u8,
    severity: Severity,
    subject_id: &'a str,
    village_code: &'a str,
}

fn write_fact(buf: &mut Vec<u8>, f: &Finding, evidence: &serde_json::value::RawValue) {
    buf.clear();
    let fact = FactRef {
        amount_fen: f.amount_fen,
        category: f.category,
        evidence,
        finding_id: &f.finding_id,
        message: &f.message,
        related_ids: &f.related_ids,
        rule: &f.rule,
        score: f.score,
        severity: f.severity,
        subject_id: &f.subject_id,
        village_code: &f.village_code,
    };
    // Serialising plain data into memory cannot fail.
    let _ = serde_json::to_writer(&mut *buf, &fact);
}

/// [`write_plan`] with CHECK constraints off. Every checked value a run
/// writes comes from [`Status::as_str`], [`Mark::as_str`] or the literal
/// `'scan'`, always inside the lists; but SQLite evaluates a CHECK of the
/// form `x IN (a, b, c, …)` (more than two constants) by building a
/// temporary index on each execution of the statement: four per new case,
/// measured at 2,000 villages as the larger part of the store's write time.
/// Officers' edits ([`Store::apply_updates`]) stay checked.
fn write_plan_unchecked(
    tx: &Transaction<'_>,
    plan: &Plan,
    findings: &Outbound<'_>,
) -> rusqlite::Result<()> {
    tx.pragma_update(None, "ignore_check_constraints", true)?;
    let written = write_plan(tx, plan, findings);
    let reset = tx.pragma_update(None, "ignore_check_constraints", false);
    written.and(reset)
}

/// Write what [`plan_run`] decided: cases, history, marks, facts.
fn write_plan(tx: &Transaction<'_>, plan: &Plan, findings: &Outbound<'_>) -> rusqlite::Result<()> {
    let (run_id, at, by) = (plan.run_id, plan.at.as_str(), plan.by.as_str());
    let mut insert_case = tx.prepare(
        "INSERT INTO cases (case_id, rule, category, severity, score, village_code,
            subject_id, related_ids, amount_fen, message, n_findings, fingerprint,
            status, first_run, last_seen_run, last_mark, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'new', ?13, ?13,
            'new', ?14)",
    )?;
    let mut update_case = tx.prepare(
        "UPDATE cases SET rule = ?2, category = ?3, severity = ?4, score = ?5,
            village_code = ?6, subject_id = ?7, related_ids = ?8, amount_fen = ?9,
            message = ?10, n_findings = ?11, fingerprint = ?12, status = ?13,
            closed_fingerprint = CASE WHEN ?14 THEN NULL ELSE closed_fingerprint END,
            last_seen_run = ?15, last_mark = ?16, gone_run = NULL,
            updated_at = CASE WHEN ?17 THEN ?18 ELSE updated_at END
          WHERE case_id = ?1",
    )?;
    let mut insert_history = tx.prepare(
        "INSERT INTO history (case_id, at, by, source, run_id, field, old, new, reason)
         VALUES (?1, ?2, ?3, 'scan', ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut insert_run_case = tx.prepare(
        "INSERT INTO run_cases (run_id, case_id, mark, hidden, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut upsert_fact = tx.prepare(
        "INSERT INTO facts (finding_id, case_id, finding) VALUES (?1, ?2, ?3)
         ON CONFLICT (finding_id) DO UPDATE SET finding = excluded.finding
         WHERE finding <> excluded.finding",
    )?;
    let mut insert_run_finding = tx.prepare(
        "INSERT INTO run_findings (run_id, finding_id, case_id, rank)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let stall_at = std::env::var_os(STALL_ENV).map(|_| plan.cases.len() / 2);
    let mut fact = Vec::with_capacity(16 * 1024);

    for (i, c) in plan.cases.iter().enumerate() {
        if stall_at == Some(i) {
            eprintln!("{STALL_MARKER}");
            std::thread::sleep(Duration::from_secs(120));
        }
        let rep = &findings.findings[c.members[0]];
        let n = c.members.len() as i64;
        match c.write {
            CaseWrite::Insert => {
                insert_case.execute(params![
                    c.case_id,
                    rep.rule,
                    rep.category.as_str(),
                    rep.severity.as_str(),
                    rep.score,
                    rep.village_code,
                    rep.subject_id,
                    c.related_text,
                    rep.amount_fen,
                    rep.message,
                    n,
                    c.fingerprint,
                    run_id,
                    at
                ])?;
            }
            CaseWrite::Update { reopened, touch } => {
                update_case.execute(params![
                    c.case_id,
                    rep.rule,
                    rep.category.as_str(),
                    rep.severity.as_str(),
                    rep.score,
                    rep.village_code,
                    rep.subject_id,
                    c.related_text,
                    rep.amount_fen,
                    rep.message,
                    n,
                    c.fingerprint,
                    c.status.as_str(),
                    reopened,
                    run_id,
                    c.mark.as_str(),
                    touch,
                    at
                ])?;
            }
        }
        for h in &c.history {
            insert_history.execute(params![
                c.case_id, at, by, run_id, h.field, h.old, h.new, h.reason
            ])?;
        }
        insert_run_case.execute(params![
            run_id,
            c.case_id,
            c.mark.as_str(),
            c.hidden,
            c.fingerprint
        ])?;
        for &rank in &c.members {
            let (f, evidence) = findings.get(rank);
            write_fact(&mut fact, f, evidence);
            let text = std::str::from_utf8(&fact).unwrap_or_default();
            upsert_fact.execute(params![f.finding_id, c.case_id, text])?;
            insert_run_finding.execute(params![run_id, f.finding_id, c.case_id, rank as i64])?;
        }
    }

    let mut mark_gone = tx.prepare(
        "UPDATE cases SET gone_run = ?2, last_mark = 'gone', updated_at = ?3
          WHERE case_id = ?1",
    )?;
    for g in &plan.gone {
        if g.newly {
            mark_gone.execute(params![g.case_id, run_id, at])?;
            insert_history.execute(params![
                g.case_id,
                at,
                by,
                run_id,
                "presence",
                "present",
                "gone",
                format!("本次（第{run_id}次）扫描未在数据中发现")
            ])?;
        }
        insert_run_case.execute(params![run_id, g.case_id, "gone", false, g.fingerprint])?;
    }

    let counts = &plan.counts;
    tx.execute(
        "UPDATE runs SET n_new = ?2, n_recurring = ?3, n_reopened = ?4, n_hidden = ?5, n_gone = ?6
          WHERE run_id = ?1",
        params![
            run_id,
            counts.new,
            counts.recurring,
            counts.reopened,
            counts.hidden,
            counts.gone
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_descriptions_name_what_moved() {
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            describe_change(150_000, 230_000, &r(&["A"]), &r(&["A", "B"]), 1, 1),
            "金额1,500元→2,300元；新增关联B"
        );
        assert_eq!(describe_change(1, 1, &r(&[]), &r(&[]), 1, 2), "发现条数1→2");
    }

    #[test]
    fn a_run_is_recorded_with_a_large_page_cache() {
        // One scan writes tens of MB in one transaction; SQLite's default
        // 2 MB cache spills it to disk mid-way (write phase at 2,000
        // villages 2.6 → 2.1 s with 64 MB).
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        let kib: i64 = store
            .conn
            .pragma_query_value(None, "cache_size", |r| r.get(0))
            .unwrap();
        assert_eq!(kib, -65536);
    }

    #[test]
    fn facts_are_written_as_version_1_wrote_them() {
        // Same text, byte for byte: a recurring run over a store written by
        // an older weiquan rewrites no fact whose finding did not change.
        let mut f = Finding::new(
            "KIN001",
            Category::Kinship,
            Severity::High,
            "370102001001",
            "37010219900101123X",
        );
        f.finding_id = "0123456789abcdef".into();
        f.related_ids = vec!["A".into(), "B<&>\"".into()];
        f.amount_fen = -123_456_789;
        f.score = 97;
        f.message = "张三（主任本人）领取\n补贴".into();
        f.evidence = serde_json::json!({
            "z": [1, 2.5, null, true], "a": {"名": "李四", "x": "1\u{2028}"}, "m": -0.0
        });
        let mut buf = Vec::new();
        let one = [f.clone()];
        let out = Outbound::new(&one);
        let (g, evidence) = out.get(0);
        write_fact(&mut buf, g, evidence);
        let old = serde_json::to_string(&fact_json(&f)).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), old);
        assert_eq!(finding_from_fact(&old).unwrap(), f);
    }

    #[test]
    fn statuses_parse_in_both_languages() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(Status::parse(s.label_zh()), Some(s));
        }
        assert_eq!(Status::parse(" 已排除 "), Some(Status::Dismissed));
        assert_eq!(Status::parse("已完成"), None);
    }
}
