use std::time::Instant;
use weiquan::matching::names::{normalize, pinyin_key};
fn main() {
    let names: Vec<String> = (0..100_000)
        .map(|i| {
            format!(
                "张{}{}",
                char::from_u32(0x4E00 + (i % 5000) as u32).unwrap(),
                char::from_u32(0x4E00 + (i / 50) as u32 % 20000).unwrap()
            )
        })
        .collect();
    let t = Instant::now();
    let mut n = 0;
    for s in &names {
        n += normalize(s).len();
    }
    println!("normalize {:?} {}", t.elapsed(), n);
    let t = Instant::now();
    for s in &names {
        n += fast2s::convert(s).len();
    }
    println!("fast2s {:?} {}", t.elapsed(), n);
    let t = Instant::now();
    for s in &names {
        n += weiquan::dataset::normalize::clean_name(s).len();
    }
    println!("clean_name {:?} {}", t.elapsed(), n);
    let t = Instant::now();
    for s in &names {
        n += pinyin_key(s).len();
    }
    println!("pinyin {:?} {}", t.elapsed(), n);
}
