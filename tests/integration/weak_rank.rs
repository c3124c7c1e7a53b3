//! Weak signals in the queue: below every case in findings.csv, the case
//! store's queue and `cases list`; counted apart in run.json; and raising
//! the case of their village and subject.

use serde_json::Value;

use crate::triage::{cases, copy_fixture, list_json, scan};

/// The rest-day fixture (a WEAK006 signal in village 001) with a cash
/// payment over the limit on a booked voucher of the same village (a
/// CSH001 case), and one in village 002 (a case with no signal).
fn street(dir: &std::path::Path) -> std::path::PathBuf {
    let data = copy_fixture("rest_day_bookings/fire", &dir.join("data"));
    let mut ledger = std::fs::read_to_string(data.join("ledger.csv")).unwrap();
    ledger.push_str(
        "370102001001,记-2025-C1,2025-03-12,支出,1500,清雪劳务费,管理费用,王五,,,现金,,\n",
    );
    ledger.push_str(
        "370102001002,记-2025-C2,2025-03-12,支出,1200,清雪劳务费,管理费用,赵六,,,现金,,\n",
    );
    std::fs::write(data.join("ledger.csv"), ledger).unwrap();
    data
}

#[test]
fn weak_signals_never_outrank_a_case() {
    let tmp = tempfile::tempdir().unwrap();
    let data = street(tmp.path());
    let (out, db) = (tmp.path().join("out"), tmp.path().join("s.db"));
    scan(&data, &out, &db);
    let text = std::fs::read_to_string(out.join("findings.jsonl")).unwrap();
    let found: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let weak = |f: &Value| f["category"] == "weak_signal";
    assert!(
        found.iter().any(weak) && found.iter().any(|f| !weak(f)),
        "{text}"
    );
    // In the order written, no case after the first weak signal, and every
    // weak signal scores below every case.
    let first_weak = found.iter().position(weak).unwrap();
    assert!(found[first_weak..].iter().all(weak), "{text}");
    let min_case = found
        .iter()
        .filter(|f| !weak(f))
        .map(|f| f["score"].as_u64().unwrap())
        .min()
        .unwrap();
    let max_weak = found
        .iter()
        .filter(|f| weak(f))
        .map(|f| f["score"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(max_weak < min_case, "{max_weak} ≥ {min_case}");
    // The signal raised the case of its village, and says so; not the other.
    let case = |v: &str| {
        found
            .iter()
            .find(|f| f["rule"] == "CSH001" && f["village_code"] == v)
            .unwrap()
    };
    assert!(case("370102001001")["score"].as_u64() > case("370102001002")["score"].as_u64());
    assert_eq!(
        case("370102001001")["evidence"]["weak_signals"][0]["rule"],
        "WEAK006"
    );
    assert!(
        case("370102001002")["evidence"]
            .get("weak_signals")
            .is_none()
    );
    // run.json counts them apart.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["cases"], 2);
    assert_eq!(manifest["counts"]["weak_signals"]["WEAK006"], 1);
    // The store's queue and `cases list`: weak signals last, under their heading.
    let queue = list_json(&db, &[]);
    let last_case = queue
        .iter()
        .rposition(|c| c["category"] != "weak_signal")
        .unwrap();
    let first_signal = queue
        .iter()
        .position(|c| c["category"] == "weak_signal")
        .unwrap();
    assert!(last_case < first_signal, "{queue:?}");
    let listed = cases(&db, &["list"]);
    let heading = listed.find("弱信号").expect(&listed);
    assert!(
        listed.find("CSH001").unwrap() < heading && listed.rfind("CSH001").unwrap() < heading,
        "{listed}"
    );
    assert!(listed.find("WEAK006").unwrap() > heading, "{listed}");
}
