//! Code the rules share, apart from the rules: working days and holidays
//! (`calendar`), typed table views (`views`),
//! units and row helpers (`util`), what the people rules derive from the
//! roll, ledger and hires (`people`), wages paid to hires (`wages`), who is
//! on a payroll in which month (`payroll`), program names and payments with
//! their payee and item (`programs`), ages (`age`), ledger
//! payments (`ledger`), grouping by key (`keyed`), the decision index
//! (`decisions`), words in free text (`keywords`), project stems (`stems`),
//! and values made once per dataset (`shared`). Nothing here imports a rule;
//! a rule imports from here, never from another rule.

pub mod age;
pub mod calendar;
pub mod decisions;
pub mod keyed;
pub mod keywords;
pub mod lease_term;
pub mod ledger;
pub mod paid_rows;
pub mod payroll;
pub mod people;
pub mod periods;
pub mod programs;
pub mod stems;
pub mod util;
pub mod views;
pub mod wages;

use std::sync::Arc;

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// A value several rules derive from the dataset (`Dataset::derived`),
/// made once by the first rule that asks. Its error, if making it failed,
/// is told as the asking rule's own (the engine names the rule).
pub fn shared<T: Send + Sync + 'static>(
    ds: &Dataset,
    make: impl FnOnce() -> Result<T>,
) -> Result<Arc<T>> {
    struct Made<T>(std::result::Result<Arc<T>, Error>);
    let made = ds.derived.get(|| Made(make().map(Arc::new)));
    match &made.0 {
        Ok(v) => Ok(v.clone()),
        Err(Error::Rule { message, .. }) => Err(Error::in_a_rule(message)),
        Err(e) => Err(Error::in_a_rule(e)),
    }
}
