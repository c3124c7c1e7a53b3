//! `--mask-pii` end to end (issue 22): every id number and bank account of
//! the input, looked for whole in every byte of every output a masked run
//! and the masked `cases` commands write: findings.csv, findings.jsonl,
//! run.json, report.html, the console output of `cases list` / `cases show`,
//! and every part of the exported workbook (unzipped).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use weiquan::dataset::id_number::{PartyId, parse_party};

fn weiquan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weiquan"))
}

fn run(args: &[&str], dir: &Path) -> Vec<u8> {
    let o = weiquan().current_dir(dir).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "weiquan {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// Columns of the contract that hold a person's id number or an account.
const SECRET_COLUMNS: [&str; 7] = [
    "id_number",
    "cadre_id_number",
    "counterparty_id",
    "vendor_id_number",
    "vendor_legal_rep_id",
    "bank_account",
    "counterparty_account",
];

/// Every id number and account the input's tables hold (an organisation's
/// credit code is public and left out; Excel's `3.70102E+17` holds no id).
fn secrets(data: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(data).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".csv") || name.starts_with("labels") || name.starts_with("negatives") {
            continue;
        }
        let mut r = csv::Reader::from_path(&path).unwrap();
        let headers = r.headers().unwrap().clone();
        let cols: Vec<usize> = (0..headers.len())
            .filter(|&i| SECRET_COLUMNS.contains(&headers[i].trim_start_matches('\u{feff}')))
            .collect();
        for rec in r.records() {
            let rec = rec.unwrap();
            for &i in &cols {
                let v = rec[i].trim();
                if v.is_empty()
                    || v.contains("E+")
                    || matches!(parse_party(v), PartyId::CreditCode(_))
                {
                    continue;
                }
                out.insert(v.to_string());
            }
        }
    }
    out
}

/// Each output as (name, bytes); an xlsx contributes each of its parts.
fn outputs(paths: &[&Path], extra: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut all = extra;
    for p in paths {
        let files: Vec<_> = if p.is_dir() {
            std::fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect()
        } else {
            vec![p.to_path_buf()]
        };
        for f in files {
            let name = f.display().to_string();
            if name.ends_with(".xlsx") {
                let mut z = zip::ZipArchive::new(std::fs::File::open(&f).unwrap()).unwrap();
                for i in 0..z.len() {
                    let mut part = z.by_index(i).unwrap();
                    let mut b = Vec::new();
                    part.read_to_end(&mut b).unwrap();
                    let part_name = part.name().map(|n| n.to_string()).unwrap_or_default();
                    all.push((format!("{name}:{part_name}"), b));
                }
            } else {
                all.push((name, std::fs::read(&f).unwrap()));
            }
        }
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

#[test]
fn mask_pii_leaves_no_id_number_or_account_of_the_input_in_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    run(
        &[
            "gen",
            "--villages",
            "3",
            "--seed",
            "22",
            "--style",
            "clean",
            "-q",
            "--out",
            "data",
        ],
        dir,
    );
    run(
        &[
            "scan",
            "data",
            "--out",
            "o",
            "--db",
            "w.db",
            "--mask-pii",
            "-q",
        ],
        dir,
    );
    let csv = std::fs::read_to_string(dir.join("o/findings.csv")).unwrap();
    let first_id = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let cases = |args: &[&str]| -> (String, Vec<u8>) {
        let mut a = vec!["cases", "--db", "w.db"];
        a.extend_from_slice(args);
        (format!("{args:?}"), run(&a, dir))
    };
    let printed = vec![
        cases(&["list", "--mask-pii"]),
        cases(&["list", "--mask-pii", "--json"]),
        cases(&["show", "--mask-pii", &first_id]),
        cases(&["show", "--mask-pii", "--json", &first_id]),
        cases(&["export", "--mask-pii", "--xlsx", "cases.xlsx"]),
    ];
    let all = outputs(&[&dir.join("o"), &dir.join("cases.xlsx")], printed);
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "findings.csv",
        "findings.jsonl",
        "report.html",
        "run.json",
        "sheet1.xml",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} not looked at: {names:?}"
        );
    }

    let secrets = secrets(&dir.join("data"));
    assert!(secrets.len() > 1000, "{} ids and accounts", secrets.len());
    // The findings do quote these people: masked, not absent.
    assert!(csv.contains("********"), "nothing masked in findings.csv");
    // The search finds what is there: the same scan unmasked quotes them.
    run(&["scan", "data", "--out", "plain", "--no-db", "-q"], dir);
    let plain = std::fs::read(dir.join("plain/findings.csv")).unwrap();
    assert!(secrets.iter().any(|s| contains(&plain, s.as_bytes())));
    let mut leaks = Vec::new();
    for s in &secrets {
        for (name, bytes) in &all {
            if contains(bytes, s.as_bytes()) {
                leaks.push(format!("{s} in {name}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks, e.g. {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(10)]
    );
}
