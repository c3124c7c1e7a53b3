//! `weiquan eval`: matching by data-contract §4, through the real
//! findings.csv writer (BOM, CRLF, neutralised cells).

use std::path::Path;

use weiquan::eval::{self, EvalFinding};
use weiquan::finding::{Category, Finding, Outbound, Severity};

const LABELS: &str = "\
category,village_code,subject_id,note
kinship,370112001001,370102198001310018,same id
kinship,370112001002,91370112MAQRB7M91R,legal representative
cash_payment,370112001001,PZ-2025-03-007,cash
duplicate_beneficiary,370112001001;370112001004,37010219500101002X,cross-village
publicity_window,370112001003,DB-202503-0003,missing
";

const NEGATIVES: &str = "\
kind,village_code,subject_id,note
cash_exactly_1000,370112001001,PZ-2025-05-011,exactly 1000
same_surname_non_relative,370112001002,370103196505050011,clan
";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn finding(cat: Category, village: &str, subject: &str, related: &[&str]) -> Finding {
    let mut f = Finding::new("TST001", cat, Severity::High, village, subject)
        .related(related.iter().copied())
        .message("测试");
    f.seal();
    f
}

fn score<'a>(r: &'a eval::EvalReport, cat: &str) -> &'a eval::Score {
    r.categories.iter().find(|c| c.category == cat).unwrap()
}

#[test]
fn findings_built_from_the_labels_score_one() {
    let dir = tempfile::tempdir().unwrap();
    let labels = write(dir.path(), "labels.csv", LABELS);
    let known = eval::read_labels(&labels).unwrap();
    // One finding per label, plus a second finding on one case (counts once).
    let mut fs: Vec<Finding> = known
        .iter()
        .map(|l| {
            let village = l.village_code.split(';').next_back().unwrap();
            finding(
                Category::parse(&l.category).unwrap(),
                village,
                &l.subject_id,
                &[],
            )
        })
        .collect();
    fs.push(finding(
        Category::CashPayment,
        "370112001001",
        "PZ-2025-03-008",
        &["PZ-2025-03-007"],
    ));
    let path = dir.path().join("findings.csv");
    weiquan::report::write_findings_csv(&path, &Outbound::new(&fs)).unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(b"\xEF\xBB\xBF"));
    let r = eval::run(&path, &labels, None).unwrap();
    assert_eq!(r.total.labels, 5);
    assert_eq!(r.total.true_positives, 5);
    assert_eq!(r.total.false_positives, 0);
    assert_eq!(r.total.precision, Some(1.0));
    assert_eq!(r.total.recall, Some(1.0));
    assert_eq!(r.total.f1, Some(1.0));
    let cash = score(&r, "cash_payment");
    assert_eq!(
        (cash.findings, cash.true_positives, cash.false_positives),
        (2, 1, 0)
    );
    assert!(r.missed.is_empty());
}

#[test]
fn an_empty_findings_file_has_recall_zero() {
    let dir = tempfile::tempdir().unwrap();
    let labels = write(dir.path(), "labels.csv", LABELS);
    let path = dir.path().join("findings.csv");
    weiquan::report::write_findings_csv(&path, &Outbound::new(&[])).unwrap();
    let r = eval::run(&path, &labels, None).unwrap();
    assert_eq!(r.total.recall, Some(0.0));
    assert_eq!(r.total.true_positives, 0);
    assert_eq!(r.total.misses, 5);
    assert_eq!(r.total.precision, None, "no findings: precision undefined");
    for c in ["kinship", "cash_payment", "publicity_window"] {
        assert_eq!(score(&r, c).recall, Some(0.0), "{c}");
    }
    assert_eq!(r.missed.len(), 5);
}

#[test]
fn matching_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let known = eval::read_labels(&write(dir.path(), "labels.csv", LABELS)).unwrap();
    let f = |cat: &str, v: &str, s: &str, rel: &[&str]| EvalFinding {
        finding_id: format!("{cat}{v}{s}"),
        rule: "T".into(),
        category: cat.into(),
        village_code: v.into(),
        subject_id: s.into(),
        related_ids: rel.iter().map(|x| x.to_string()).collect(),
    };
    let findings = vec![
        // Subject among the related ids: a match.
        f("kinship", "370112001001", "PZ-1", &["370102198001310018"]),
        // Right subject, wrong village: a false positive and a miss.
        f("kinship", "370112001009", "91370112MAQRB7M91R", &[]),
        // Cross-village label: either village matches.
        f(
            "duplicate_beneficiary",
            "370112001004",
            "37010219500101002X",
            &[],
        ),
        // Right subject and village, wrong category: no match.
        f("invalid_id", "370112001003", "DB-202503-0003", &[]),
        // Weak signals are counted, not scored.
        f("weak_signal", "370112001001", "PZ-2025-03-007", &[]),
    ];
    let r = eval::evaluate(&findings, &known, &[]);
    let k = score(&r, "kinship");
    assert_eq!(
        (k.labels, k.true_positives, k.false_positives, k.misses),
        (2, 1, 1, 1)
    );
    assert_eq!(k.precision, Some(0.5));
    assert_eq!(score(&r, "duplicate_beneficiary").true_positives, 1);
    assert_eq!(score(&r, "invalid_id").false_positives, 1);
    assert_eq!(score(&r, "publicity_window").misses, 1);
    assert_eq!(r.unscored_findings.get("weak_signal"), Some(&1));
    assert!(r.categories.iter().all(|c| c.category != "weak_signal"));
    assert_eq!(r.total.findings, 4);
}

#[test]
fn a_finding_on_a_hard_negative_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let labels = write(dir.path(), "labels.csv", LABELS);
    let negs = write(dir.path(), "negatives.csv", NEGATIVES);
    let fs = vec![
        finding(Category::CashPayment, "370112001001", "PZ-2025-05-011", &[]),
        // Same subject, other category: not this negative's business.
        finding(Category::Kinship, "370112001001", "PZ-2025-05-011", &[]),
    ];
    let path = dir.path().join("findings.csv");
    weiquan::report::write_findings_csv(&path, &Outbound::new(&fs)).unwrap();
    let r = eval::run(&path, &labels, Some(&negs)).unwrap();
    assert_eq!(r.flagged_negatives.len(), 1);
    let flagged = &r.flagged_negatives[0];
    assert_eq!(flagged.negative.kind, "cash_exactly_1000");
    assert_eq!(flagged.rule, "TST001");
    let kinds: Vec<(&str, usize, usize)> = r
        .negative_kinds
        .iter()
        .map(|k| (k.kind.as_str(), k.total, k.flagged))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("cash_exactly_1000", 1, 1),
            ("same_surname_non_relative", 1, 0)
        ]
    );
    let text = r.render();
    assert!(text.contains("flagged: cash_exactly_1000"), "{text}");
    // The JSON form carries the same facts.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["flagged_negatives"][0]["negative"]["kind"],
        "cash_exactly_1000"
    );
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let bad_labels = write(
        dir.path(),
        "l.csv",
        "category,village_code,subject_id\nnot_a_category,1,2\n",
    );
    assert!(eval::read_labels(&bad_labels).is_err());
    let no_column = write(dir.path(), "f.csv", "\u{feff}rule,category\nX,kinship\n");
    assert!(eval::read_findings(&no_column).is_err());
    let bad_kind = write(
        dir.path(),
        "n.csv",
        "kind,village_code,subject_id\nnope,1,2\n",
    );
    assert!(eval::read_negatives(&bad_kind).is_err());
    // A BOM before the first header is not part of its name.
    let bom = write(
        dir.path(),
        "g.csv",
        "\u{feff}category,village_code,subject_id,related_ids\nkinship,1,A,B;C\n",
    );
    let fs = eval::read_findings(&bom).unwrap();
    assert_eq!(fs[0].category, "kinship");
    assert_eq!(fs[0].related_ids, vec!["B", "C"]);
}
