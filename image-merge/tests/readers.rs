//! Data-driven reader cases: every file in `tests/cases/readers/` is read and described
//! (its data runs in file order, start records and warnings, or the located error), and the
//! description must equal the file's `.expected` twin. The cases cover what the generated
//! corpus does not: address wrapping (type 02 inside the segment, type 04 at 4 GiB), mixed
//! 02/04 records, lone CR line ends, a byte-order mark, over-long and short records, and the
//! S-record specifics (address widths, counts, S4, termination).
//!
//! After a deliberate change, `UPDATE_EXPECTED=1 cargo test -p image-merge --test readers`
//! rewrites the `.expected` files; review the diff.

use std::fmt::Write as _;
use std::path::Path;

use image_merge::input::{InputFormat, InputSpec};
use image_merge::{intel_hex, srec, ReadError};

fn describe(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    let spec = InputSpec::parse(path.to_str().unwrap()).unwrap();
    let file = std::fs::File::open(path).unwrap();
    let result = match spec.format {
        InputFormat::IntelHex => intel_hex::read(file, name),
        InputFormat::SRecord => srec::read(file, name),
        InputFormat::Binary { .. } => unreachable!("no binary cases"),
    };
    let mut out = String::new();
    match result {
        Err(ReadError::Parse(e)) => writeln!(out, "error: {e}").unwrap(),
        Err(e) => panic!("{name}: {e}"),
        Ok(d) => {
            for r in &d.runs {
                let end = r.end() - 1;
                writeln!(
                    out,
                    "data 0x{:08X}-0x{end:08X} {:02X?}",
                    r.start(),
                    r.data()
                )
                .unwrap();
            }
            for s in &d.starts {
                writeln!(out, "start {} at {}", s.address, s.location).unwrap();
            }
            for w in &d.warnings {
                writeln!(out, "{w}").unwrap();
            }
        }
    }
    out
}

#[test]
fn reader_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/readers");
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x != "expected"))
        .collect();
    entries.sort();
    let mut failures = Vec::new();
    for path in entries {
        let got = describe(&path);
        let exp_path = path.with_file_name(format!(
            "{}.expected",
            path.file_name().unwrap().to_str().unwrap()
        ));
        if update {
            std::fs::write(&exp_path, &got).unwrap();
        }
        let expected = std::fs::read_to_string(&exp_path)
            .unwrap_or_else(|_| panic!("missing {}", exp_path.display()));
        if got != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                path.display()
            ));
        }
        n += 1;
    }
    assert!(n >= 15, "only {n} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
