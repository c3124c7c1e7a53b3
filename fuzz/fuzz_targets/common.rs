// Shared by the loader targets: one scratch folder per fuzzing process.
use std::path::PathBuf;
use std::sync::OnceLock;

use weiquan::TableKind;

/// libfuzzer-sys aborts on every panic, even one that is caught. weiquan's
/// xlsx reader catches panics inside calamine (it overflows on absurd cell
/// references when built with debug assertions) and reports a bad file;
/// let those unwind to it. Any other panic is still a crash.
pub fn allow_caught_calamine_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_calamine {
                abort(info);
            }
        }));
    });
}

pub fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("weiquan-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch dir");
        d
    })
}

/// First byte of the input: which table (low bits), lenient (0x40), mode (0x80).
pub fn kind_of(b: u8) -> TableKind {
    TableKind::ALL[(b & 0x0F) as usize % TableKind::ALL.len()]
}

/// What must hold whatever the loader returns: it did not panic (the fuzzer
/// checks that), an error names the file, and a loaded frame is consistent.
pub fn check(
    path: &std::path::Path,
    r: weiquan::Result<(weiquan::dataset::Table, Vec<weiquan::dataset::LoadIssue>)>,
) {
    match r {
        Ok((t, issues)) => {
            assert_eq!(t.frame.height(), t.source.rows);
            let rows = t.frame.column(weiquan::dataset::ROW).expect("__row");
            assert_eq!(rows.null_count(), 0);
            for i in &issues {
                assert!(i.row >= 2, "issue row {} is the header or above", i.row);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let named = msg.contains(&name);
            assert!(named, "error does not name the file: {msg}");
            assert!((1..=4).contains(&e.exit_code()));
        }
    }
}
