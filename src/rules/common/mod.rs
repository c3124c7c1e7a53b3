//! Code the rules share, apart from the rules: column access and units
//! (`util`), the roll, ledger and hire views and what is derived from them
//! (`people`), grouping by key (`keyed`), the decision index (`decisions`),
//! words in free text (`keywords`), project stems (`stems`). Nothing here
//! imports a rule; a rule imports from here, never from another rule.

pub mod decisions;
pub mod keyed;
pub mod keywords;
pub mod people;
pub mod stems;
pub mod util;
pub mod views;
