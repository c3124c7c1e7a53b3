//! Weak signals (category `weak_signal`): facts that are not cases alone
//! but raise the rank of cases in the same village. Each is `low` and
//! scored below every case.

mod table_totals;

pub use table_totals::TableTotals;
