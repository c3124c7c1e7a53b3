//! `weiquan tune`: sweeps, grids, best-F1 marking, plots, `--write` round trip.

use std::path::{Path, PathBuf};
use std::process::Command;

use weiquan::config::RulesConfig;
use weiquan::tune::{self, RunOptions};

fn weiquan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weiquan"))
}

/// The SPL001 `fire` fixture with labels. Its four vendors: village 1 two
/// pieces 95,000 + 93,400 (tender line); village 2 60,000 + 55,000, 50 days
/// apart (tender line); village 3 70,000 + 45,000 (tender line); village 4
/// an individual 28,000 + 26,500 (decision line).
fn dataset(tmp: &Path, labelled: &[(&str, &str)]) -> PathBuf {
    let d = tmp.join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::copy(
        crate::common::fixture("split_contracts/fire/contracts.csv"),
        d.join("contracts.csv"),
    )
    .unwrap();
    let mut labels = String::from("category,village_code,subject_id,note\n");
    for (v, s) in labelled {
        labels.push_str(&format!("split_contract,{v},{s},planted\n"));
    }
    // A case of another category: not counted.
    labels.push_str("cash_payment,370102001001,PZ-1,other category\n");
    std::fs::write(d.join("labels.csv"), labels).unwrap();
    d
}

const V1: (&str, &str) = ("370102001001", "91370102MA3C0001AB");
const V2: (&str, &str) = ("370102001002", "宏远土石方有限公司");
const V4: (&str, &str) = ("370102001004", "370102198008080032");

fn opts(data: &Path, out: &Path, params: &[&str]) -> RunOptions {
    RunOptions {
        dataset: data.to_path_buf(),
        rule: "SPL001".into(),
        params: params.iter().map(|s| s.to_string()).collect(),
        out: out.to_path_buf(),
        ..Default::default()
    }
}

fn row(r: &tune::TuneResult, v: f64) -> &tune::Point {
    r.points.iter().find(|p| p.values[0] == v).unwrap()
}

#[test]
fn sweep_gives_the_expected_table_and_marks_default_and_best() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path(), &[V1, V2, V4]);
    let out = tmp.path().join("out");
    let o = tune::run(
        &RulesConfig::builtin(),
        &opts(&data, &out, &["tender-threshold=80000..130000:10000"]),
    )
    .unwrap();
    let r = &o.result;
    let xs: Vec<f64> = r.points.iter().map(|p| p.values[0]).collect();
    assert_eq!(
        xs,
        [80000.0, 90000.0, 100000.0, 110000.0, 120000.0, 130000.0]
    );
    // findings: below 95,000 village 1's pieces are over the line; from
    // 115,000 on villages 2 and 3 add up to less than the line.
    let findings: Vec<usize> = r.points.iter().map(|p| p.findings).collect();
    assert_eq!(findings, [3, 3, 4, 4, 2, 2], "{}", r.render());
    let s = row(r, 100000.0).score.as_ref().unwrap();
    assert_eq!(
        (s.true_positives, s.false_positives, s.misses),
        (3, 1, 0),
        "{}",
        r.render()
    );
    let s = row(r, 120000.0).score.as_ref().unwrap();
    assert_eq!((s.true_positives, s.false_positives, s.misses), (2, 0, 1));
    assert_eq!(
        r.labels,
        Some(3),
        "other categories' labels are not counted"
    );
    // 100,000 and 110,000 tie on F1 = 6/7: the one at the default wins.
    assert_eq!(r.base, Some(2));
    assert_eq!(r.best, Some(2));
    assert!((row(r, 110000.0).f1().unwrap() - 6.0 / 7.0).abs() < 1e-9);
    let table = r.render();
    assert!(table.contains("<- default, best F1"), "{table}");
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("80000"),
        "{table}"
    );
    // tune.csv, one row per value.
    let csv = std::fs::read_to_string(out.join("tune.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 7, "{csv}");
    assert!(lines[0].starts_with("tender-threshold,findings,high,tp,fp,fn,precision,recall,f1"));
    assert!(lines[3].starts_with("100000,4,"), "{csv}");
    assert!(lines[3].contains(",true,true,"), "{csv}");
}

#[test]
fn best_f1_can_differ_from_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    // Only village 1 and 4 are real: a higher line loses nothing.
    let data = dataset(tmp.path(), &[V1, V4]);
    let out = tmp.path().join("out");
    let o = tune::run(
        &RulesConfig::builtin(),
        &opts(&data, &out, &["tender-threshold=100000..130000:10000"]),
    )
    .unwrap();
    let r = &o.result;
    // 120,000 and 130,000 both reach F1 = 1; 120,000 is nearer the default.
    assert_eq!(r.best.map(|i| r.points[i].values[0]), Some(120000.0));
    assert_eq!(r.points[r.best.unwrap()].f1(), Some(1.0));
    assert!(r.render().contains("<- best F1"));
}

#[test]
fn tie_goes_to_the_point_nearest_the_default() {
    let axis = tune::Axis {
        key: "tender-threshold".into(),
        integer: false,
        values: vec![50.0, 60.0, 70.0, 80.0],
        base: 75.0,
        shipped: 75.0,
    };
    let pt = |v: f64, tp: usize| {
        let mut score = weiquan::eval::evaluate(&[], &[], &[]).total;
        score.f1 = Some(tp as f64 / 10.0);
        tune::Point {
            values: vec![v],
            findings: 0,
            high: 0,
            score: Some(score),
            negatives_flagged: None,
            millis: 0,
        }
    };
    let pts = vec![pt(50.0, 9), pt(60.0, 5), pt(70.0, 9), pt(80.0, 9)];
    // 70 and 80 are both 5 from 75: the first of them.
    assert_eq!(tune::best_point(&pts, std::slice::from_ref(&axis)), Some(2));
    let pts = vec![pt(50.0, 9), pt(60.0, 9), pt(70.0, 5), pt(80.0, 8)];
    assert_eq!(tune::best_point(&pts, &[axis]), Some(1));
}

#[test]
fn grid_sweeps_every_cell_and_writes_long_and_matrix_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path(), &[V1, V2, V4]);
    let out = tmp.path().join("out");
    let o = tune::run(
        &RulesConfig::builtin(),
        &opts(
            &data,
            &out,
            &["tender-threshold=100000,120000", "window-days=30..90:60"],
        ),
    )
    .unwrap();
    let r = &o.result;
    let cells: Vec<(f64, f64, usize)> = r
        .points
        .iter()
        .map(|p| (p.values[0], p.values[1], p.findings))
        .collect();
    // The 宏远 pieces are 50 days apart: out of a 30-day window.
    assert_eq!(
        cells,
        [
            (100000.0, 30.0, 3),
            (100000.0, 90.0, 4),
            (120000.0, 30.0, 2),
            (120000.0, 90.0, 2)
        ]
    );
    assert_eq!(r.base, Some(1));
    assert_eq!(r.best, Some(1));
    let long = std::fs::read_to_string(out.join("tune.csv")).unwrap();
    assert!(long.starts_with("tender-threshold,window-days,findings,"));
    assert_eq!(long.lines().count(), 5);
    let m = std::fs::read_to_string(out.join("tune-findings.csv")).unwrap();
    assert_eq!(
        m.lines().collect::<Vec<_>>(),
        [
            "tender-threshold \\ window-days,30,90",
            "100000,3,4",
            "120000,2,2"
        ]
    );
    assert!(out.join("tune-f1.csv").is_file());
    let (w, h) = png_size(&out.join("tune.png"));
    assert_eq!((w, h), weiquan::tune::plot::GRID_SIZE);
}

fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    // Not blank: the plot drew something other than the background.
    let px = &buf[..info.buffer_size()];
    assert!(px.iter().any(|b| *b != 255), "blank image");
    (info.width, info.height)
}

#[test]
fn plots_are_written_and_decode() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path(), &[V1, V2, V4]);
    let out = tmp.path().join("out");
    tune::run(
        &RulesConfig::builtin(),
        &opts(&data, &out, &["tender-threshold=50000..150000:10000"]),
    )
    .unwrap();
    assert_eq!(png_size(&out.join("tune.png")), tune::plot::LINE_SIZE);
    let svg = std::fs::read_to_string(out.join("tune.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
    assert!(svg.contains("SPL001 化整为零 招标限额 扫描"));
    assert!(svg.contains("招标限额（元）"));
    assert!(svg.contains("最佳F1"));
}

#[test]
fn without_labels_only_queue_sizes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path(), &[V1]);
    let out = tmp.path().join("out");
    let mut o = opts(&data, &out, &["min-pieces=2..4"]);
    o.no_labels = true;
    let r = tune::run(&RulesConfig::builtin(), &o).unwrap().result;
    assert_eq!(r.labels, None);
    assert_eq!(r.best, None);
    let findings: Vec<usize> = r.points.iter().map(|p| p.findings).collect();
    assert_eq!(findings, [4, 0, 0]);
    assert!(!r.render().contains("precision"));
    assert!(out.join("tune.png").is_file());
}

#[test]
fn bad_params_are_clear_errors() {
    let rule = weiquan::rules::find("SPL001").unwrap();
    let base = rule.default_params();
    let err = |spec: &str| {
        tune::parse_axis(spec, rule, &base)
            .err()
            .unwrap_or_else(|| panic!("{spec} accepted"))
            .to_string()
    };
    assert!(err("tender-threshold").contains("NAME=FROM..TO"));
    assert!(err("tender-threshold=abc..5").contains("`abc` is not a number"));
    assert!(err("tendered-methods=1..2").contains("is a list"));
    assert!(err("link-legal-rep=0..1").contains("true/false"));
    assert!(err("nope=1..2").contains("no parameter `nope`"));
    assert!(err("window-days=10..20:2.5").contains("whole number"));
    assert!(
        err("tender-threshold=-10000..50000:10000")
            .contains("tender-threshold = -10000 is outside its valid range (≥ 0)")
    );
    assert!(
        err("near-line-share=0.5..1.5:0.5")
            .contains("near-line-share = 1.5 is outside its valid range (0–1)")
    );
    assert!(err("tender-threshold=5..1").contains("backwards"));
    assert!(err("tender-threshold=1..2:0").contains("step"));
    assert!(err("tender-threshold=0..1e9:1").contains("at most"));
    // Snake case is accepted; integers step by 1; the default joins the range.
    let a = tune::parse_axis("window_days=88..91", rule, &base).unwrap();
    assert_eq!(a.values, [88.0, 89.0, 90.0, 91.0]);
    assert!(a.integer);
    let a = tune::parse_axis("tender-threshold=95000..125000:20000", rule, &base).unwrap();
    assert_eq!(a.values, [95000.0, 100000.0, 115000.0]);
    let a = tune::parse_axis("near-line-share=0.7..0.9:0.1", rule, &base).unwrap();
    assert_eq!(a.values, [0.7, 0.8, 0.9]);
}

#[test]
fn cli_bad_param_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path(), &[V1]);
    for spec in [
        "tender-threshold:5",
        "tender-threshold=1..x",
        "window-days=-5..5",
    ] {
        let o = weiquan()
            .args(["tune", "--rule", "SPL001", "--param", spec, "--out"])
            .arg(tmp.path().join("out"))
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{spec}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--param"), "{spec}: {err}");
        assert!(!tmp.path().join("out").exists());
    }
    let o = weiquan()
        .args(["tune", "--rule", "NOPE1", "--param", "x=1..2"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn write_round_trip_and_scan_records_the_difference() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path(), &[V1, V4]);
    let out = tmp.path().join("out");
    let written = tmp.path().join("tuned.toml");
    // `tune --rule SPL001 --param PARAM [EXTRA…] --write tuned.toml`
    let tune_write = |param: &str, extra: &[&str]| {
        weiquan()
            .args(["tune", "--rule", "SPL001", "--param", param])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .arg("--write")
            .arg(&written)
            .arg(&data)
            .output()
            .unwrap()
    };
    let o = tune_write("tender-threshold=100000..130000:10000", &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("tender-threshold = 120000 written to"),
        "{stdout}"
    );
    // The written file parses and equals the default except the swept key.
    let cfg = RulesConfig::from_file(&written).unwrap();
    let diff = cfg.differences_from_default();
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!(diff[0].0, "SPL001");
    assert_eq!(diff[0].1, "tender-threshold");
    assert_eq!(diff[0].2.as_float(), Some(120000.0));
    // A scan with it records the difference in run.json.
    let scan_out = tmp.path().join("scan");
    let st = weiquan()
        .args(["scan", "--quiet", "--no-db", "--rules"])
        .arg(&written)
        .arg("--out")
        .arg(&scan_out)
        .arg(&data)
        .status()
        .unwrap();
    assert!(st.success());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scan_out.join("run.json")).unwrap()).unwrap();
    let d = m["params_differing_from_default"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["rule"], "SPL001");
    assert_eq!(d[0]["param"], "tender-threshold");
    assert_eq!(d[0]["value"], 120000.0);

    // --choose overrides the best; it must be a valid value.
    let o = tune_write("window-days=30..90:30", &["--choose", "45"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cfg = RulesConfig::from_file(&written).unwrap();
    assert_eq!(
        cfg.setting("SPL001").unwrap().params["window-days"].as_integer(),
        Some(45)
    );
    let o = tune_write("window-days=30..90:30", &["--choose", "4.5"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn sweep_on_generated_data_peaks_at_the_generators_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("g10");
    weiquan::r#gen::generate(&weiquan::r#gen::GenOptions {
        villages: 10,
        seed: 22,
        style: weiquan::r#gen::Style::Clean,
        out: data.clone(),
    })
    .unwrap();
    let out = tmp.path().join("out");
    let o = opts(&data, &out, &["tender-threshold=80000..120000:20000"]);
    let r = tune::run(&RulesConfig::builtin(), &o).unwrap().result;
    assert!(r.labels.unwrap() > 0);
    assert!(r.negatives.unwrap() > 0, "negatives.csv is read by default");
    // The category's other rule ran once and is graded with SPL001.
    assert_eq!(
        r.companions
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>(),
        ["SPL002"]
    );
    let (lo, mid) = (&r.points[0], &r.points[1]);
    assert!(lo.findings < mid.findings, "{}", r.render());
    assert_eq!(
        mid.score.as_ref().unwrap().recall,
        Some(1.0),
        "{}",
        r.render()
    );
    assert!(lo.score.as_ref().unwrap().recall.unwrap() < 1.0);
    // 100,000 (the generator's line) and 120,000 tie: the default wins.
    assert_eq!(r.best, Some(1), "{}", r.render());
    assert_eq!(r.base, Some(1));
    let mut o = o;
    o.alone = true;
    let alone = tune::run(&RulesConfig::builtin(), &o).unwrap().result;
    assert!(alone.companions.is_empty());
    assert_eq!(alone.points[1].findings, mid.findings);
}
