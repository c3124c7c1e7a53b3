use super::*;

#[test]
fn gbk_and_bom_are_detected() {
    let p = Path::new("x.csv");
    let (gbk, _, _) = encoding_rs::GBK.encode("姓名,金额\n张伟,1\n");
    let (text, enc) = decode(p, &gbk).unwrap();
    assert_eq!((&*text, enc), ("姓名,金额\n张伟,1\n", "GB18030"));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice("姓名\n".as_bytes());
    assert_eq!(decode(p, &bom).unwrap().1, "UTF-8 (BOM)");
    assert!(decode(p, &[0x81, 0x20, 0xFF]).is_err());
}

#[test]
fn utf16_without_bom_and_big5_are_told_apart() {
    let p = Path::new("x.csv");
    let text = "村居代码,姓名,金额\n370112001001,张伟,12.50\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let (t, enc) = decode(p, &le).unwrap();
    assert_eq!((t.as_ref(), enc), (text, "UTF-16LE (no BOM)"));
    let (t, enc) = decode(p, &be).unwrap();
    assert_eq!((t.as_ref(), enc), (text, "UTF-16BE (no BOM)"));
    let trad =
        "村居代碼,姓名,身份證號,與幹部關係,聯繫電話,銀行賬號\n370112001001,張偉,陳麗華,劉國慶\n";
    let (big5, _, unmappable) = encoding_rs::BIG5.encode(trad);
    assert!(!unmappable);
    let e = decode(p, &big5).unwrap_err().to_string();
    assert!(e.contains("Big5"), "{e}");
    // Real GBK with a rare name character still reads as GBK.
    let (gbk, _, _) = encoding_rs::GBK.encode("村居代码,姓名,摘要\n370112001001,王喆,1月村务误工补贴\n370112001001,李淑佳,防汛值班劳务费\n");
    assert_eq!(decode(p, &gbk).unwrap().1, "GB18030");
}

/// The byte-by-byte scanner the memchr one replaced, as the reference.
fn unclosed_quote_reference(body: &str) -> Option<(usize, usize)> {
    let (mut row, mut field) = (2usize, 0usize);
    let mut quoted: Option<(usize, usize)> = None;
    let mut at_field_start = true;
    let mut b = body.bytes().peekable();
    while let Some(c) = b.next() {
        match (c, quoted) {
            (b'"', Some(_)) if b.peek() == Some(&b'"') => {
                b.next();
            }
            (b'"', Some(_)) => quoted = None,
            (b'"', None) if at_field_start => quoted = Some((row, field)),
            (b'\n', Some(_)) => {}
            (b'\n', None) => {
                row += 1;
                field = 0;
                at_field_start = true;
                continue;
            }
            (b',', None) => {
                field += 1;
                at_field_start = true;
                continue;
            }
            _ => {}
        }
        at_field_start = false;
    }
    quoted
}

#[test]
fn quote_scanner_matches_the_reference_on_every_short_body() {
    // Every body of up to 8 bytes over the bytes that matter.
    let alphabet = [b'a', b',', b'"', b'\n'];
    let mut checked = 0;
    for len in 0..=8u32 {
        for code in 0..4usize.pow(len) {
            let mut c = code;
            let body: String = (0..len)
                .map(|_| {
                    let b = alphabet[c % 4];
                    c /= 4;
                    b as char
                })
                .collect();
            assert_eq!(
                unclosed_quote(&body),
                unclosed_quote_reference(&body),
                "{body:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 87_381);
}

#[test]
fn unclosed_quotes_are_found() {
    assert_eq!(unclosed_quote("a,b\n\"x\"\"y\",2\n"), None);
    assert_eq!(unclosed_quote("a,b\nc,\"1,2"), Some((3, 1)));
    assert_eq!(
        unclosed_quote("\"multi\nline\",1\nx,\"open\n"),
        Some((3, 1))
    );
    assert_eq!(
        unclosed_quote("a,b\"c\n"),
        None,
        "a quote inside a field is text"
    );
}

#[test]
fn a_file_changed_while_read_is_an_error() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ledger.csv");
    std::fs::write(&p, "a,b\n1,2\n").unwrap();
    let f = FileBytes::open_with(&p, true).unwrap();
    assert_eq!(f.bytes(), b"a,b\n1,2\n");
    // Released pages read the same again.
    f.release(&f.bytes()[2..6]);
    f.release(b"not part of the file");
    assert_eq!(f.bytes(), b"a,b\n1,2\n");
    f.check_unchanged(&p).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&p)
        .unwrap()
        .write_all(b"3,4\n")
        .unwrap();
    let e = f.check_unchanged(&p).unwrap_err().to_string();
    assert!(e.contains("changed while it was being read"), "{e}");
    // An empty file is read, not mapped.
    std::fs::write(&p, "").unwrap();
    assert!(FileBytes::open_with(&p, true).unwrap().bytes().is_empty());
}

#[test]
fn plain_files_are_told_in_blocks_as_whole() {
    let (gbk, _, _) = encoding_rs::GBK.encode("张伟,1\n");
    let mut bad_utf8 = b"a,b\n1,2\n".to_vec();
    bad_utf8.extend_from_slice(&gbk);
    let texts: Vec<Vec<u8>> = [
        "a,b\n1,2\n张伟,三\n",
        "a,b\r\n1,2\r\n张伟,三\r\n",
        "\u{FEFF}a,b\n1,2\n张伟,三",
        "\"a\",b\n1,2\n",
        "a,b\n1,2\n张伟,\"三\"\n",
        "a,b\n1,2\n张伟,三\r",
        "a,b\n1,2\n张\r伟,三\n",
        "a,b\n1,2\n张伟,\0\n",
        "a,b\n \n\u{3000}\n",
        "a,b\n",
        "a,b",
        "\n1,2\n",
    ]
    .iter()
    .map(|t| t.as_bytes().to_vec())
    .chain([bad_utf8])
    .collect();
    for text in &texts {
        let whole = plain_csv_blocks(text, usize::MAX / 2, &|_| {}, &line_one)
            .map(|(h, b, e, ())| (h, b, e));
        for block in 1..=text.len() + 1 {
            let released = std::cell::Cell::new(0);
            let blocks = plain_csv_blocks(
                text,
                block,
                &|b| {
                    released.set(released.get() + b.len());
                },
                &line_one,
            )
            .map(|(h, b, e, ())| (h, b, e));
            assert_eq!(blocks, whole, "{text:?} in blocks of {block}");
            if let Some((_, body, _)) = blocks {
                // Every byte of the body was checked and let go.
                assert_eq!(released.get(), body.len(), "{text:?} {block}");
            }
        }
    }
    assert!(plain_csv(texts[0].as_slice()).is_some());
    assert!(plain_csv(texts[3].as_slice()).is_some(), "a quoted header");
    assert!(plain_csv(texts[4].as_slice()).is_none());
}

#[test]
fn header_split_handles_quotes() {
    assert_eq!(split_header(r#"a,"b,c","d""e""#), vec!["a", "b,c", "d\"e"]);
    assert_eq!(header_end("\"a\nb\",c\nrow"), 8);
}
