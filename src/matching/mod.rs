//! Matching people and vendors: the library the rules call.
//!
//! - `names`: Chinese name keys (clean, traditional→simplified, pinyin) and
//!   name frequency, for kinship and duplicate matching.
//! - `kin`: persons of interest per village (cadres, declared relatives,
//!   household members, same-address kin) and how a recipient links to them.
//! - `vendor`: one vendor key from credit code, id number or normalised name.

pub mod kin;
pub mod names;
pub mod vendor;
