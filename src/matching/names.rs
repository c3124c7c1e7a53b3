//! Chinese name handling (see issue 4): filled in by the kinship work.
