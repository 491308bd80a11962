//! Command-line behaviour of `hexmerge`: exit codes, atomic output, refusal to overwrite an
//! input, mergehex.py compatibility details, formats, policies and the JSON report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image_merge::intel_hex;
use image_merge::{MemoryImage, StartAddress};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hexmerge"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn write_hex(path: &Path, bytes: &[(u32, u8)], start: Option<StartAddress>) {
    let mut img = MemoryImage::from_bytes(bytes.iter().copied());
    img.set_start_address(start);
    let mut f = std::fs::File::create(path).unwrap();
    intel_hex::write(&img, &Default::default(), &mut f).unwrap();
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().to_path_buf();
    write_hex(
        &p.join("a.hex"),
        &(0..32).map(|i| (0x1000 + i, i as u8)).collect::<Vec<_>>(),
        Some(StartAddress::Linear(0x1001)),
    );
    write_hex(
        &p.join("b.hex"),
        &(0..16)
            .map(|i| (0x2_0000 + i, 0xA0 + i as u8))
            .collect::<Vec<_>>(),
        Some(StartAddress::Segment { cs: 0x1234, ip: 5 }),
    );
    // Overlaps a.hex at 0x1010..0x101F with different bytes.
    write_hex(
        &p.join("c.hex"),
        &(0..16).map(|i| (0x1010 + i, 0xFF)).collect::<Vec<_>>(),
        None,
    );
    (d, p)
}

/// The JSON report of merging `inputs` under `--overlap last` (which must succeed).
fn last_wins_report(dir: &Path, inputs: &[&str]) -> serde_json::Value {
    let mut args = vec!["-o", "o.hex", "--overlap", "last", "--report", "json"];
    args.extend_from_slice(inputs);
    let o = run(dir, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("hexmerge-"))
        .collect()
}

#[test]
fn zero_inputs_give_an_eof_only_file_like_mergehex() {
    let (_d, p) = setup();
    let o = run(&p, &["-o", "out.hex"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(p.join("out.hex")).unwrap(), b":00000001FF\n");
}

#[test]
fn dash_writes_to_standard_output() {
    let (_d, p) = setup();
    let o = run(&p, &["-o", "-", "a.hex", "b.hex"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = run(&p, &["-o", "f.hex", "a.hex", "b.hex"]);
    assert!(f.status.success());
    assert_eq!(o.stdout, std::fs::read(p.join("f.hex")).unwrap());
}

#[test]
fn default_output_name_is_merged_hex() {
    let (_d, p) = setup();
    let o = run(&p, &["a.hex", "b.hex"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(p.join("merged.hex").exists());
}

#[test]
fn failed_merge_leaves_an_existing_output_untouched_and_no_temp_file() {
    let (_d, p) = setup();
    std::fs::write(p.join("out.hex"), b"previous").unwrap();
    let o = run(&p, &["-o", "out.hex", "a.hex", "c.hex"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("a.hex and c.hex overlap at 0x00001010-0x0000101F (16 bytes, 16 differ, first difference at 0x00001010)"), "{e}");
    assert_eq!(std::fs::read(p.join("out.hex")).unwrap(), b"previous");
    assert!(leftovers(&p).is_empty());
    // A bad input: exit 2, still untouched, no output when none existed.
    std::fs::write(p.join("bad.hex"), b":00000001FE\n").unwrap();
    let o = run(&p, &["-o", "out.hex", "a.hex", "bad.hex"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.hex:1:10: checksum mismatch: expected 0xFF, found 0xFE"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(p.join("out.hex")).unwrap(), b"previous");
    let o = run(&p, &["-o", "new.hex", "bad.hex"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!p.join("new.hex").exists());
    assert!(leftovers(&p).is_empty());
}

#[test]
fn writing_over_an_input_is_refused() {
    let (_d, p) = setup();
    let before = std::fs::read(p.join("a.hex")).unwrap();
    let o = run(&p, &["-o", "./a.hex", "a.hex", "b.hex"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("also an input"), "{}", stderr(&o));
    assert_eq!(std::fs::read(p.join("a.hex")).unwrap(), before);
}

#[test]
fn usage_errors_exit_2() {
    let (_d, p) = setup();
    assert_eq!(
        run(&p, &["--overlap", "sometimes", "a.hex"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&p, &["--record-length", "0", "a.hex"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&p, &["--no-such-option"]).status.code(), Some(2));
    let o = run(&p, &["x.bin"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("x.bin@0x"), "{}", stderr(&o));
    assert_eq!(run(&p, &["missing.hex"]).status.code(), Some(2));
}

#[test]
fn mergehex_policy_names_and_ours() {
    let (_d, p) = setup();
    for (policy, byte) in [
        ("ignore", 0x10u8),
        ("first", 0x10),
        ("replace", 0xFF),
        ("last", 0xFF),
    ] {
        let o = run(&p, &["-o", "o.hex", "--overlap", policy, "a.hex", "c.hex"]);
        assert!(o.status.success(), "{policy}: {}", stderr(&o));
        let data = intel_hex::read(std::fs::File::open(p.join("o.hex")).unwrap(), "o.hex").unwrap();
        let img = image_merge::merge(vec![data], &Default::default())
            .unwrap()
            .image;
        assert_eq!(img.get(0x1010), Some(byte), "{policy}");
        assert_eq!(
            img.start_address(),
            None,
            "start addresses are dropped by default"
        );
    }
    assert_eq!(
        run(
            &p,
            &["-o", "o.hex", "--overlap", "identical", "a.hex", "c.hex"]
        )
        .status
        .code(),
        Some(1)
    );
    assert!(run(
        &p,
        &["-o", "o.hex", "--overlap", "identical", "a.hex", "a.hex"]
    )
    .status
    .success());
}

#[test]
fn start_policies() {
    let (_d, p) = setup();
    let start_of = |args: &[&str]| {
        let mut a = vec!["-o", "s.hex"];
        a.extend_from_slice(args);
        let o = run(&p, &a);
        (o.status.code(), {
            let d = intel_hex::read(std::fs::File::open(p.join("s.hex")).unwrap(), "s").unwrap();
            d.starts.first().map(|s| s.address)
        })
    };
    assert_eq!(start_of(&["a.hex", "b.hex"]), (Some(0), None));
    assert_eq!(
        start_of(&["--start", "first", "a.hex", "b.hex"]),
        (Some(0), Some(StartAddress::Linear(0x1001)))
    );
    assert_eq!(
        start_of(&["--start", "last", "a.hex", "b.hex"]),
        (Some(0), Some(StartAddress::Segment { cs: 0x1234, ip: 5 }))
    );
    assert_eq!(
        start_of(&[
            "--start",
            "error-on-conflict",
            "--overlap",
            "last",
            "a.hex",
            "c.hex"
        ])
        .1,
        Some(StartAddress::Linear(0x1001))
    );
    let o = run(
        &p,
        &[
            "-o",
            "t.hex",
            "--start",
            "error-on-conflict",
            "a.hex",
            "b.hex",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("a.hex") && stderr(&o).contains("b.hex"),
        "{}",
        stderr(&o)
    );
    assert!(!p.join("t.hex").exists());
    assert_eq!(
        start_of(&["--start-address", "0x8000", "a.hex"]).1,
        Some(StartAddress::Linear(0x8000))
    );
}

#[test]
fn formats_binary_inputs_and_ranges() {
    let (_d, p) = setup();
    std::fs::write(p.join("blob.bin"), [1u8, 2, 3, 4]).unwrap();
    let o = run(
        &p,
        &[
            "-o",
            "out.bin",
            "--fill",
            "0x00",
            "blob.bin@0x1020",
            "a.hex",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let bin = std::fs::read(p.join("out.bin")).unwrap();
    let mut expected: Vec<u8> = (0..32).collect();
    expected.extend_from_slice(&[1, 2, 3, 4]);
    assert_eq!(bin, expected);
    let o = run(
        &p,
        &[
            "-o",
            "r.bin",
            "--range",
            "0x101E:0x1028",
            "--fill",
            "0xEE",
            "blob.bin@0x1020",
            "a.hex",
        ],
    );
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("30 byte(s) outside the output range dropped"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(p.join("r.bin")).unwrap(),
        [30, 31, 1, 2, 3, 4, 0xEE, 0xEE, 0xEE, 0xEE]
    );
    // S-record out and back in, CRLF and record length honoured.
    let o = run(
        &p,
        &[
            "-o",
            "m.srec",
            "--line-ending",
            "crlf",
            "--record-length",
            "8",
            "a.hex",
            "b.hex",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = std::fs::read_to_string(p.join("m.srec")).unwrap();
    assert!(s.starts_with("S0030000FC\r\nS20C001000"), "{s}");
    let o = run(&p, &["-o", "back.hex", "m.srec"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&p, &["-o", "direct.hex", "a.hex", "b.hex"]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(p.join("back.hex")).unwrap(),
        std::fs::read(p.join("direct.hex")).unwrap()
    );
}

#[test]
fn srec_cat_style_layout() {
    let (_d, p) = setup();
    let o = run(&p, &["-o", "s.hex", "--srec-cat-style", "a.hex", "b.hex"]);
    assert!(o.status.success());
    let s = std::fs::read_to_string(p.join("s.hex")).unwrap();
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], ":020000040000FA");
    assert!(lines[1].starts_with(":20100000"), "32-byte records: {s}");
    assert_eq!(lines[2], ":020000040002F8");
    assert_eq!(lines.len(), 5);
}

#[test]
fn json_report_says_what_came_from_where() {
    let (_d, p) = setup();
    let v = last_wins_report(&p, &["a.hex", "c.hex", "b.hex"]);
    let prov = v["provenance"].as_array().unwrap();
    let ranges: Vec<(u64, u64, u64)> = prov
        .iter()
        .map(|r| {
            (
                r["start"].as_u64().unwrap(),
                r["end"].as_u64().unwrap(),
                r["input"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranges,
        vec![
            (0x1000, 0x100F, 0),
            (0x1010, 0x101F, 1),
            (0x2_0000, 0x2_000F, 2)
        ]
    );
    assert_eq!(v["overlaps"][0]["differing"], 16);
    assert_eq!(v["inputs"][1]["name"], "c.hex");
    assert_eq!(v["output"]["data_bytes"], 48);
    // On an overlap error the report lists the ranges.
    let o = run(&p, &["-o", "o2.hex", "--report", "json", "a.hex", "c.hex"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"], "overlap");
    let r = &v["report"]["overlaps"][0];
    assert_eq!(
        (r["start"].as_u64(), r["end"].as_u64(), r["bytes"].as_u64()),
        (Some(0x1010), Some(0x101F), Some(16))
    );
    assert_eq!(
        (r["first"].as_str(), r["second"].as_str()),
        (Some("a.hex"), Some("c.hex"))
    );
}

#[test]
fn readme_example_merges() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("merged.hex");
    let o = Command::new(env!("CARGO_BIN_EXE_hexmerge"))
        .current_dir(&root)
        .arg("-o")
        .arg(&out)
        .args(["examples/hex/bootloader.hex", "examples/hex/app.hex"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        o.stderr.is_empty(),
        "no warnings on the example: {}",
        stderr(&o)
    );
    let data = intel_hex::read(std::fs::File::open(&out).unwrap(), "merged.hex").unwrap();
    assert!(data.data_len() > 1000);
}

#[test]
fn overlap_report_is_capped_with_and_n_more() {
    let (_d, p) = setup();
    let bytes: Vec<(u32, u8)> = (0..30).map(|i| (0x100 * i, i as u8)).collect();
    write_hex(&p.join("x.hex"), &bytes, None);
    write_hex(&p.join("y.hex"), &bytes, None);
    let o = run(&p, &["-o", "o.hex", "x.hex", "y.hex"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("30 overlapping ranges"), "{e}");
    assert_eq!(e.matches("x.hex and y.hex overlap at").count(), 20, "{e}");
    assert!(e.contains("and 10 more"), "{e}");
    assert!(!p.join("o.hex").exists());
}

#[test]
fn ignore_checksums_accepts_with_a_warning() {
    let (_d, p) = setup();
    std::fs::write(
        p.join("sum.hex"),
        ":0100000001FF\n:0100010002FF\n:00000001FF\n",
    )
    .unwrap();
    let o = run(&p, &["-o", "o.hex", "sum.hex"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("sum.hex:1:12: checksum mismatch: expected 0xFE, found 0xFF"),
        "{}",
        stderr(&o)
    );
    let o = run(&p, &["-o", "o.hex", "--ignore-checksums", "sum.hex"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sum.hex:1: warning: 2 record(s) with a wrong checksum accepted"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(p.join("o.hex")).unwrap(),
        b":020000000102FB\n:00000001FF\n"
    );
}

#[test]
fn self_overlap_names_the_lines_of_both_records() {
    let (_d, p) = setup();
    // Line 6 writes 0x1018-0x1027 again: 0x1018 was first written by the record on line 3
    // (a blank line and a type-04 record stand between, as in real files).
    std::fs::write(
        p.join("self.hex"),
        ":020000040000FA\n\
         :10100000000102030405060708090A0B0C0D0E0F68\n\
         :10101000101112131415161718191A1B1C1D1E1F58\n\
         \n\
         :10102000202122232425262728292A2B2C2D2E2F48\n\
         :10101800FF1112131415161718191A1B1C1D1E1F61\n\
         :00000001FF\n",
    )
    .unwrap();
    let o = run(&p, &["-o", "o.hex", "self.hex"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(
            "self.hex writes 0x00001018-0x00001027 twice (16 bytes, 16 differ, first difference \
             at 0x00001018); first written on line 3, again on line 6"
        ),
        "{e}"
    );
    // The same in S-record form; the report carries the lines too.
    std::fs::write(
        p.join("self.srec"),
        "S0030000FC\nS1051000AABB85\nS1051002CCDD3F\nS1041001BB2F\nS9030000FC\n",
    )
    .unwrap();
    let v = last_wins_report(&p, &["self.srec"]);
    let r = &v["overlaps"][0];
    assert_eq!(
        (r["start"].as_u64(), r["end"].as_u64()),
        (Some(0x1001), Some(0x1001))
    );
    assert_eq!(
        (
            r["lines"]["first"].as_u64(),
            r["lines"]["repeated"].as_u64()
        ),
        (Some(2), Some(4))
    );
    // Between two inputs the lines are not given (the report names both files).
    let v = last_wins_report(&p, &["a.hex", "c.hex"]);
    assert!(v["overlaps"][0].get("lines").is_none(), "{v}");
}
