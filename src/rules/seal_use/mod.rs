//! 印章管理 (process 26): SEA001–SEA003 on the seal log. What they share:
//! the numbers a seal record cites (its `ref_no`, or the number written in
//! its 用印事由 when the ref column is blank).

mod seal_approval;
mod seal_missing;
mod seal_rest_day;

pub use seal_approval::SealApproval;
pub use seal_missing::SealMissing;
pub use seal_rest_day::SealRestDay;

use crate::text::clean_code;

/// The numbers a record cites: the tokens of its `ref_no` and of its
/// purpose, upper-cased, split at anything that is not a letter, a digit or
/// `-`/`_` (so `HT-2025-01` never matches inside `HT-2025-010`).
pub(crate) fn cited(ref_no: Option<&str>, purpose: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for s in [ref_no, purpose].into_iter().flatten() {
        let s = clean_code(s);
        out.extend(
            s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .filter(|t| t.len() >= 3)
                .map(str::to_string),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// A signer's name without what a log prints beside it: `王建国（书记）`,
/// `王建国(代)` → `王建国`.
pub(crate) fn signer(name: &str) -> &str {
    let cut = name.find(['（', '(']).unwrap_or(name.len());
    name[..cut].trim()
}
