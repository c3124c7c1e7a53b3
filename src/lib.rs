//! weiquan (微权): a batch engine that watches village "micro power"
//! (村（居）小微权力). It loads a street's nightly exports into polars
//! frames, runs a rule pack over them in parallel and writes a ranked queue
//! of leads for discipline officers.
//!
//! The public surface: [`Dataset`] (loading), [`RulesConfig`] (settings),
//! [`rules::registry`], [`engine::run`], [`Finding`] and the writers.

pub mod bench;
pub mod config;
pub mod coverage;
pub mod dataset;
pub mod engine;
pub mod error;
pub mod eval;
pub mod finding;
pub mod r#gen;
pub mod matching;
pub mod money;
pub mod privacy;
pub mod ranking;
pub mod report;
pub mod rules;
pub mod scan;
pub mod serve;
pub mod text;
pub mod triage;
pub mod tune;

pub use config::RulesConfig;
pub use dataset::{Dataset, LoadOptions, TableKind};
pub use error::{Error, Result};
pub use finding::{Category, Finding, Severity};
