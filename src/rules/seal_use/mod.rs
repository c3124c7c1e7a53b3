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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_cited_whole_from_the_ref_or_the_purpose() {
        let c = cited(
            Some("ht-2025-0001-01;JY-2025-0001-02"),
            Some("签订HT-2025-0001-10号合同"),
        );
        assert!(c.contains(&"HT-2025-0001-01".to_string()));
        assert!(c.contains(&"JY-2025-0001-02".to_string()));
        assert!(c.contains(&"HT-2025-0001-10".to_string()));
        // A number is never found inside a longer one.
        assert!(
            !cited(None, Some("签订HT-2025-0001-10合同")).contains(&"HT-2025-0001-1".to_string())
        );
    }

    #[test]
    fn a_signer_is_the_name_without_the_office_printed_beside_it() {
        assert_eq!(signer("王建国（书记）"), "王建国");
        assert_eq!(signer("王建国(代)"), "王建国");
        assert_eq!(signer("王建国"), "王建国");
    }
}
