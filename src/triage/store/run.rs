//! A scan's run in the store: [`Store::begin_run`] decides what every case
//! is from reads only ([`plan_run`]), so that the outputs, which need the
//! marks, can be written while [`PendingRun::commit_with`] writes the rows
//! ([`write_plan`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{
    CASE_COLS, CaseRow, FindingTriage, MarkCounts, RunInput, RunTriage, Store, case_from_row,
    split_ids,
};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Outbound, Severity};
use crate::money::fen_to_yuan_display;
use crate::triage::{Mark, Status, now_string};

/// Set to make a scan stop inside its store transaction (after half of the
/// cases are written) and wait to be killed: the crash-consistency test
/// kills the process there.
const STALL_ENV: &str = "WEIQUAN_FAULT_STALL_STORE";
/// What a stalled scan prints to stderr when it is ready to be killed.
pub const STALL_MARKER: &str = "weiquan: stalled inside the store transaction";

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
pub(super) fn fact_json(f: &Finding) -> serde_json::Value {
    let mut v = serde_json::to_value(f).unwrap_or(serde_json::Value::Null);
    v["amount_fen"] = serde_json::json!(f.amount_fen);
    v
}

/// What changed between two sightings of a case, for the history.
pub(super) fn describe_change(
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
    let known = read_known(tx)?;

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
    for (case_id, ranks) in &groups {
        let c = plan_case(
            case_id,
            ranks,
            findings,
            known.get(case_id),
            run_id,
            &mut counts,
        );
        for &rank in ranks {
            by_finding.insert(
                findings[rank].finding_id.clone(),
                FindingTriage {
                    case_id: case_id.clone(),
                    mark: c.mark,
                    status: c.status,
                    hidden: c.hidden,
                },
            );
        }
        cases.push(c);
    }

    let (gone_plan, gone) = plan_gone(tx, &known, &groups, input, run_id, &at)?;
    counts.gone = gone_plan.len() as i64;

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

/// Every case the store knows, with what the decisions need.
fn read_known(tx: &Transaction<'_>) -> rusqlite::Result<BTreeMap<String, Known>> {
    let mut known: BTreeMap<String, Known> = BTreeMap::new();
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
    Ok(known)
}

fn hist(
    field: &'static str,
    old: Option<&str>,
    new: Option<&str>,
    reason: String,
) -> PlannedHistory {
    PlannedHistory {
        field,
        old: old.map(str::to_string),
        new: new.map(str::to_string),
        reason,
    }
}

/// What this run makes of one case it saw: the findings at `ranks`, and
/// the store's row of the case if it has one.
fn plan_case(
    case_id: &str,
    ranks: &[usize],
    findings: &[Finding],
    known: Option<&Known>,
    run_id: i64,
    counts: &mut MarkCounts,
) -> CasePlan {
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

    let (mark, status, hidden, write) = match known {
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
    CasePlan {
        case_id: case_id.to_string(),
        members: ranks.to_vec(),
        fingerprint: fp,
        related_text,
        mark,
        status,
        hidden,
        write,
        history,
    }
}

/// Open cases of the rules that ran, in the villages of this export, that
/// this run did not see (`seen`): resolved in the data, or hidden better.
/// With their rows as they will be once written, highest score first.
fn plan_gone(
    tx: &Transaction<'_>,
    known: &BTreeMap<String, Known>,
    seen: &BTreeMap<String, Vec<usize>>,
    input: &RunInput,
    run_id: i64,
    at: &str,
) -> rusqlite::Result<(Vec<GonePlan>, Vec<CaseRow>)> {
    let mut gone_plan = Vec::new();
    let mut gone = Vec::new();
    for (case_id, k) in known {
        if seen.contains_key(case_id)
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
            row.updated_at = at.to_string();
        }
        gone.push(row);
        gone_plan.push(GonePlan {
            case_id: case_id.clone(),
            fingerprint: k.fingerprint.clone(),
            newly,
        });
    }
    gone.sort_by(|a, b| b.score.cmp(&a.score).then(a.case_id.cmp(&b.case_id)));
    Ok((gone_plan, gone))
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

pub(super) fn write_fact(buf: &mut Vec<u8>, f: &Finding, evidence: &serde_json::value::RawValue) {
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

/// The statements a run's rows go through, prepared once per run.
struct RunWrites<'tx> {
    insert_case: rusqlite::Statement<'tx>,
    update_case: rusqlite::Statement<'tx>,
    insert_history: rusqlite::Statement<'tx>,
    insert_run_case: rusqlite::Statement<'tx>,
    upsert_fact: rusqlite::Statement<'tx>,
    insert_run_finding: rusqlite::Statement<'tx>,
}

impl<'tx> RunWrites<'tx> {
    fn prepare(tx: &'tx Transaction<'_>) -> rusqlite::Result<RunWrites<'tx>> {
        Ok(RunWrites {
            insert_case: tx.prepare(
                "INSERT INTO cases (case_id, rule, category, severity, score, village_code,
            subject_id, related_ids, amount_fen, message, n_findings, fingerprint,
            status, first_run, last_seen_run, last_mark, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'new', ?13, ?13,
            'new', ?14)",
            )?,
            update_case: tx.prepare(
                "UPDATE cases SET rule = ?2, category = ?3, severity = ?4, score = ?5,
            village_code = ?6, subject_id = ?7, related_ids = ?8, amount_fen = ?9,
            message = ?10, n_findings = ?11, fingerprint = ?12, status = ?13,
            closed_fingerprint = CASE WHEN ?14 THEN NULL ELSE closed_fingerprint END,
            last_seen_run = ?15, last_mark = ?16, gone_run = NULL,
            updated_at = CASE WHEN ?17 THEN ?18 ELSE updated_at END,
            version = version + (?14 OR ?17)
          WHERE case_id = ?1",
            )?,
            insert_history: tx.prepare(
                "INSERT INTO history (case_id, at, by, source, run_id, field, old, new, reason)
         VALUES (?1, ?2, ?3, 'scan', ?4, ?5, ?6, ?7, ?8)",
            )?,
            insert_run_case: tx.prepare(
                "INSERT INTO run_cases (run_id, case_id, mark, hidden, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            upsert_fact: tx.prepare(
                "INSERT INTO facts (finding_id, case_id, finding) VALUES (?1, ?2, ?3)
         ON CONFLICT (finding_id) DO UPDATE SET finding = excluded.finding
         WHERE finding <> excluded.finding",
            )?,
            insert_run_finding: tx.prepare(
                "INSERT INTO run_findings (run_id, finding_id, case_id, rank)
         VALUES (?1, ?2, ?3, ?4)",
            )?,
        })
    }
}

/// Write what [`plan_run`] decided: cases, history, marks, facts.
fn write_plan(tx: &Transaction<'_>, plan: &Plan, findings: &Outbound<'_>) -> rusqlite::Result<()> {
    let (run_id, at, by) = (plan.run_id, plan.at.as_str(), plan.by.as_str());
    let mut st = RunWrites::prepare(tx)?;
    let stall_at = std::env::var_os(STALL_ENV).map(|_| plan.cases.len() / 2);
    let mut fact = Vec::with_capacity(16 * 1024);

    for (i, c) in plan.cases.iter().enumerate() {
        if stall_at == Some(i) {
            eprintln!("{STALL_MARKER}");
            std::thread::sleep(Duration::from_secs(120));
        }
        write_case(&mut st, plan, c, findings, &mut fact)?;
    }

    let mut mark_gone = tx.prepare(
        "UPDATE cases SET gone_run = ?2, last_mark = 'gone', updated_at = ?3,
                version = version + 1
          WHERE case_id = ?1",
    )?;
    for g in &plan.gone {
        if g.newly {
            mark_gone.execute(params![g.case_id, run_id, at])?;
            st.insert_history.execute(params![
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
        st.insert_run_case
            .execute(params![run_id, g.case_id, "gone", false, g.fingerprint])?;
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

/// One case's rows: the case itself, its history, its mark in this run,
/// and its findings' facts (`fact` is the buffer they are written through).
fn write_case(
    st: &mut RunWrites<'_>,
    plan: &Plan,
    c: &CasePlan,
    findings: &Outbound<'_>,
    fact: &mut Vec<u8>,
) -> rusqlite::Result<()> {
    let (run_id, at, by) = (plan.run_id, plan.at.as_str(), plan.by.as_str());
    let rep = &findings.findings[c.members[0]];
    let n = c.members.len() as i64;
    match c.write {
        CaseWrite::Insert => {
            st.insert_case.execute(params![
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
            st.update_case.execute(params![
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
        st.insert_history.execute(params![
            c.case_id, at, by, run_id, h.field, h.old, h.new, h.reason
        ])?;
    }
    st.insert_run_case.execute(params![
        run_id,
        c.case_id,
        c.mark.as_str(),
        c.hidden,
        c.fingerprint
    ])?;
    for &rank in &c.members {
        let (f, evidence) = findings.get(rank);
        write_fact(fact, f, evidence);
        let text = std::str::from_utf8(fact).unwrap_or_default();
        st.upsert_fact
            .execute(params![f.finding_id, c.case_id, text])?;
        st.insert_run_finding
            .execute(params![run_id, f.finding_id, c.case_id, rank as i64])?;
    }
    Ok(())
}
