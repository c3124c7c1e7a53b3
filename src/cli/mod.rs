//! The commands of the binary, one function per command, each beside its
//! flags. What they share lives here: console output that survives a
//! closed pipe, the error and panic handling that turns every failure into
//! one line and an exit code, and the rules/aliases flags of `scan` and
//! `bench`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use weiquan::Error;
use weiquan::config::RulesConfig;
use weiquan::dataset::Aliases;

/// Console output through a locked stdout. When the reader goes away
/// (`weiquan coverage | head -1`) the command stops quietly with exit 0
/// instead of panicking as `println!` does; any other write error is exit 4.
pub fn write_stdout(s: &str) {
    use std::io::Write;
    let mut lock = std::io::stdout().lock();
    if let Err(e) = lock.write_all(s.as_bytes()).and_then(|()| lock.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: <stdout>: {e}");
        std::process::exit(4);
    }
}

// Defined before the command modules so that they can use them.
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::write_stdout(&format!($($t)*)) };
}
macro_rules! outln {
    () => { $crate::cli::write_stdout("\n") };
    ($($t:tt)*) => { $crate::cli::write_stdout(&format!("{}\n", format_args!($($t)*))) };
}

pub mod bench;
pub mod cases;
pub mod eval;
pub mod r#gen;
pub mod rules;
pub mod scan;
pub mod serve;
pub mod tune;
pub mod users;
mod values;

/// `--mask-pii` also masks the values quoted in an error line.
static MASK_ERRORS: AtomicBool = AtomicBool::new(false);

/// The message of the last panic, printed if it reaches `main`.
static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Mask the values quoted in the error line, if a command fails.
pub fn mask_errors(on: bool) {
    MASK_ERRORS.store(on, Ordering::Relaxed);
}

/// Run a command: its error is one line on stderr and the error's exit
/// code; a panic is a bug: one line on stderr, exit 4, and the unwinding
/// removes any half-written output folder (StagedDir's Drop).
pub fn guard(command: impl FnOnce() -> Result<ExitCode, Error>) -> ExitCode {
    // The hook only records the message: a panic caught on the way (a
    // reader turning a panic in a parsing crate into a bad-file error)
    // prints nothing.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut m) = PANIC.lock() {
            *m = Some(format!("internal error{at}: {what} (please report this)"));
        }
    }));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(command)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            let msg = e.to_string();
            if MASK_ERRORS.load(Ordering::Relaxed) {
                eprintln!("error: {}", weiquan::report::mask_text(&msg));
            } else {
                eprintln!("error: {msg}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => {
            let msg = PANIC.lock().ok().and_then(|mut m| m.take());
            eprintln!("error: {}", msg.unwrap_or_else(|| "internal error".into()));
            ExitCode::from(4)
        }
    }
}

#[derive(clap::Args, Clone)]
pub struct RuleArgs {
    /// Rules file (default: the shipped rules/default.toml).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Header/file-name alias table (default: the shipped rules/aliases.toml).
    #[arg(long, value_name = "FILE")]
    aliases: Option<PathBuf>,
    /// Switch rules off by code or name (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',')]
    disable: Vec<String>,
    /// Switch rules on that the rules file disables.
    #[arg(long, value_delimiter = ',')]
    enable: Vec<String>,
    /// Run only these rules.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

impl RuleArgs {
    /// The rules file with `--only`, `--enable` and `--disable` applied.
    pub fn config(&self) -> Result<RulesConfig, Error> {
        let mut cfg = match &self.rules {
            Some(p) => RulesConfig::from_file(p)?,
            None => RulesConfig::builtin(),
        };
        if !self.only.is_empty() {
            cfg.only(&self.only)?;
        }
        cfg.set_enabled(&self.enable, true)?;
        cfg.set_enabled(&self.disable, false)?;
        Ok(cfg)
    }

    pub fn aliases(&self) -> Result<Option<Aliases>, Error> {
        self.aliases.as_deref().map(Aliases::from_file).transpose()
    }
}

/// A bad flag value: exit 2, the message naming the flag.
pub fn arg_error(flag: &str, msg: String) -> Error {
    Error::config(std::path::Path::new(flag), msg)
}
