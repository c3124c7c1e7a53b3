//! `weiquan gen`: synthetic street exports with ground truth.
//!
//! A hidden truth model first (`model`, `truth`): persons whose birth dates
//! and sex agree with valid id numbers, families and households, cadres and
//! the relatives they declare, companies with valid credit codes, and a year
//! of clean records. Then planted cases and hard negatives (`plant`), the
//! labels they make (`labels`), a self-check that recomputes every case
//! from the truth (`selfcheck`), and the files (`write`).
//!
//! Villages are generated in parallel, each from its own `ChaCha8Rng`
//! seeded from (seed, village index): the same seed gives the same bytes
//! whatever the thread count. The generator never imports the rules it is
//! there to grade.

pub mod labels;
pub mod model;
pub mod names;
mod party_check;
pub mod periodic;
pub mod plant;
pub mod selfcheck;
pub mod selfcheck_assets;
pub mod truth;
pub mod weak;
pub mod workdays;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use labels::{Case, Label, NEGATIVE_KINDS, Negative, negative_category};
pub use write::Style;

use crate::error::{Error, Result};
use crate::finding::Category;

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub villages: usize,
    pub seed: u64,
    pub style: Style,
    pub out: PathBuf,
}

/// What a run produced, for the console and the tests.
#[derive(Debug, Clone)]
pub struct GenReport {
    pub tables: Vec<(String, PathBuf, usize)>,
    pub labels: Vec<Label>,
    pub negatives: Vec<Negative>,
    pub seconds: f64,
    /// Seconds spent building the truth, checking it, writing files.
    pub phases: [f64; 3],
}

impl GenReport {
    pub fn labels_per_category(&self) -> BTreeMap<Category, usize> {
        let mut m = BTreeMap::new();
        for l in &self.labels {
            *m.entry(l.case.category).or_default() += 1;
        }
        m
    }
    pub fn negatives_per_kind(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for n in &self.negatives {
            *m.entry(n.kind.clone()).or_default() += 1;
        }
        m
    }
    pub fn summary(&self) -> String {
        let mut s = String::new();
        s.push_str("tables:\n");
        for (t, p, n) in &self.tables {
            let f = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
            s.push_str(&format!("  {t:<11} {n:>9} rows  {f}\n"));
        }
        s.push_str(&format!("labels: {}\n", self.labels.len()));
        for (c, n) in self.labels_per_category() {
            s.push_str(&format!("  {:<22} {n}\n", c.as_str()));
        }
        s.push_str(&format!("hard negatives: {}\n", self.negatives.len()));
        for (k, n) in self.negatives_per_kind() {
            s.push_str(&format!("  {k:<28} {n}\n"));
        }
        s.push_str(&format!(
            "self-check passed; {:.1}s (truth {:.1}s, self-check {:.1}s, files {:.1}s)\n",
            self.seconds, self.phases[0], self.phases[1], self.phases[2]
        ));
        s
    }
}

/// SplitMix64 over (seed, a, b): independent streams per village and use.
pub fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Build the truth of `villages` villages: baseline, plants, cross-village
/// plants, finalised ledgers.
pub fn build_world(villages: usize, seed: u64) -> Result<model::World> {
    if villages == 0 || villages > truth::MAX_VILLAGES {
        return Err(Error::config(
            Path::new("--villages"),
            format!("between 1 and {} villages", truth::MAX_VILLAGES),
        ));
    }
    let mut builders: Vec<truth::Builder> = (0..villages as u32)
        .into_par_iter()
        .map(|v| {
            let rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::from(v), 0));
            let mut b = truth::baseline(v, rng);
            plant::plant_village(&mut b);
            plant::plant_assets(&mut b);
            b
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::MAX, 1));
    plant::plant_cross(&mut builders, &mut rng);
    plant::plant_programs(&mut builders, seed);
    let mut vs: Vec<model::Village> = builders.into_iter().map(|b| b.v).collect();
    weak::plant_lines(&mut vs, seed);
    vs.par_iter_mut().for_each(truth::finalize_ledger);
    weak::plant_vouchers(&mut vs, seed);
    periodic::publish_all(&mut vs, seed);
    vs.par_iter_mut().for_each(|v| plant::organisation(v, seed));
    Ok(model::World { villages: vs })
}

/// Compare the planted labels with the cases the truth holds.
pub fn self_check(world: &model::World, labels: &[Label]) -> std::result::Result<(), String> {
    let truth = selfcheck::cases(world);
    let planted: std::collections::BTreeSet<Case> = labels.iter().map(|l| l.case.clone()).collect();
    let missing: Vec<&Case> = planted.difference(&truth).collect();
    let extra: Vec<&Case> = truth.difference(&planted).collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let mut msg = String::from("self-check failed: labels and truth disagree\n");
    for c in missing.iter().take(20) {
        let note = labels
            .iter()
            .find(|l| &l.case == *c)
            .map(|l| l.note.as_str())
            .unwrap_or("");
        msg.push_str(&format!(
            "  labelled but not in the truth: {} {} {} ({note})\n",
            c.category, c.village, c.subject
        ));
    }
    for c in extra.iter().take(20) {
        msg.push_str(&format!(
            "  in the truth but not labelled: {} {} {}\n",
            c.category, c.village, c.subject
        ));
        for line in describe_subject(world, &c.subject).into_iter().take(40) {
            msg.push_str(&format!("    {line}\n"));
        }
    }
    msg.push_str(&format!(
        "  ({} labelled only, {} truth only)\n",
        missing.len(),
        extra.len()
    ));
    Err(msg)
}

/// Rows that carry a subject, to explain a self-check failure.
fn describe_subject(world: &model::World, subject: &str) -> Vec<String> {
    let mut out = vec![];
    for v in &world.villages {
        for r in &v.subsidies {
            if r.id == subject || world.person(r.person).id == subject || r.account == subject {
                let b = &v.batches[r.batch as usize];
                out.push(format!(
                    "roll {} {} {}月 {} id={} account={} person={:?}",
                    v.code,
                    b.program.name(),
                    b.month,
                    r.name,
                    r.id,
                    r.account,
                    r.person
                ));
            }
        }
        // Every row of the persons behind the subject's rows.
        let refs: Vec<model::PRef> = v
            .subsidies
            .iter()
            .filter(|r| r.id == subject)
            .map(|r| r.person)
            .collect();
        for r in &v.subsidies {
            if r.id != subject && refs.contains(&r.person) {
                let b = &v.batches[r.batch as usize];
                out.push(format!(
                    "same person {:?} (true id {}): {} {}月 id={}",
                    r.person,
                    world.person(r.person).id,
                    b.program.name(),
                    b.month,
                    r.id
                ));
            }
        }
        if let Some(r) = refs.first() {
            out.push(format!("true id of {:?}: {}", r, world.person(*r).id));
        }
        // Rows sharing an account with the subject's rows in one batch.
        let accounts: Vec<(u32, String)> = v
            .subsidies
            .iter()
            .filter(|r| r.id == subject && !r.account.is_empty())
            .map(|r| (r.batch, r.account.clone()))
            .collect();
        for r in &v.subsidies {
            if r.id != subject
                && accounts
                    .iter()
                    .any(|(b, a)| *b == r.batch && *a == r.account)
            {
                out.push(format!(
                    "same account in batch {}: {} id={} person={:?}",
                    v.batches[r.batch as usize].no, r.name, r.id, r.person
                ));
            }
        }
        for l in &v.labels {
            if let model::Subject::Text(t) = &l.subject
                && t == subject
            {
                out.push(format!("label {} {}", l.category, l.note));
            }
        }
    }
    out
}

/// Make `out` ready: a new or empty folder, or (with `force`) one whose
/// generated files may be replaced. Other files are never touched.
pub fn prepare_out(out: &Path, force: bool) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(Error::config(
            out,
            "the output folder is not empty (use --force to replace its generated tables)",
        ));
    }
    let ours = |p: &Path| -> bool {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = p.file_stem().and_then(|n| n.to_str()).unwrap_or("");
        let ext = p.extension().and_then(|n| n.to_str()).unwrap_or("");
        name == "labels.csv"
            || name == "negatives.csv"
            || name == "weak_signals.csv"
            || (matches!(ext, "csv" | "xlsx")
                && write::TABLES
                    .iter()
                    .any(|t| t.canonical() == stem || t.chinese() == stem))
    };
    for p in entries.iter().filter(|p| p.is_file() && ours(p)) {
        std::fs::remove_file(p).map_err(|e| Error::io(p, e))?;
    }
    Ok(())
}

/// `weiquan gen`: build, check, write.
pub fn generate(opts: &GenOptions) -> Result<GenReport> {
    let t0 = Instant::now();
    let world = build_world(opts.villages, opts.seed)?;
    let t1 = t0.elapsed().as_secs_f64();
    let labels = labels::collect_labels(&world);
    self_check(&world, &labels).map_err(|m| Error::config(Path::new("weiquan gen"), m))?;
    let t2 = t0.elapsed().as_secs_f64();
    let cases: std::collections::BTreeSet<Case> = labels.iter().map(|l| l.case.clone()).collect();
    let negatives = labels::collect_negatives(&world, &cases);
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    let written = write::write_world(&world, &opts.out, opts.style, opts.seed)?;
    let mut labels = labels;
    labels.extend(written.labels.iter().cloned());
    labels.sort();
    labels::write_labels(&opts.out.join("labels.csv"), &labels)?;
    labels::write_negatives(&opts.out.join("negatives.csv"), &negatives)?;
    weak::write(&opts.out.join("weak_signals.csv"), &world)?;
    let t3 = t0.elapsed().as_secs_f64();
    Ok(GenReport {
        tables: written.tables,
        labels,
        negatives,
        seconds: t3,
        phases: [t1, t2 - t1, t3 - t2],
    })
}
