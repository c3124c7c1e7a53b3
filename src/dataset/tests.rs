//! Whole loads: the plain path against the general one, and a shard's
//! load against the shard path before it.

use std::path::Path;

use polars::prelude::*;

use super::headers::{match_headers, village_column};
use super::load::keep_village;
use super::typing::tests::CELLS;
use super::typing::type_table;
use super::*;
use crate::error::Error;

/// A CSV of `kind` whose cells cycle through `CELLS` (those a plain
/// CSV can hold) in every column, plus a column no contract column
/// claims; `skip` leaves one column out.
fn messy_csv(kind: TableKind, rows: usize, skip: Option<&str>) -> String {
    let cells: Vec<&str> = CELLS
        .iter()
        .map(|c| c.unwrap_or(""))
        .filter(|c| !c.contains([',', '"']))
        .collect();
    let cols: Vec<&str> = kind
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|c| Some(*c) != skip)
        .collect();
    let mut out = cols.join(",") + ",经办人签字\n";
    for i in 0..rows {
        let line: Vec<&str> = (0..=cols.len())
            .map(|j| cells[(i * 7 + j * 3) % cells.len()])
            .collect();
        out += &line.join(",");
        out += "\n";
    }
    out
}

type Typed = Result<(DataFrame, Vec<LoadIssue>, Vec<String>)>;

fn line_one() -> plain::Form {
    plain::Form {
        first_row: 2,
        layout: None,
    }
}

fn both_paths(kind: TableKind, text: &str, opts: &LoadOptions, piece: usize) -> (Typed, Typed) {
    let path = Path::new("t.csv");
    let aliases = Aliases::builtin();
    // As `load_table` leaves it: the general path's text cast into
    // dictionary codes, the plain path's coded as it types.
    let general = read::read_csv(path, text.as_bytes())
        .and_then(|raw| type_table(kind, path, raw, &aliases, opts))
        .and_then(|(mut frame, issues, extra, _)| {
            dictionary::encode(kind, &mut frame).map_err(|e| Error::format(path, e))?;
            Ok((frame, issues, extra))
        });
    let (headers, body, _) = read::plain_csv(text.as_bytes()).expect("plain");
    let fast = plain::type_plain(
        kind,
        path,
        &headers,
        body,
        &aliases,
        opts,
        piece,
        None,
        &|_| {},
        line_one(),
    )
    .unwrap_or_else(|| {
        panic!(
            "not typed on the plain path: {:?} {:?}",
            match_headers(kind, path, &headers, &aliases).map(|_| ()),
            &text[..text.len().min(600)]
        )
    });
    // The plain path codes the dictionary columns the file has as it
    // types them; a column the file lacks is cast afterwards, as
    // `load_table` casts whatever is still text.
    let fast = fast.and_then(|(mut frame, issues, extra, _)| {
        let (found, _) = match_headers(kind, path, &headers, &aliases)?;
        for c in frame.columns() {
            let coded = matches!(c.dtype(), DataType::Categorical(..));
            let expected =
                dictionary::is_encoded(kind, c.name()) && found.contains_key(c.name().as_str());
            assert_eq!(coded, expected, "{kind:?} {}", c.name());
        }
        dictionary::encode(kind, &mut frame).map_err(|e| Error::format(path, e))?;
        Ok((frame, issues, extra))
    });
    (general, fast)
}

fn same_result(a: &Typed, b: &Typed) -> bool {
    match (a, b) {
        (Ok((fa, ia, ea)), Ok((fb, ib, eb))) => {
            fa.dtypes() == fb.dtypes()
                && fa.get_column_names() == fb.get_column_names()
                && fa.equals_missing(fb)
                && format!("{ia:?}") == format!("{ib:?}")
                && ea == eb
                && fb.columns().iter().all(|c| c.n_chunks() == 1)
                // The text columns' byte counts, given, are right.
                && fb.columns().iter().filter_map(|c| c.str().ok()).all(|c| {
                    c.downcast_iter().map(|a| a.total_bytes_len()).sum::<usize>()
                        == c.iter().flatten().map(str::len).sum::<usize>()
                })
        }
        (Err(a), Err(b)) => a.to_string() == b.to_string(),
        _ => false,
    }
}

#[test]
fn the_plain_path_types_as_the_general_one() {
    for kind in [
        TableKind::Ledger,
        TableKind::Subsidies,
        TableKind::Households,
    ] {
        let optional = kind.columns().iter().find(|c| !c.required).map(|c| c.name);
        for skip in [None, optional] {
            let lf = messy_csv(kind, 200, skip);
            let crlf = lf.replace('\n', "\r\n");
            // Each record once, twice or three times in a row: a cell
            // equal to the one above takes its value (`Slot::repeat`),
            // bad values and blanks in required columns are reported
            // on every row.
            let (header, body) = lf.split_once('\n').unwrap();
            let runs: String = body
                .lines()
                .enumerate()
                .flat_map(|(i, l)| std::iter::repeat_n(l, i % 3 + 1))
                .map(|l| format!("{l}\n"))
                .collect();
            let runs = format!("{header}\n{runs}");
            for text in [lf, crlf, runs] {
                for lenient in [false, true] {
                    let opts = LoadOptions {
                        lenient,
                        ..Default::default()
                    };
                    // One piece, and pieces of a few records each.
                    for piece in [1 << 20, 64, 1] {
                        let (general, fast) = both_paths(kind, &text, &opts, piece);
                        assert!(
                            same_result(&general, &fast),
                            "{kind:?} skip {skip:?} lenient {lenient} piece {piece}:\n{:?}\nvs\n{:?}",
                            general.as_ref().map(|t| &t.0).map_err(|e| e.to_string()),
                            fast.as_ref().map(|t| &t.0).map_err(|e| e.to_string()),
                        );
                    }
                }
            }
        }
    }
    // Clean rows, and the last record without its newline.
    let text = "id_number,name,death_date\n\
        11010519491231002X,张伟,2025-01-10\n\
        370102800101123,李 四,2025/2/1\n\
        370102800101123,赵六,2025/2/1\n\
        370102800101123,钱七,2025/2/30\n\
        370102800101123,孙八,2025/2/1\n\
        110105194912310021,王五,45717";
    for lenient in [false, true] {
        let opts = LoadOptions {
            lenient,
            ..Default::default()
        };
        for piece in [1, 1 << 20] {
            let (general, fast) = both_paths(TableKind::Deaths, text, &opts, piece);
            assert!(same_result(&general, &fast));
        }
    }
    let (general, fast) = both_paths(TableKind::Deaths, text, &LoadOptions::default(), 1);
    assert!(general.is_err() && same_result(&general, &fast));
    let lenient = LoadOptions {
        lenient: true,
        ..Default::default()
    };
    let (_, fast) = both_paths(TableKind::Deaths, text, &lenient, 1 << 20);
    assert_eq!(fast.unwrap().0.height(), 6);
}

#[test]
fn only_plain_files_take_the_plain_path() {
    let aliases = Aliases::builtin();
    let opts = LoadOptions::default();
    let typed = |text: &str| {
        let (h, body, _) = read::plain_csv(text.as_bytes())?;
        plain::type_plain(
            TableKind::Deaths,
            Path::new("d.csv"),
            &h,
            body,
            &aliases,
            &opts,
            8,
            None,
            &|_| {},
            line_one(),
        )
    };
    let ok = "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10\n";
    assert!(typed(ok).is_some_and(|r| r.is_ok()));
    let crlf = ok.replace('\n', "\r\n");
    assert!(typed(&crlf).is_some_and(|r| r.is_ok()));
    for not_plain in [
        "id_number,name,death_date\n\"11010519491231002X\",张伟,2025-01-10\n",
        // A carriage return that does not end a line.
        "id_number,name,death_date\n11010519491231002X,张\r伟,2025-01-10\n",
        "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10\r",
        "id_number,name,death_date\n11010519491231002X,张\0伟,2025-01-10\n",
        // A blank line, a short row, a long row, a cut last row.
        "id_number,name,death_date\n\n11010519491231002X,张伟,2025-01-10\n",
        "id_number,name,death_date\n11010519491231002X,张伟\n",
        "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10,x\n",
        "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10\n11010519491231002X,",
        // Headers the contract does not match: the general path says why.
        "id_number,death_date\n11010519491231002X,2025-01-10\n",
        "id_number,name,death_date\n",
    ] {
        assert!(typed(not_plain).is_none(), "{not_plain:?}");
    }
    let gbk = encoding_rs::GBK.encode(ok).0;
    assert!(read::plain_csv(&gbk).is_none());
}

/// A ledger of several villages with blank, padded, decimal, full-width,
/// mangled and foreign village codes, the village column at
/// `village_at`; with `bad`, unreadable amounts and dates and invalid id
/// numbers fall in rows of every village, kept and dropped alike.
fn shard_csv(rows: usize, village_at: usize, bad: bool) -> String {
    const VILLAGES: &[&str] = &[
        "370112001001",
        "370112001002",
        "370112002001",
        "370113001001",
        "",
        " ",
        "\u{3000}",
        "370112001001.0",
        " 370112001003",
        "3.70112E+11",
        "３７０１１２００１００４",
        "abc",
        "370112",
        "37011",
        "370113001001.0",
        "370112001001",
        "370113002001",
    ];
    let mut header: Vec<&str> = vec![
        "voucher_no",
        "date",
        "direction",
        "amount",
        "summary",
        "counterparty",
        "counterparty_id",
        "payment_method",
    ];
    header.insert(village_at.min(header.len()), "village_code");
    let mut out = header.join(",") + "\n";
    for i in 0..rows {
        let mut cells: Vec<String> = vec![
            format!("PZ-{i}"),
            if bad && i % 23 == 7 {
                "2025-02-30".into()
            } else {
                format!("2025-03-{:02}", 1 + i % 28)
            },
            "支出".into(),
            if bad && i % 13 == 5 {
                "abc".into()
            } else {
                format!("{i}.50")
            },
            format!("劳务费{i}"),
            "王芳".into(),
            if bad && i % 11 == 3 {
                "12345".into()
            } else {
                String::new()
            },
            "转账".into(),
        ];
        cells.insert(
            village_at.min(cells.len()),
            VILLAGES[(i * 7) % VILLAGES.len()].into(),
        );
        out += &cells.join(",");
        out += "\n";
    }
    out
}

/// The shard load of a CSV file before plain files took the plain
/// path: read in pieces by polars' reader, filtered, then typed.
fn old_shard_load(
    kind: TableKind,
    path: &Path,
    opts: &LoadOptions,
) -> Result<(Table, Vec<LoadIssue>)> {
    let aliases = Aliases::builtin();
    let prefix = opts.villages.as_deref().expect("a shard");
    let column = |h: &[String]| village_column(kind, &aliases, h);
    let keep = |v: Option<&str>| keep_village(prefix, v);
    let filter = read::RowFilter {
        column: &column,
        keep: &keep,
    };
    let chunk = opts.chunk_bytes.unwrap_or(SHARD_CHUNK_BYTES);
    let (raw, bytes, sha256) = read::read_csv_filtered(path, chunk, &filter)?;
    let encoding = raw.encoding;
    let (mut frame, issues, extra_headers, layout) = type_table(kind, path, raw, &aliases, opts)?;
    dictionary::encode(kind, &mut frame).map_err(|e| Error::format(path, e))?;
    let table = Table {
        kind,
        source: SourceInfo {
            table: kind.canonical().into(),
            path: path.to_path_buf(),
            format: "csv",
            encoding,
            bytes,
            sha256,
            rows: frame.height(),
            extra_headers,
            layout,
        },
        frame,
    };
    Ok((table, issues))
}

/// `load_table` of a shard equals the old shard path: frame, issues,
/// errors, manifest.
fn same_as_old_shard(kind: TableKind, path: &Path, opts: &LoadOptions) {
    let aliases = Aliases::builtin();
    let new = load_table(kind, path, &aliases, opts);
    let old = old_shard_load(kind, path, opts);
    let what = format!("{} {opts:?}", path.display());
    match (new, old) {
        (Ok((a, ia)), Ok((b, ib))) => {
            assert_eq!(a.frame.dtypes(), b.frame.dtypes(), "{what}");
            assert_eq!(a.frame.get_column_names(), b.frame.get_column_names());
            assert!(
                a.frame.equals_missing(&b.frame),
                "{what}:\n{:?}\nvs old\n{:?}",
                a.frame,
                b.frame
            );
            assert_eq!(format!("{ia:?}"), format!("{ib:?}"), "{what}");
            assert_eq!(format!("{:?}", a.source), format!("{:?}", b.source));
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
        (a, b) => panic!(
            "{what}: {:?} vs old {:?}",
            a.map(|t| t.0.frame),
            b.map(|t| t.0.frame)
        ),
    }
}

#[test]
fn a_plain_shard_loads_as_the_old_shard_path() {
    let dir = tempfile::tempdir().unwrap();
    let aliases = Aliases::builtin();
    let mut checked = 0;
    for village_at in [0, 3, 8] {
        for bad in [false, true] {
            let lf = shard_csv(120, village_at, bad);
            let crlf = lf.replace('\n', "\r\n");
            for (k, text) in [lf, crlf].into_iter().enumerate() {
                let path = dir
                    .path()
                    .join(format!("ledger-{village_at}-{bad}-{k}.csv"));
                std::fs::write(&path, &text).unwrap();
                for prefix in ["370112", "370112001", "370112001001", "370113", "99"] {
                    for lenient in [false, true] {
                        for chunk in [None, Some(1), Some(100)] {
                            let opts = LoadOptions {
                                lenient,
                                villages: Some(prefix.into()),
                                chunk_bytes: chunk,
                                ..Default::default()
                            };
                            same_as_old_shard(TableKind::Ledger, &path, &opts);
                            // ... and it took the plain path.
                            let (headers, body, _) = read::plain_csv(text.as_bytes()).unwrap();
                            let keep = |v: Option<&str>| keep_village(prefix, v);
                            let shard = plain::Shard {
                                column: village_at,
                                keep: &keep,
                            };
                            let typed = plain::type_plain(
                                TableKind::Ledger,
                                &path,
                                &headers,
                                body,
                                &aliases,
                                &opts,
                                chunk.unwrap_or(1 << 20),
                                Some(&shard),
                                &|_| {},
                                line_one(),
                            );
                            assert!(typed.is_some());
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, 3 * 2 * 2 * 5 * 2 * 3);

    // A bad value in a row of another village is not seen, on either
    // path; in a row of the shard it is an error naming the file row.
    let text = "village_code,voucher_no,date,direction,amount,summary,counterparty,payment_method\n\
        370112001001,PZ-1,2025-03-01,支出,10.00,a,王芳,转账\n\
        370113001001,PZ-2,2025-03-01,支出,abc,b,王芳,转账\n\
        370112001001,PZ-3,2025-03-01,支出,12.00,c,王芳,转账\n\
        ,PZ-4,2025-03-01,支出,13.00,d,王芳,转账\n\
        370112001002.0,PZ-5,2025/3/40,支出,14.00,e,王芳,转账\n";
    let path = dir.path().join("ledger.csv");
    std::fs::write(&path, text).unwrap();
    let shard = |prefix: &str| LoadOptions {
        villages: Some(prefix.into()),
        ..Default::default()
    };
    let load = |o: &LoadOptions| load_table(TableKind::Ledger, &path, &aliases, o);
    let lenient = |prefix: &str| LoadOptions {
        lenient: true,
        ..shard(prefix)
    };
    let (t, issues) = load(&lenient("370112001001")).unwrap();
    let rows: Vec<u32> = t
        .frame
        .column(ROW)
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    // The blank code is kept (and reported); 370112001002.0 is of
    // another village.
    assert_eq!(rows, [2, 4, 5]);
    assert_eq!(issues.len(), 1);
    assert_eq!((issues[0].row, &*issues[0].column), (5, "village_code"));
    let e = load(&shard("370112")).err().unwrap().to_string();
    assert!(e.contains("ledger.csv") && e.contains("date"), "{e}");
    assert!(e.contains("2025/3/40") && !e.contains("abc"), "{e}");
    let e = load(&shard("370113")).err().unwrap().to_string();
    assert!(e.contains("abc") && e.contains("amount"), "{e}");
    assert!(!e.contains("2025/3/40"), "{e}");
    for p in ["370112001001", "370112", "370113", "3"] {
        same_as_old_shard(TableKind::Ledger, &path, &shard(p));
        same_as_old_shard(TableKind::Ledger, &path, &lenient(p));
    }
    // Files that are not plain keep the old path: quoted, ragged (in a
    // row of another village too), GBK.
    let quoted = text.replace("PZ-1,", "\"PZ-1\",");
    let ragged = text.replace("PZ-2,", "PZ-2,x,");
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    for (name, bytes) in [
        ("quoted", quoted.as_bytes()),
        ("ragged", ragged.as_bytes()),
        ("gbk", &gbk[..]),
    ] {
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, bytes).unwrap();
        for p in ["370112001001", "370112", "370113"] {
            for chunk in [None, Some(7)] {
                let opts = LoadOptions {
                    chunk_bytes: chunk,
                    ..shard(p)
                };
                same_as_old_shard(TableKind::Ledger, &path, &opts);
            }
        }
    }
}
