//! SHA-256 of each input file, for the run manifest: a finding can be
//! traced to the exact bytes it was read from. A CSV file is hashed while
//! it is parsed (its pages read once); other files are hashed apart.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// SHA-256 of `bytes`, telling `progress` how many bytes are hashed.
/// `release` is given each block once it is hashed; once `stop` is set
/// the rest is not hashed (the caller reads the file another way).
pub(super) fn sha256_hex_progress(
    bytes: &[u8],
    progress: &std::sync::atomic::AtomicUsize,
    release: &dyn Fn(&[u8]),
    stop: &std::sync::atomic::AtomicBool,
) -> String {
    let mut h = Sha256::new();
    let mut n = 0;
    for block in bytes.chunks(4 << 20) {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        h.update(block);
        n += block.len();
        progress.store(n, std::sync::atomic::Ordering::Release);
        release(block);
    }
    format!("{:x}", h.finalize())
}

pub(super) fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        n += k as u64;
        h.update(&buf[..k]);
    }
    Ok((n, format!("{:x}", h.finalize())))
}
