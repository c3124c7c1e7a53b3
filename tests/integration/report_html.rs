//! `report.html` in a real browser: headless Chromium loads the page as
//! `#selftest`, the page drives its own filters and writes what it saw into
//! the DOM, and `--dump-dom` hands it back. Skipped with a message when no
//! Chromium is installed, unless WEIQUAN_REQUIRE_CHROMIUM is set (CI).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use weiquan::finding::{Category, Finding, Outbound, Severity, sort_findings};
use weiquan::report::html::{self, GoneCase, ReportInput, RowTriage};

const XSS: &str = "<script>alert(1)</script><img src=x onerror=\"window.__xss=1\">";

pub(crate) fn chromium() -> Option<PathBuf> {
    let candidates = std::env::var_os("WEIQUAN_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .map(PathBuf::from),
        );
    for c in candidates {
        let ok = Command::new(&c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(c);
        }
    }
    if std::env::var_os("WEIQUAN_REQUIRE_CHROMIUM").is_some() {
        panic!(
            "WEIQUAN_REQUIRE_CHROMIUM is set but no chromium was found (apt-get install chromium)"
        );
    }
    eprintln!(
        "SKIPPED: the report.html browser test needs Chromium (Debian: apt-get install chromium); \
         .ci/run installs it"
    );
    None
}

struct Loaded {
    dom: String,
    selftest: Value,
    console: Vec<String>,
}

/// Load `page#selftest` headless and return the DOM after the page's
/// scripts ran, the page's self-test and every console line.
fn load(browser: &Path, page: &Path) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#selftest", page.canonicalize().unwrap().display());
    let o = Command::new(browser)
        .args(crate::cdp::HEADLESS)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dom = String::from_utf8(o.stdout).unwrap();
    let console = String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    let start = dom
        .find("<pre id=\"wq-selftest\">")
        .unwrap_or_else(|| panic!("the page did not run its self-test:\n{dom}"));
    let body = &dom[start + "<pre id=\"wq-selftest\">".len()..];
    let body = &body[..body.find("</pre>").unwrap()];
    let text = body
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    Loaded {
        dom,
        selftest: serde_json::from_str(&text).unwrap(),
        console,
    }
}

fn f(cat: Category, sev: Severity, village: &str, subject: &str, score: f64) -> Finding {
    let mut x = Finding::new("CSH001", cat, sev, village, subject)
        .score(score)
        .amount(123_456)
        .related([format!("R-{subject}")])
        .message(format!("{subject}的线索，金额1,234.56元"))
        .evidence(json!({"rows": [2, 3], "subject": subject}));
    x.seal();
    x
}

/// 6 hand-made findings (one carrying markup in every text field) and 240
/// low ones, so that the table pages.
fn findings() -> Vec<Finding> {
    let mut v = vec![
        f(
            Category::CashPayment,
            Severity::Medium,
            "V1",
            "V2025-001",
            60.0,
        ),
        f(
            Category::CashPayment,
            Severity::Medium,
            "V1",
            "V2025-002",
            55.0,
        ),
        f(
            Category::Kinship,
            Severity::High,
            "V1",
            "370102199001011234",
            90.0,
        ),
        f(
            Category::Kinship,
            Severity::High,
            "V2",
            "370102199001015678",
            85.0,
        ),
        f(
            Category::InvalidId,
            Severity::Low,
            "V3",
            "37010219900101",
            20.0,
        ),
    ];
    let mut evil = Finding::new("KIN001", Category::Kinship, Severity::High, "V2", XSS)
        .score(80.0)
        .related([XSS.to_string()])
        .message(format!("收款人{XSS}为村干部近亲属"))
        .evidence(json!({"name": XSS, "close": "</script><!--"}));
    evil.seal();
    v.push(evil);
    for i in 0..240 {
        v.push(f(
            Category::WeakSignal,
            Severity::Low,
            "V4",
            &format!("W-{i:03}"),
            10.0,
        ));
    }
    sort_findings(&mut v);
    v
}

fn manifest() -> Value {
    json!({
        "dataset": "/data/历下区<b>x<b>",
        "rows": 1000,
        "rules": [{"code": "ELG001", "run": {"status": "skipped", "reason": "table(s) absent: subsidies"}}],
    })
}

/// Counts the page must show, computed here without the page's code.
fn expected(fs: &[Finding], triage: Option<&BTreeMap<String, RowTriage>>) -> Value {
    let visible: Vec<&Finding> = fs
        .iter()
        .filter(|x| {
            !triage
                .and_then(|t| t.get(&x.finding_id))
                .is_some_and(|t| t.hidden)
        })
        .collect();
    let mut village: BTreeMap<&str, usize> = BTreeMap::new();
    let mut category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut severity: BTreeMap<&str, usize> = [("high", 0), ("medium", 0), ("low", 0)]
        .into_iter()
        .collect();
    let mut mark: BTreeMap<&str, usize> = BTreeMap::new();
    if triage.is_some() {
        mark = [("new", 0), ("reopened", 0), ("recurring", 0)]
            .into_iter()
            .collect();
    }
    for x in &visible {
        *village.entry(&x.village_code).or_default() += 1;
        *category.entry(x.category.as_str()).or_default() += 1;
        *severity.entry(x.severity.as_str()).or_default() += 1;
        if let Some(t) = triage.and_then(|t| t.get(&x.finding_id)) {
            *mark.entry(t.mark.as_str()).or_default() += 1;
        }
    }
    // Categories with no visible finding still have an option (the page
    // lists every category present in the data).
    for x in fs {
        category.entry(x.category.as_str()).or_default();
        village.entry(&x.village_code).or_default();
    }
    json!({"village": village, "category": category, "severity": severity, "mark": mark})
}

fn assert_page(loaded: &Loaded, want: &Value) {
    let st = &loaded.selftest;
    let failed: Vec<&Value> = st["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] != true)
        .collect();
    assert!(failed.is_empty(), "self-test checks failed: {failed:#?}");
    assert_eq!(st["ok"], true);
    for k in ["village", "category", "severity", "mark"] {
        assert_eq!(st["seen"][k], want[k], "counts by {k}");
    }
    assert!(
        loaded.console.is_empty(),
        "console output: {:#?}",
        loaded.console
    );
    // Markup in the data is shown as text, never parsed.
    assert!(!loaded.dom.contains("<script>alert(1)"), "markup injected");
    assert!(!loaded.dom.contains("<img src=\"x\""), "markup injected");
    assert!(!loaded.dom.contains("<b>x"), "markup injected");
}

#[test]
fn report_filters_counts_and_escapes_in_chromium() {
    let Some(browser) = chromium() else { return };
    let fs = findings();
    let mut triage = BTreeMap::new();
    for (i, x) in fs.iter().enumerate() {
        let mark = match i % 3 {
            0 => "new",
            1 => "recurring",
            _ => "reopened",
        };
        triage.insert(
            x.finding_id.clone(),
            RowTriage {
                case_id: x.case_key(),
                mark: mark.to_string(),
                status: if i == 1 { "dismissed" } else { "new" }.to_string(),
                hidden: i == 1,
            },
        );
    }
    let gone = [GoneCase {
        case_id: "00aa00aa00aa00aa".into(),
        rule: "KIN001".into(),
        category: Category::Kinship,
        severity: "high".into(),
        score: 70,
        village_code: "V9".into(),
        subject_id: XSS.into(),
        amount: "10.00".into(),
        message: format!("已消失的线索{XSS}"),
        status: "open".into(),
        gone_since_run: Some(2),
    }];
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    let m = manifest();
    html::write_report(
        &page,
        &ReportInput {
            findings: &Outbound::new(&fs),
            triage: Some(&triage),
            gone: &gone,
            manifest: &m,
            mask_pii: false,
            run_id: Some(3),
        },
    )
    .unwrap();
    let loaded = load(&browser, &page);
    assert_page(&loaded, &expected(&fs, Some(&triage)));
    let names: Vec<&str> = loaded.selftest["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for must in [
        "rows rendered",
        "bars",
        "search",
        "evidence expands",
        "show hidden",
    ] {
        assert!(names.contains(&must), "self-test did not check {must}");
    }
    // Paged: 245 visible, 200 rows drawn.
    assert!(loaded.dom.contains("共 245 条，显示前 200 条"), "paging");
    // The markup-laden finding and the gone case are there, as text.
    assert!(
        loaded
            .dom
            .contains("收款人&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x"),
        "the finding's message is shown escaped"
    );
    assert!(loaded.dom.contains("已消失的线索&lt;script&gt;"));
    assert!(loaded.dom.contains("<svg"), "the chart is drawn");
}

#[test]
fn report_without_a_store_works_in_chromium() {
    let Some(browser) = chromium() else { return };
    let fs = findings();
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    let m = manifest();
    html::write_report(
        &page,
        &ReportInput {
            findings: &Outbound::new(&fs),
            triage: None,
            gone: &[],
            manifest: &m,
            mask_pii: true,
            run_id: None,
        },
    )
    .unwrap();
    let loaded = load(&browser, &page);
    assert_page(&loaded, &expected(&fs, None));
}

#[test]
fn the_page_is_self_contained() {
    let fs = findings();
    let m = manifest();
    let page = html::render(&ReportInput {
        findings: &Outbound::new(&fs),
        triage: None,
        gone: &[],
        manifest: &m,
        mask_pii: false,
        run_id: None,
    });
    // The data block holds no `<`: nothing in it can end the script element.
    let start = page.find("id=\"wq-data\">").unwrap() + 13;
    let end = start + page[start..].find("</script>").unwrap();
    assert!(!page[start..end].contains('<'));
    // Outside the data, no resource from anywhere: no external scripts,
    // styles, images, fonts.
    let page = format!("{}{}", &page[..start], &page[end..]);
    for bad in ["<link", " src=", "@import", "url(", "https://", "//cdn"] {
        assert!(!page.contains(bad), "page refers to `{bad}`");
    }
    let http: Vec<_> = page.match_indices("http://").map(|(i, _)| i).collect();
    for i in http {
        assert!(
            page[i..].starts_with("http://www.w3.org/2000/svg"),
            "page refers to {}",
            &page[i..i + 40]
        );
    }
    assert!(
        page.contains("default-src 'none'"),
        "CSP forbids the network"
    );
    assert!(page.contains("<title>小微权力监督线索 · 历下区&lt;b&gt;x&lt;b&gt;</title>"));
}

#[test]
fn scan_writes_a_masked_report_with_mask_pii() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let st = Command::new(env!("CARGO_BIN_EXE_weiquan"))
        .args(["scan", "--quiet", "--mask-pii", "--out"])
        .arg(&out)
        .arg(crate::common::fixture("eligibility/fire"))
        .status()
        .unwrap();
    assert!(st.success());
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        !page.contains("370102195001010011"),
        "report.html leaks an id"
    );
    assert!(page.contains("370102********0011"));
    assert!(page.contains("\"mask_pii\":true"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("report.html"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "report readable by others: {mode:o}");
    }
    if let Some(browser) = chromium() {
        let loaded = load(&browser, &out.join("report.html"));
        assert_eq!(loaded.selftest["ok"], true, "{}", loaded.selftest);
        assert!(loaded.console.is_empty(), "{:#?}", loaded.console);
    }
}
