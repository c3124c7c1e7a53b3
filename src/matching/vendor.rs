//! Vendor identity (see issue 5): filled in by the money-rules work.
