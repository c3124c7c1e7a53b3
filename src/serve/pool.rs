//! A few SQLite connections shared by the requests, each used by one
//! request at a time on tokio's blocking pool (SQLite calls block). At most
//! [`SIZE`] requests touch the store at once; the others wait their turn
//! without holding a thread, so a burst of readers neither opens a
//! connection each nor takes a page cache each.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::triage::Store;

/// Connections at most (2 cores: more readers at once only queue inside
/// SQLite). Each has an 8 MiB page cache.
const SIZE: usize = 8;
const CACHE_KIB: i64 = 8 * 1024;
/// Edits wait this long behind a scan's transaction rather than fail: a
/// large run holds the write lock for seconds.
const BUSY: Duration = Duration::from_secs(300);

pub(super) struct Pool {
    db: PathBuf,
    idle: Mutex<Vec<Store>>,
    turns: Semaphore,
}

impl Pool {
    pub fn new(db: PathBuf) -> Pool {
        Pool {
            db,
            idle: Mutex::new(Vec::new()),
            turns: Semaphore::new(SIZE),
        }
    }

    /// Run `f` with a connection, on the blocking pool.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let internal = |e: &dyn std::fmt::Display| {
            Error::io(
                std::path::Path::new("serve"),
                format!("internal error: {e}"),
            )
        };
        let _turn = self.turns.acquire().await.map_err(|e| internal(&e))?;
        let pool = self.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let taken = pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut store = match taken {
                Some(s) => s,
                None => {
                    let s = Store::open_existing(&pool.db)?;
                    s.share(BUSY, CACHE_KIB)?;
                    s
                }
            };
            let out = f(&mut store);
            pool.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(store);
            out
        })
        .await;
        // A panic in a request is that request's 500, not the server's end.
        joined.unwrap_or_else(|e| Err(internal(&e)))
    }
}
