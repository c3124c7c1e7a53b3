//! A few SQLite connections shared by the requests, each used by one
//! request at a time on tokio's blocking pool (SQLite calls block).

use std::path::PathBuf;
use std::sync::Mutex;

use crate::error::Result;
use crate::triage::Store;

/// Idle connections kept; more are opened under load and closed after.
const KEEP: usize = 8;

pub(super) struct Pool {
    db: PathBuf,
    idle: Mutex<Vec<Store>>,
}

impl Pool {
    pub fn new(db: PathBuf) -> Pool {
        Pool {
            db,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Run `f` with a connection, on the blocking pool.
    pub async fn run<T: Send + 'static>(
        self: &std::sync::Arc<Self>,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let pool = self.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let taken = pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut store = match taken {
                Some(s) => s,
                None => {
                    let s = Store::open_existing(&pool.db)?;
                    // Edits wait behind a scan's transaction rather than
                    // fail: a large run holds the write lock for a while.
                    s.set_busy_timeout(std::time::Duration::from_secs(300))?;
                    s
                }
            };
            let out = f(&mut store);
            let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < KEEP {
                idle.push(store);
            }
            out
        })
        .await;
        // A panic in a request is that request's 500, not the server's end.
        joined.unwrap_or_else(|e| {
            Err(crate::error::Error::io(
                std::path::Path::new("serve"),
                format!("internal error: {e}"),
            ))
        })
    }
}
