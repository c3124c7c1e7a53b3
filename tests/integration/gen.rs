//! `weiquan gen`: determinism, the self-check, coverage of every category
//! and hard-negative kind, and that the messy style loads to the same data
//! as the clean one.

use std::collections::BTreeMap;
use std::path::Path;

use weiquan::dataset::{Dataset, LoadOptions, ROW, TableKind};
use weiquan::finding::Category;
use weiquan::r#gen::{self, GenOptions, NEGATIVE_KINDS, Style};

fn gen_into(dir: &Path, villages: usize, seed: u64, style: Style) -> r#gen::GenReport {
    r#gen::generate(&GenOptions {
        villages,
        seed,
        style,
        out: dir.to_path_buf(),
    })
    .expect("generation succeeds")
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        m.insert(
            p.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&p).unwrap(),
        );
    }
    m
}

#[test]
fn same_seed_gives_identical_files_in_both_styles() {
    for style in [Style::Clean, Style::Messy] {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        gen_into(a.path(), 3, 11, style);
        gen_into(b.path(), 3, 11, style);
        let (fa, fb) = (files(a.path()), files(b.path()));
        assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
        assert_eq!(
            fa.len(),
            r#gen::write::TABLES.len() + 3,
            "every table, labels, negatives, weak signals"
        );
        for (name, bytes) in &fa {
            assert!(bytes == &fb[name], "{style:?}: {name} differs between runs");
        }
    }
    // A different seed is a different street.
    let c = tempfile::tempdir().unwrap();
    let d = tempfile::tempdir().unwrap();
    gen_into(c.path(), 3, 11, Style::Clean);
    gen_into(d.path(), 3, 12, Style::Clean);
    assert_ne!(files(c.path())["labels.csv"], files(d.path())["labels.csv"]);
}

#[test]
fn self_check_rejects_labels_that_disagree_with_the_truth() {
    let world = r#gen::build_world(4, 5).unwrap();
    let labels = r#gen::labels::collect_labels(&world);
    assert!(!labels.is_empty());
    r#gen::self_check(&world, &labels).expect("planted labels agree with the truth");

    // A case dropped from the labels is found in the truth.
    let mut fewer = labels.clone();
    let dropped = fewer.remove(fewer.len() / 2);
    let err = r#gen::self_check(&world, &fewer).unwrap_err();
    assert!(err.contains("in the truth but not labelled"), "{err}");
    assert!(err.contains(&dropped.case.subject), "{err}");

    // A label the truth does not hold is refused.
    let mut more = labels.clone();
    let mut bogus = labels[0].clone();
    bogus.case.subject = "370102199001010000".into();
    more.push(bogus);
    let err = r#gen::self_check(&world, &more).unwrap_err();
    assert!(err.contains("labelled but not in the truth"), "{err}");
}

#[test]
fn forty_villages_hold_eight_cases_of_every_category_and_negative_kind() {
    let dir = tempfile::tempdir().unwrap();
    let report = gen_into(dir.path(), 40, 7, Style::Clean);
    let per_cat = report.labels_per_category();
    for c in Category::ALL {
        if c == Category::WeakSignal {
            // The one weak signal the truth labels: seal uses on rest days.
            let seals = report
                .labels
                .iter()
                .filter(|l| l.case.category == c)
                .all(|l| l.note.contains("用印"));
            assert!(seals, "weak signals are labelled only for seal uses");
            continue;
        }
        let n = per_cat.get(&c).copied().unwrap_or(0);
        assert!(n >= 8, "{c}: only {n} labelled cases at 40 villages");
    }
    let per_kind = report.negatives_per_kind();
    for (k, _) in NEGATIVE_KINDS {
        let n = per_kind.get(k).copied().unwrap_or(0);
        assert!(n >= 8, "{k}: only {n} hard negatives at 40 villages");
    }
    // Realistic volumes per village.
    let rows: BTreeMap<&str, usize> = report
        .tables
        .iter()
        .map(|(t, _, n)| (t.as_str(), *n))
        .collect();
    let per_village = |t: &str| rows[t] / 40;
    assert!(
        (800..=1300).contains(&per_village("households")),
        "{rows:?}"
    );
    assert!((1000..=3000).contains(&per_village("ledger")), "{rows:?}");
    assert!((7..=12).contains(&per_village("hires")), "{rows:?}");
    assert!((15..=50).contains(&per_village("contracts")), "{rows:?}");
    assert_eq!(rows["cadres"], 40 * 7, "{rows:?}");
}

/// Every column of every table as text, without the file row numbers.
fn frames_as_text(ds: &Dataset) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for t in TableKind::ALL {
        // A table the generator does not write is absent from both twins.
        let Some(df) = ds.frame(t) else { continue };
        for c in df.columns() {
            if c.name().as_str() == ROW {
                continue;
            }
            // Dictionary-coded text as its text: the codes come from one
            // process-wide dictionary, so they depend on what other tests
            // loaded first.
            let c = match c.dtype() {
                polars::prelude::DataType::Categorical(..) => {
                    c.cast(&polars::prelude::DataType::String).unwrap()
                }
                _ => c.clone(),
            };
            let vals: Vec<String> = (0..df.height())
                .map(|i| format!("{:?}", c.get(i).unwrap()))
                .collect();
            out.insert(format!("{t}.{}", c.name()), vals);
        }
    }
    out
}

#[test]
fn messy_style_loads_to_the_same_data_as_the_clean_one() {
    let clean = tempfile::tempdir().unwrap();
    let messy = tempfile::tempdir().unwrap();
    let rc = gen_into(clean.path(), 2, 3, Style::Clean);
    let rm = gen_into(messy.path(), 2, 3, Style::Messy);
    // Labels do not depend on the style, but for a wrong 小计 the messy
    // style's office-laid-out contracts may carry.
    let cases = |r: &r#gen::GenReport| -> Vec<_> {
        r.labels
            .iter()
            .filter(|l| l.case.category != Category::WeakSignal)
            .cloned()
            .collect()
    };
    assert_eq!(cases(&rc), cases(&rm), "labels do not depend on the style");
    let fm = files(messy.path());
    assert!(
        fm.contains_key("补贴救助发放花名册.xlsx") && fm.contains_key("工程项目合同.xlsx"),
        "{:?}",
        fm.keys()
    );
    assert!(fm.contains_key("集体资金收支明细.csv"));
    assert!(
        std::str::from_utf8(&fm["集体资金收支明细.csv"]).is_err(),
        "the messy ledger is GBK"
    );
    let dc = Dataset::load(clean.path(), &LoadOptions::default()).unwrap();
    let dm = Dataset::load(messy.path(), &LoadOptions::default()).unwrap();
    let (tc, tm) = (frames_as_text(&dc), frames_as_text(&dm));
    for (k, v) in &tc {
        assert_eq!(v, &tm[k], "column {k} differs between clean and messy");
    }
    // The messy files really are messy.
    let households = String::from_utf8(fm["户籍人口.csv"].clone()).unwrap();
    assert!(households.contains('\u{3000}') || households.contains(" ,"));
    let ledger = encoding_rs::GBK.decode(&fm["集体资金收支明细.csv"]).0;
    assert!(ledger.contains("年") && ledger.contains(','));
    assert_eq!(dc.issues.len(), dm.issues.len());
}

#[test]
fn foundation_rules_score_perfectly_on_generated_data() {
    // The id, cash and eligibility rules predate the generator: their
    // agreement with its labels checks the labels against the real loader.
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), 6, 21, Style::Messy);
    let ds = Dataset::load(dir.path(), &LoadOptions::default()).unwrap();
    let cfg = weiquan::RulesConfig::builtin();
    let res = weiquan::engine::run(&ds, &cfg, &|_| {}).unwrap();
    let findings: Vec<weiquan::eval::EvalFinding> = res
        .findings
        .iter()
        .map(|f| weiquan::eval::EvalFinding {
            finding_id: f.finding_id.clone(),
            rule: f.rule.clone(),
            category: f.category.as_str().into(),
            village_code: f.village_code.clone(),
            subject_id: f.subject_id.clone(),
            related_ids: f.related_ids.clone(),
        })
        .collect();
    let labels = weiquan::eval::read_labels(&dir.path().join("labels.csv")).unwrap();
    let negatives = weiquan::eval::read_negatives(&dir.path().join("negatives.csv")).unwrap();
    let report = weiquan::eval::evaluate(&findings, &labels, &negatives);
    for cat in ["invalid_id", "cash_payment", "eligibility"] {
        let s = report
            .categories
            .iter()
            .find(|c| c.category == cat)
            .unwrap();
        assert!(s.labels > 0, "{cat}: no labels");
        assert_eq!(s.precision, Some(1.0), "{cat}: {s:?}");
        assert_eq!(s.recall, Some(1.0), "{cat}: {s:?}");
    }
    let flagged: Vec<_> = report
        .flagged_negatives
        .iter()
        .filter(|f| {
            ["invalid_id", "cash_payment", "eligibility"].contains(
                &weiquan::r#gen::negative_category(&f.negative.kind)
                    .unwrap()
                    .as_str(),
            )
        })
        .collect();
    assert!(flagged.is_empty(), "{flagged:?}");
}

#[test]
fn the_demo_dataset_is_what_the_generator_writes() {
    // datasets/demo = `weiquan gen --villages 12 --seed 7 --style messy`:
    // regenerate it when the generator changes.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), 12, 7, Style::Messy);
    let (want, have) = (files(dir.path()), files(&demo));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        have.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &want {
        assert!(
            bytes == &have[name],
            "datasets/demo/{name} is stale: run `weiquan gen --villages 12 --seed 7 --style messy --out datasets/demo --force`"
        );
    }
}

#[test]
fn an_existing_folder_is_replaced_only_with_force_and_only_our_files() {
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), 1, 2, Style::Clean);
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    std::fs::write(dir.path().join("集体资金收支明细.csv"), "old").unwrap();
    assert!(r#gen::prepare_out(dir.path(), false).is_err());
    r#gen::prepare_out(dir.path(), true).unwrap();
    let left: Vec<String> = files(dir.path()).into_keys().collect();
    assert_eq!(left, vec!["notes.txt".to_string()]);
    // A fresh folder needs no force.
    r#gen::prepare_out(&dir.path().join("new"), false).unwrap();
}
