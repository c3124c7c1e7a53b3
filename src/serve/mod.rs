//! `weiquan serve`: a web app over the case store for the officers of one
//! office, several at once.
//!
//! Why a server and not more files: officers share one queue, and the
//! store is where their decisions must meet. The server is axum on tokio;
//! every store access runs on tokio's blocking pool through a small pool of
//! SQLite connections ([`pool`]). The store is in WAL mode, so pages read
//! while a nightly `scan` writes its run; edits wait for the scan's
//! transaction and then go in, each in a transaction with its history
//! rows, on the case version the officer saw (else 409: [`api`]).
//!
//! Everything the browser loads is inside the binary (`assets/`); the
//! Content-Security-Policy allows nothing else, and the page puts every
//! value from the store into the DOM as text. Every request needs a
//! session ([`auth`]), loopback included.

mod admin;
mod api;
pub mod auth;
mod http;
mod pool;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::triage::Store;

pub use admin::MIN_PASSWORD;
pub use auth::{Clock, SessionLimits, hash_password, verify_password};

/// What the server knows of a rule (given by the command line, so that the
/// server, like the store, imports no rule).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleInfo {
    pub code: String,
    pub name: String,
    /// Canonical names of the tables it reads (evidence rows without a
    /// `table` of their own are in one of them).
    pub tables: Vec<String>,
}

pub struct ServeConfig {
    pub db: PathBuf,
    pub listen: SocketAddr,
    pub rules: Vec<RuleInfo>,
    pub limits: SessionLimits,
    /// Shared with tests, which move it forward.
    pub clock: Arc<Clock>,
}

impl ServeConfig {
    pub fn new(db: PathBuf, listen: SocketAddr) -> ServeConfig {
        ServeConfig {
            db,
            listen,
            rules: Vec::new(),
            limits: SessionLimits::default(),
            clock: Arc::new(Clock::default()),
        }
    }
}

/// A running server: its address, and a handle that stops it.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Block until the server stops (it does not, unless told).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Open the store, bind the address and serve on a thread of its own.
pub fn start(config: ServeConfig) -> Result<Running> {
    // Fails early, in the caller's thread, on a missing or newer store.
    drop(Store::open_existing(&config.db)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("weiquan-serve")
        .build()
        .map_err(|e| Error::io(&config.db, format!("cannot start the server: {e}")))?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(config.listen))
        .map_err(|e| Error::io(std::path::Path::new(&config.listen.to_string()), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io(std::path::Path::new(&config.listen.to_string()), e))?;
    let app = http::router(api::State::new(config));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("weiquan-serve".into())
        .spawn(move || {
            rt.block_on(async move {
                let service = app.into_make_service_with_connect_info::<SocketAddr>();
                let _ = axum::serve(listener, service)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
        })
        .map_err(|e| Error::io(std::path::Path::new("serve"), e))?;
    Ok(Running {
        addr,
        stop: Some(tx),
        thread: Some(thread),
    })
}
