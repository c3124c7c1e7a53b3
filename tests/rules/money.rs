//! The money rules (issue 5): 化整为零 on contracts and payments, 四议两公开,
//! cash. Each rule: a fixture that must fire, a near miss that must not, and
//! parameters run at more than one value.

use crate::common::{fixture, render, run_rule};
use weiquan::finding::Finding;

fn subjects(f: &[Finding]) -> Vec<(&str, &str)> {
    let mut v: Vec<(&str, &str)> = f
        .iter()
        .map(|f| (f.village_code.as_str(), f.subject_id.as_str()))
        .collect();
    v.sort();
    v
}

fn of_village<'a>(f: &'a [Finding], village: &str) -> &'a Finding {
    f.iter()
        .find(|f| f.village_code == village)
        .unwrap_or_else(|| panic!("no finding in {village}:\n{}", render(f)))
}

// ---------------------------------------------------------------- SPL001

#[test]
fn split_contracts_fires_on_every_vendor_variant() {
    let f = run_rule("SPL001", &fixture("split_contracts/fire"), "");
    assert_eq!(
        subjects(&f),
        [
            // same credit code
            ("370102001001", "91370102MA3C0001AB"),
            // one name written two ways (suffix variant, bracketed place)
            ("370102001002", "宏远土石方有限公司"),
            // two companies, one legal representative
            ("370102001003", "91370102MA3C0002BF"),
            // an individual by id number, under the decision line
            ("370102001004", "370102198008080032"),
        ],
        "{}",
        render(&f)
    );
    // Every piece is listed, and the other company is a related id.
    let a = of_village(&f, "370102001001");
    assert!(a.related_ids.contains(&"HT-001".to_string()));
    assert!(a.related_ids.contains(&"HT-002".to_string()));
    assert!(!a.related_ids.contains(&"HT-003".to_string()));
    assert_eq!(a.amount_yuan(), "188400.00");
    let c = of_village(&f, "370102001003");
    assert!(c.related_ids.contains(&"91370102MA3C0003CK".to_string()));
    let b = of_village(&f, "370102001002");
    assert!(
        b.related_ids
            .contains(&"宏远土石方(济南)有限责任公司".to_string())
    );
    let d = of_village(&f, "370102001004");
    // Under the decision line with no sign beyond adding up: low.
    assert_eq!(d.severity, weiquan::Severity::Low);
    assert_eq!(a.severity, weiquan::Severity::High);
    assert!(d.message.contains("四议两公开限额"), "{}", d.message);
    // Near-line pieces with near-identical names signed days apart rank
    // above pieces that are only under the line.
    assert!(a.score > b.score, "{}", render(&f));
}

#[test]
fn split_contracts_near_miss() {
    // 91 days apart; a lone 99,000; tendered pieces; decided pieces under the
    // decision line; two companies sharing only a name; pieces over the line.
    let f = run_rule("SPL001", &fixture("split_contracts/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn split_contracts_threshold_and_window() {
    let dir = fixture("split_contracts/fire");
    let f = run_rule("SPL001", &dir, "tender-threshold = 120000.0");
    assert_eq!(
        subjects(&f),
        [
            ("370102001001", "91370102MA3C0001AB"),
            ("370102001004", "370102198008080032"),
        ],
        "{}",
        render(&f)
    );
    // 50 days between the 宏远 pieces: out of a 30-day window.
    let f = run_rule("SPL001", &dir, "window-days = 30");
    assert!(!subjects(&f).contains(&("370102001002", "宏远土石方有限公司")));
    assert_eq!(f.len(), 3, "{}", render(&f));
    // Only episodes with some sign of intent.
    let f = run_rule("SPL001", &dir, "min-score = 51.0");
    assert_eq!(f.len(), 3, "{}", render(&f));
    assert!(f.iter().all(|f| f.village_code != "370102001003"));
    // Without the legal-representative link the two companies stand alone.
    let f = run_rule("SPL001", &dir, "link-legal-rep = false");
    assert!(f.iter().all(|f| f.village_code != "370102001003"));
    // A 91-day window catches the pieces 91 days apart.
    let f = run_rule(
        "SPL001",
        &fixture("split_contracts/near_miss"),
        "window-days = 91",
    );
    assert_eq!(
        subjects(&f),
        [("370102001001", "91370102MA3C0001AB")],
        "{}",
        render(&f)
    );
    // Counting tendered pieces too makes the tendered pieces a split.
    let f = run_rule(
        "SPL001",
        &fixture("split_contracts/near_miss"),
        "tendered-methods = []",
    );
    assert_eq!(
        subjects(&f),
        [("370102001003", "91370102MA3C0002BF")],
        "{}",
        render(&f)
    );
}

// ---------------------------------------------------------------- SPL002

#[test]
fn split_payments_fires_in_the_ledger_only() {
    let f = run_rule("SPL002", &fixture("split_payments/fire"), "");
    assert_eq!(
        subjects(&f),
        [
            ("370102001001", "91370102MA3C0004DP"),
            ("370102001002", "兴旺劳务有限公司"),
        ],
        "{}",
        render(&f)
    );
    let a = of_village(&f, "370102001001");
    for v in ["PZ-001", "PZ-002", "PZ-003"] {
        assert!(a.related_ids.contains(&v.to_string()), "{v}");
    }
    assert_eq!(a.severity, weiquan::Severity::High);
}

#[test]
fn split_payments_near_miss() {
    // Wages to a hire; subsidies passed through; installments of a contract
    // written without its number; 91 days apart; payments with a contract
    // number; decided payments under the decision line.
    let f = run_rule("SPL002", &fixture("split_payments/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn split_payments_parameters() {
    let f = run_rule(
        "SPL002",
        &fixture("split_payments/fire"),
        "decision-threshold = 60000.0",
    );
    assert_eq!(
        subjects(&f),
        [("370102001001", "91370102MA3C0004DP")],
        "{}",
        render(&f)
    );
    let near = fixture("split_payments/near_miss");
    let f = run_rule("SPL002", &near, "exclude-hires = false");
    assert_eq!(
        subjects(&f),
        [("370102001001", "370102198503030040")],
        "{}",
        render(&f)
    );
    let f = run_rule("SPL002", &near, "attribute-to-contracts = false");
    assert_eq!(
        subjects(&f),
        [("370102001003", "91370102MA3C0001AB")],
        "{}",
        render(&f)
    );
    let f = run_rule("SPL002", &near, "window-days = 91");
    assert_eq!(
        subjects(&f),
        [("370102001004", "91370102MA3C0004DP")],
        "{}",
        render(&f)
    );
}

// ---------------------------------------------------------------- DEC001

#[test]
fn missing_decision_fires() {
    let f = run_rule("DEC001", &fixture("missing_decision/fire"), "");
    assert_eq!(
        subjects(&f),
        [
            ("370102001001", "HT-001"), // no number; its payments join it
            ("370102001001", "HT-002"), // number of another village's decision
            ("370102001002", "HT-777"), // payment citing an unknown contract
            ("370102001002", "PZ-101"), // payment without contract or decision
            ("370102001002", "PZ-103"), // two lines of one voucher, 55,000
            ("370102001002", "PZ-105"), // decision number that does not exist
        ],
        "{}",
        render(&f)
    );
    let a = f.iter().find(|f| f.subject_id == "HT-001").unwrap();
    assert!(a.related_ids.contains(&"PZ-001".to_string()));
    assert!(a.related_ids.contains(&"PZ-002".to_string()));
    let e = f.iter().find(|f| f.subject_id == "PZ-105").unwrap();
    assert!(e.related_ids.contains(&"JY-404".to_string()));
}

#[test]
fn missing_decision_near_miss() {
    // 49,999.99; exactly 50,000 with a decision; a payment under a decided
    // contract; money passed through; a decided payment; income.
    let f = run_rule("DEC001", &fixture("missing_decision/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn missing_decision_threshold() {
    let f = run_rule(
        "DEC001",
        &fixture("missing_decision/fire"),
        "threshold = 100000.0",
    );
    assert_eq!(subjects(&f), [("370102001002", "PZ-101")], "{}", render(&f));
    let f = run_rule(
        "DEC001",
        &fixture("missing_decision/near_miss"),
        "threshold = 40000.0",
    );
    assert_eq!(
        subjects(&f),
        [("370102001001", "HT-001"), ("370102001001", "PZ-002")],
        "{}",
        render(&f)
    );
}

#[test]
fn missing_decision_ledger_without_decision_column() {
    let dir = fixture("missing_decision/no_column");
    let f = run_rule("DEC001", &dir, "");
    assert!(f.is_empty(), "{}", render(&f));
    // No decisions table to match against: nothing to say by default.
    let f = run_rule("DEC001", &dir, "ledger-without-decision-column = \"skip\"");
    assert!(f.is_empty(), "{}", render(&f));
    let f = run_rule("DEC001", &dir, "ledger-without-decision-column = \"flag\"");
    assert_eq!(subjects(&f), [("370102001001", "PZ-001")], "{}", render(&f));
    // With decisions: a payment matching one by amount or 事项 is decided.
    let dir = fixture("missing_decision/no_column_matched");
    let f = run_rule("DEC001", &dir, "");
    assert_eq!(subjects(&f), [("370102001001", "PZ-003")], "{}", render(&f));
    let f = run_rule("DEC001", &dir, "ledger-without-decision-column = \"skip\"");
    assert!(f.is_empty(), "{}", render(&f));
    let f = run_rule("DEC001", &dir, "match-amount-tolerance = 0.0");
    assert_eq!(
        subjects(&f),
        [("370102001001", "PZ-002"), ("370102001001", "PZ-003")],
        "{}",
        render(&f)
    );
}

// ---------------------------------------------------------------- DEC002

#[test]
fn decision_order_fires() {
    let f = run_rule("DEC002", &fixture("decision_order/fire"), "");
    assert_eq!(
        subjects(&f),
        [
            ("370102001001", "HT-001"), // 审议 before 商议
            ("370102001001", "HT-002"), // resolved after signing
            ("370102001001", "PZ-301"), // resolved after payment
            ("370102001002", "JY-004"), // 审议 missing
            ("370102001002", "JY-005"), // 决议公开 before 决议
        ],
        "{}",
        render(&f)
    );
    for f in &f {
        assert!(
            f.related_ids.iter().any(|r| r.starts_with("JY-")) || f.subject_id.starts_with("JY-")
        );
    }
}

#[test]
fn decision_order_near_miss() {
    // Every step on one day, signed and paid that day; blank 决议公开; a
    // payment after the resolution through its contract.
    let f = run_rule("DEC002", &fixture("decision_order/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn decision_order_parameters() {
    let dir = fixture("decision_order/fire");
    let f = run_rule("DEC002", &dir, "grace-days = 10");
    assert_eq!(
        subjects(&f),
        [
            ("370102001001", "HT-001"),
            ("370102001002", "JY-004"),
            ("370102001002", "JY-005"),
        ],
        "{}",
        render(&f)
    );
    let f = run_rule("DEC002", &dir, "grace-days = 5\nflag-missing-steps = false");
    assert_eq!(
        subjects(&f),
        [
            ("370102001001", "HT-001"),
            ("370102001001", "HT-002"),
            ("370102001002", "JY-005"),
        ],
        "{}",
        render(&f)
    );
}

// ---------------------------------------------------------------- CSH001

#[test]
fn cash_payment_methods() {
    // 现金支票 and a blank method with （现金） in the summary are cash; a
    // 现金支票 of exactly 1,000 is not over the limit; transfers are not cash.
    let f = run_rule("CSH001", &fixture("cash_payment/methods"), "");
    assert_eq!(
        subjects(&f),
        [("370102001001", "V2025-011"), ("370102001001", "V2025-012")],
        "{}",
        render(&f)
    );
    let f = run_rule(
        "CSH001",
        &fixture("cash_payment/methods"),
        "cash-methods = [\"现金\"]",
    );
    assert_eq!(
        subjects(&f),
        [("370102001001", "V2025-012")],
        "{}",
        render(&f)
    );
}
