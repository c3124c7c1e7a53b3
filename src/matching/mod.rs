//! Matching people and vendors: the library the rules call.
//!
//! - `names`: Chinese name keys (clean, traditional→simplified, pinyin) and
//!   name frequency, for kinship and duplicate matching.
//! - `vendor`: one vendor key from credit code, id number or normalised name.

pub mod names;
pub mod vendor;
