//! CSH001, ELG001, ID001: what their fixtures must show, and thresholds run
//! at more than one value.

use crate::common::{fixture, render, run_rule};

#[test]
fn cash_payment_fires() {
    let f = run_rule("CSH001", &fixture("cash_payment/fire"), "");
    let subjects: Vec<&str> = f.iter().map(|f| f.subject_id.as_str()).collect();
    assert_eq!(f.len(), 3, "{}", render(&f));
    for v in ["V2025-001", "V2025-002", "V2025-003"] {
        assert!(subjects.contains(&v), "{v} missing:\n{}", render(&f));
    }
}

#[test]
fn cash_payment_near_miss() {
    let f = run_rule("CSH001", &fixture("cash_payment/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn cash_payment_threshold() {
    // Raising the limit to 1,500 keeps only the 1,600 on V2025-003.
    let f = run_rule("CSH001", &fixture("cash_payment/fire"), "limit = 1500.0");
    assert_eq!(
        f.iter().map(|f| f.subject_id.as_str()).collect::<Vec<_>>(),
        ["V2025-003"]
    );
    let f = run_rule(
        "CSH001",
        &fixture("cash_payment/near_miss"),
        "limit = 999.99",
    );
    assert_eq!(f.len(), 1);
}

#[test]
fn eligibility_fires() {
    let f = run_rule("ELG001", &fixture("eligibility/fire"), "");
    assert_eq!(f.len(), 2, "{}", render(&f));
}

#[test]
fn eligibility_near_miss() {
    let f = run_rule("ELG001", &fixture("eligibility/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn eligibility_age_band_is_a_parameter() {
    let f = run_rule(
        "ELG001",
        &fixture("eligibility/near_miss"),
        "age-bands = [81, 90, 100]",
    );
    assert_eq!(f.len(), 1, "{}", render(&f));
    assert_eq!(f[0].subject_id, "370102194503100039");
}

#[test]
fn invalid_id_fires() {
    let f = run_rule("ID001", &fixture("invalid_id/fire"), "");
    let subjects: Vec<&str> = f.iter().map(|f| f.subject_id.as_str()).collect();
    assert_eq!(f.len(), 6, "{}", render(&f));
    for s in [
        "370102199001010051",
        "3.70102E+17",
        "37010219900101001",
        "370102199002300010",
        "91440300708461136A",
        "914403001922038217",
    ] {
        assert!(subjects.contains(&s), "{s} missing:\n{}", render(&f));
    }
    // A credit code failing GB 32100 is low, one finding for its three
    // rows however its check letter was cased; every finding ranks below
    // the case rules' floor (40).
    let code = f
        .iter()
        .find(|f| f.subject_id == "91440300708461136A")
        .unwrap();
    assert_eq!(code.severity, weiquan::finding::Severity::Low);
    assert!(code.message.contains("共3处"), "{}", code.message);
    assert!(f.iter().all(|f| f.score < 40), "{}", render(&f));
}

#[test]
fn invalid_id_near_miss() {
    let f = run_rule("ID001", &fixture("invalid_id/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}
