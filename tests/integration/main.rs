//! The integration tests but the rules' (`tests/rules/`), in one binary:
//! one link of polars instead of one per file. Each module is what a file of
//! its own was: the command line, bad input, loading, row order, the
//! generator, evaluation, the case store, the tuner, trust and privacy,
//! shards, `bench`, report.html in a browser, and `serve` (its API, and
//! its pages in a browser driven over the DevTools protocol: `cdp`).

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod bench;
mod cdp;
mod cli;
mod eval;
mod r#gen;
mod load;
mod office;
mod order;
mod privacy;
mod report_html;
mod serve;
mod serve_browser;
mod shard;
mod triage;
mod triage_durability;
mod triage_xlsx;
mod trust;
mod tune;
mod weak_rank;
