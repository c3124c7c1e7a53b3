//! Officers' edits (`cases set`, the workbook import): all of a batch or
//! nothing, each changed field with a history entry.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{CaseUpdate, Change};
use crate::triage::{Status, now_string};

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

pub(super) enum ApplyError {
    Sql(rusqlite::Error),
    Input(String),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(e: rusqlite::Error) -> Self {
        ApplyError::Sql(e)
    }
}

pub(super) fn apply(
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
        if !fields.is_empty() {
            // Any change makes the case a new version: a save prepared on
            // the old one (another officer's open page) is refused.
            tx.prepare_cached("UPDATE cases SET version = version + 1 WHERE case_id = ?1")?
                .execute([&u.case_id])?;
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
