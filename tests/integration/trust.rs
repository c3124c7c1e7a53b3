//! Trust: formula injection in every writer, markup in report.html,
//! owner-only files, keyed pseudonyms under --mask-pii, no network code,
//! determinism across thread counts, broken pipes, and the exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn weiquan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weiquan"))
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Cash payments over the limit whose voucher numbers (the findings'
/// subject, quoted in the message) are formulas and markup.
const EVIL: [&str; 6] = [
    "=HYPERLINK(\"http://x\";\"y\")",
    "+1+cmd|'/Ccalc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "＝1+1",
    "<script>alert(1)</script>",
];

fn evil_dataset(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut w = csv::Writer::from_path(data.join("ledger.csv")).unwrap();
    w.write_record([
        "village_code",
        "voucher_no",
        "date",
        "direction",
        "amount",
        "summary",
        "counterparty",
        "payment_method",
    ])
    .unwrap();
    for (i, v) in EVIL.iter().enumerate() {
        w.write_record([
            "370102001001",
            v,
            &format!("2025-03-{:02}", i + 1),
            "支出",
            "1500.00",
            "=购买办公用品",
            &format!("@张{i}<b>x</b>"),
            "现金",
        ])
        .unwrap();
    }
    w.flush().unwrap();
    data
}

/// `scan --no-db` of [`evil_dataset`] under `dir`; the output folder.
fn scan_evil(dir: &Path) -> PathBuf {
    let data = evil_dataset(dir);
    let out = dir.join("out");
    ok(weiquan()
        .args(["scan", "--quiet", "--no-db", "--out"])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap());
    out
}

fn starts_like_formula(s: &str) -> bool {
    matches!(
        s.trim_start().chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠')
    )
}

#[test]
fn findings_csv_neutralises_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let out = scan_evil(tmp.path());
    let mut r = csv::Reader::from_path(out.join("findings.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let mut subjects = vec![];
    for rec in r.records() {
        let rec = rec.unwrap();
        for (h, cell) in headers.iter().zip(rec.iter()) {
            if h == "amount" {
                continue; // a number: -12.50 is a reversal, not a formula
            }
            assert!(!starts_like_formula(cell), "{h} = {cell:?} would run");
        }
        subjects.push(rec.get(6).unwrap().to_string());
    }
    // Each voucher is there, as text behind a quote.
    for v in [
        "'=HYPERLINK(",
        "'+1+CMD|'/CCALC'!A0",
        "'-2+3",
        "'@SUM(A1:A9)",
        "'=1+1",
    ] {
        assert!(
            subjects.iter().any(|s| s.starts_with(v)),
            "{v} not found in {subjects:?}"
        );
    }
    // findings.jsonl is data, not a spreadsheet: values stay as they are.
    let jsonl = std::fs::read_to_string(out.join("findings.jsonl")).unwrap();
    assert!(jsonl.contains("\"subject_id\":\"-2+3\""), "{jsonl}");
}

#[test]
fn report_html_shows_markup_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let out = scan_evil(tmp.path());
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    // The data (the script payload) never holds a raw `<`: it cannot close
    // the <script> element it lives in, and every cell is set as text.
    assert!(!page.contains("<script>alert(1)"), "raw markup in the page");
    assert!(!page.contains("<b>x"), "raw markup in the page");
    assert!(
        page.contains("\\u003cSCRIPT\\u003eALERT(1)\\u003c/SCRIPT\\u003e")
            || page.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e")
    );
    assert_eq!(
        page.matches("<script").count(),
        page.matches("</script>").count()
    );
    assert!(
        !page.contains("innerHTML"),
        "cells must be set with textContent"
    );
    // Nothing is fetched: a strict Content-Security-Policy.
    assert!(page.contains("default-src 'none'"));
}

#[test]
fn triage_workbook_neutralises_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let data = evil_dataset(tmp.path());
    let (out, db) = (tmp.path().join("out"), tmp.path().join("w.db"));
    ok(weiquan()
        .args(["scan", "--quiet", "--out"])
        .arg(&out)
        .arg("--db")
        .arg(&db)
        .arg(&data)
        .output()
        .unwrap());
    for mask in [false, true] {
        let xlsx = tmp.path().join(format!("cases-{mask}.xlsx"));
        let mut args = vec!["cases", "--db", db.to_str().unwrap(), "export", "--xlsx"];
        args.push(xlsx.to_str().unwrap());
        if mask {
            args.push("--mask-pii");
        }
        ok(weiquan().args(&args).output().unwrap());
        let sheet = unzip_entry(&xlsx, "xl/worksheets/sheet1.xml");
        let styles = unzip_entry(&xlsx, "xl/styles.xml");
        assert!(!sheet.contains("<f>"), "a formula was written");
        // Every formula-like string cell carries a quote-prefix style.
        let quoted = quote_prefixed_styles(&styles);
        let strings = shared_strings(&xlsx);
        let mut n = 0;
        for cell in sheet.split("<c ").skip(1) {
            if !cell.contains("t=\"s\"") {
                continue;
            }
            let idx: usize = between(cell, "<v>", "</v>").parse().unwrap();
            if starts_like_formula(&strings[idx]) {
                n += 1;
                let style: usize = between(cell, "s=\"", "\"").parse().unwrap_or(0);
                assert!(
                    quoted.contains(&style),
                    "{:?} without quote prefix",
                    strings[idx]
                );
            }
        }
        assert!(n >= 5, "formula-like cells exported: {n}");
        assert_private(&xlsx);
    }
}

fn between<'a>(s: &'a str, a: &str, b: &str) -> &'a str {
    let i = s.find(a).map(|i| i + a.len()).unwrap_or(0);
    let j = s[i..].find(b).map(|j| i + j).unwrap_or(i);
    &s[i..j]
}

fn quote_prefixed_styles(styles: &str) -> Vec<usize> {
    let xfs = between(styles, "<cellXfs", "</cellXfs>");
    xfs.split("<xf ")
        .skip(1)
        .enumerate()
        .filter(|(_, x)| x.contains("quotePrefix=\"1\""))
        .map(|(i, _)| i)
        .collect()
}

fn shared_strings(xlsx: &Path) -> Vec<String> {
    let sst = unzip_entry(xlsx, "xl/sharedStrings.xml");
    sst.split("<si>")
        .skip(1)
        .map(|si| {
            let t = between(si, "<t", "</t>");
            let t = &t[t.find('>').map_or(0, |i| i + 1)..];
            t.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
        })
        .collect()
}

fn unzip_entry(xlsx: &Path, entry: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut z.by_name(entry).unwrap(), &mut s).unwrap();
    s
}

#[cfg(unix)]
fn assert_private(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "{} is {mode:o}", p.display());
}
#[cfg(not(unix))]
fn assert_private(_: &Path) {}

#[test]
fn every_output_is_owner_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(weiquan()
        .args(["scan", "--quiet", "--out"])
        .arg(&out)
        .arg(crate::common::fixture("eligibility/fire"))
        .output()
        .unwrap());
    assert_private(&out);
    for f in ["findings.csv", "findings.jsonl", "run.json", "report.html"] {
        assert_private(&out.join(f));
    }
    assert_private(&tmp.path().join("weiquan.db"));
}

fn column(csv_path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(csv_path).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|x| x.unwrap()[i].to_string()).collect()
}

/// Masked outputs show keyed pseudonyms of finding and case ids: the real
/// ids (unkeyed hashes of facts that hold id numbers) never appear, the
/// pseudonyms are stable for one store and differ between stores, and the
/// officer can still open a case by its masked id.
#[test]
fn mask_pii_ids_are_keyed_pseudonyms() {
    let tmp = tempfile::tempdir().unwrap();
    let fx = crate::common::fixture("eligibility/fire");
    let scan = |out: &str, db: &str, mask: bool| -> PathBuf {
        let out = tmp.path().join(out);
        let mut c = weiquan();
        c.args(["scan", "--quiet", "--out"]).arg(&out);
        c.arg("--db").arg(tmp.path().join(db));
        if mask {
            c.arg("--mask-pii");
        }
        ok(c.arg(&fx).output().unwrap());
        out
    };
    let plain = scan("plain", "a.db", false);
    let m1 = scan("m1", "a.db", true);
    let m2 = scan("m2", "a.db", true);
    let other = scan("m3", "b.db", true);
    let real = column(&plain.join("findings.csv"), "finding_id");
    let masked = column(&m1.join("findings.csv"), "finding_id");
    assert!(!real.is_empty());
    assert_eq!(real.len(), masked.len());
    for (r, m) in real.iter().zip(&masked) {
        assert_ne!(r, m);
        assert_eq!(m.len(), 16);
        assert!(!real.contains(m), "a masked id is a real one");
    }
    assert_eq!(
        masked,
        column(&m2.join("findings.csv"), "finding_id"),
        "stable per store"
    );
    assert_ne!(
        masked,
        column(&other.join("findings.csv"), "finding_id"),
        "keyed per store"
    );
    // Unmasked ids do not depend on the store.
    let plain_b = scan("plain-b", "b.db", false);
    assert_eq!(real, column(&plain_b.join("findings.csv"), "finding_id"));

    // Case ids: the listing, the page and the workbook show pseudonyms.
    let db = tmp.path().join("a.db");
    let list = |mask: bool| -> Vec<serde_json::Value> {
        let mut a = vec![
            "cases",
            "--db",
            db.to_str().unwrap(),
            "list",
            "--all",
            "--json",
        ];
        if mask {
            a.push("--mask-pii");
        }
        ok(weiquan().args(&a).output().unwrap())
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (real_cases, masked_cases) = (list(false), list(true));
    let page = std::fs::read_to_string(m1.join("report.html")).unwrap();
    let plain_page = std::fs::read_to_string(plain.join("report.html")).unwrap();
    for (r, m) in real_cases.iter().zip(&masked_cases) {
        let (r_id, m_id) = (
            r["case_id"].as_str().unwrap(),
            m["case_id"].as_str().unwrap(),
        );
        assert_ne!(r_id, m_id);
        assert_ne!(r["fingerprint"], m["fingerprint"]);
        assert!(!page.contains(r_id), "masked page shows a real case id");
        assert!(plain_page.contains(r_id));
        assert!(page.contains(m_id), "masked page lacks the masked case id");
        // `cases show` accepts the masked id.
        let shown = ok(weiquan()
            .args([
                "cases",
                "--db",
                db.to_str().unwrap(),
                "show",
                m_id,
                "--json",
                "--mask-pii",
            ])
            .output()
            .unwrap());
        let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(v["case"]["case_id"], m_id);
    }
    for r in &real {
        assert!(
            !page.contains(r.as_str()),
            "masked page shows a real finding id"
        );
    }
    // An officer edits a masked workbook: the edit lands on the real case.
    let m_id = masked_cases[0]["case_id"].as_str().unwrap();
    let r_id = real_cases[0]["case_id"].as_str().unwrap();
    let edited = tmp.path().join("edited.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("线索").unwrap();
    ws.write_string(0, 0, "线索编号").unwrap();
    ws.write_string(0, 1, "处理状态").unwrap();
    ws.write_string(1, 0, m_id).unwrap();
    ws.write_string(1, 1, "处理中").unwrap();
    wb.save(&edited).unwrap();
    let said = ok(weiquan()
        .args(["cases", "--db", db.to_str().unwrap(), "import"])
        .arg(&edited)
        .output()
        .unwrap());
    assert!(said.contains("1 case(s) changed"), "{said}");
    let after = list(false);
    let case = after.iter().find(|c| c["case_id"] == r_id).unwrap();
    assert_eq!(case["status"], "open");
    // The key is in the store and nowhere in the outputs.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let key: Vec<u8> = conn
        .query_row(
            "SELECT value FROM secrets WHERE name = 'pii_key'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(key.len(), 32);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    for f in ["findings.csv", "findings.jsonl", "run.json", "report.html"] {
        assert!(!std::fs::read_to_string(m1.join(f)).unwrap().contains(&hex));
    }
}

/// No networking in weiquan's own code: no sockets, no HTTP client, and
/// polars is never handed a path or URL string (it is linked with its
/// cloud readers; those are only reachable through path-based scans).
#[test]
fn no_network_code_in_the_sources() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let src_root = src.clone();
    let banned = [
        "std::net",
        "TcpStream",
        "UdpSocket",
        "TcpListener",
        "reqwest",
        "hyper",
        "ureq",
        "object_store",
        "scan_csv",
        "scan_parquet",
        "LazyCsvReader",
        "try_into_reader_with_file_path",
        "PlPath",
        "CloudOptions",
    ];
    let mut stack = vec![src];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files += 1;
                let text = std::fs::read_to_string(&p).unwrap();
                // `weiquan serve` listens (on loopback unless told
                // otherwise); like everything else it connects nowhere.
                let server = p.starts_with(src_root.join("serve")) || p.ends_with("cli/serve.rs");
                for b in banned {
                    if server && ["std::net", "TcpListener"].contains(&b) {
                        continue;
                    }
                    assert!(!text.contains(b), "{} uses {b}", p.display());
                }
            }
        }
    }
    assert!(files > 20);
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps = between(&manifest, "[dependencies]", "[dev-dependencies]");
    // tokio is asked for as `serve`'s runtime (a listener, no client).
    for b in [
        "reqwest",
        "hyper",
        "ureq",
        "object_store",
        "\"cloud\"",
        "\"http\"",
    ] {
        assert!(!deps.contains(b), "Cargo.toml asks for {b}");
    }
}

/// The same input gives byte-identical findings.csv and findings.jsonl
/// with 1 or 2 threads (rayon and polars) and across runs.
#[test]
fn findings_are_identical_across_thread_counts_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(weiquan()
        .args([
            "gen",
            "--quiet",
            "--villages",
            "3",
            "--seed",
            "11",
            "--style",
            "messy",
            "--out",
        ])
        .arg(&data)
        .output()
        .unwrap());
    let mut outputs: Vec<(String, Vec<u8>, Vec<u8>)> = vec![];
    for (threads, run) in [("1", 1), ("2", 1), ("1", 2), ("2", 2), ("4", 1)] {
        let out = tmp.path().join(format!("out-{threads}-{run}"));
        ok(weiquan()
            .env("RAYON_NUM_THREADS", threads)
            .env("POLARS_MAX_THREADS", threads)
            .args(["scan", "--quiet", "--no-db", "--out"])
            .arg(&out)
            .arg(&data)
            .output()
            .unwrap());
        outputs.push((
            format!("{threads} thread(s), run {run}"),
            std::fs::read(out.join("findings.csv")).unwrap(),
            std::fs::read(out.join("findings.jsonl")).unwrap(),
        ));
    }
    let (name0, csv0, jsonl0) = &outputs[0];
    assert!(csv0.len() > 1000, "the dataset gives findings");
    for (name, csv, jsonl) in &outputs[1..] {
        assert!(csv == csv0, "findings.csv differs: {name} vs {name0}");
        assert!(jsonl == jsonl0, "findings.jsonl differs: {name} vs {name0}");
    }
}

/// `weiquan X | head -1`: the reader goes away; the command stops quietly
/// with exit 0, no panic. The pipe's read end is closed before the command
/// starts, so every write fails.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let db = tmp.path().join("weiquan.db");
    let fx = crate::common::fixture("cash_payment/fire");
    let db_s = db.to_str().unwrap().to_string();
    let out_s = out.to_str().unwrap().to_string();
    let fx_s = fx.to_str().unwrap().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["coverage"],
        vec!["rules"],
        vec!["explain", "CSH001"],
        vec!["--help"],
        vec!["scan", "--out", &out_s, "--db", &db_s, &fx_s],
        vec!["cases", "--db", &db_s, "list"],
        vec!["cases", "--db", &db_s, "list", "--json"],
        vec!["cases", "--db", &db_s, "runs"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = weiquan()
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
    assert!(
        out.join("findings.csv").is_file(),
        "scan finished its outputs"
    );
}

#[test]
fn exit_codes_are_documented_and_used() {
    let help = ok(weiquan().arg("--help").output().unwrap());
    for line in [
        "0  ran",
        "1  bad input",
        "2  bad configuration",
        "3  `scan --fail-on",
        "4  internal error",
    ] {
        assert!(help.contains(line), "--help lacks `{line}`: {help}");
    }
    let trust =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/trust.md"))
            .unwrap();
    assert!(trust.contains("## Exit codes"));
    for code in ["| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |"] {
        assert!(
            trust.contains(code),
            "docs/trust.md lacks exit code row {code}"
        );
    }

    let tmp = tempfile::tempdir().unwrap();
    let fx = crate::common::fixture("cash_payment/fire");
    let code = |args: &[&str]| -> i32 {
        let o = weiquan().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        o.status.code().unwrap()
    };
    let out = tmp.path().join("o");
    let (fx_s, out_s) = (fx.to_str().unwrap(), out.to_str().unwrap());
    // `scan -q --no-db --out OUT ARGS…`
    let scan_to = |out: &str, args: &[&str]| {
        let mut all = vec!["scan", "-q", "--no-db", "--out", out];
        all.extend_from_slice(args);
        code(&all)
    };
    let scan = |args: &[&str]| scan_to(out_s, args);
    // 0: ran, with findings.
    assert_eq!(scan(&[fx_s]), 0);
    // 1: bad input (no dataset there).
    let missing = tmp.path().join("nope");
    assert_eq!(scan(&[missing.to_str().unwrap()]), 1);
    // 2: bad configuration and bad arguments.
    assert_eq!(scan(&["--only", "NOPE01", fx_s]), 2);
    let bad_rules = tmp.path().join("bad.toml");
    std::fs::write(&bad_rules, "[CSH001\n").unwrap();
    assert_eq!(scan(&["--rules", bad_rules.to_str().unwrap(), fx_s]), 2);
    assert_eq!(code(&["scan", "--no-such-flag"]), 2);
    let fail_on = |level: &str, dataset: &str| scan(&["--fail-on", level, dataset]);
    assert_eq!(fail_on("severe", fx_s), 2);
    // 3: --fail-on with findings of that severity or higher (the cash
    // findings are medium); 0 when there are none that high.
    assert_eq!(fail_on("medium", fx_s), 3);
    assert_eq!(fail_on("low", fx_s), 3);
    assert_eq!(fail_on("high", fx_s), 0);
    let clean = crate::common::fixture("clean");
    assert_eq!(fail_on("low", clean.to_str().unwrap()), 0);
    // 4: the output cannot be written (its parent is a file).
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let blocked = file.join("out");
    assert_eq!(scan_to(blocked.to_str().unwrap(), &[fx_s]), 4);
}
