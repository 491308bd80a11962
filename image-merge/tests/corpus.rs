//! Differential tests on the generated corpus (`tests/corpus/hex/gen.py`).
//!
//! * merges of the manifest's cases are byte-identical to `intelhex_merge.py` (mergehex.py's
//!   behaviour over Python intelhex, spec 1.1) for every mergehex overlap policy, with the
//!   same success/failure;
//! * merged memory images equal srec_cat's (checked with the corpus's `compare.py`);
//! * every malformed file behaves as the spec's table says: where `compare.py` cannot decode
//!   it we fail with exit 2 at the damaged line and column (found by diffing the file with
//!   its undamaged twin); where `compare.py` accepts it with a warning we warn (or, for an
//!   address written twice, apply the overlap policy) and decode the same memory.
//!
//! Tools that are absent make the affected test print a notice and return
//! (`scripts/deps` installs them, so CI runs everything).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/hex")
}

fn python() -> &'static str {
    "/usr/bin/python3"
}

fn have_python() -> bool {
    Path::new(python()).exists()
}

fn have_intelhex() -> bool {
    have_python()
        && Command::new(python())
            .args(["-c", "import intelhex"])
            .output()
            .is_ok_and(|o| o.status.success())
}

fn have_srec_cat() -> bool {
    Command::new("srec_cat")
        .arg("-VERSion")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The generated standard sets (small, overlap, malformed, edge), made once per run.
fn suite() -> Option<&'static Path> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| {
        if !have_python() {
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let st = Command::new(python())
            .arg(corpus().join("gen.py"))
            .args(["suite", "--outdir"])
            .arg(dir.path())
            .args(["--sets", "small,overlap,malformed,edge"])
            .output()
            .expect("run gen.py");
        assert!(st.status.success(), "gen.py failed: {st:?}");
        Some(dir)
    })
    .as_ref()
    .map(|d| d.path())
}

fn skip(what: &str) {
    eprintln!("NOTICE: skipping: {what} not installed (run scripts/deps)");
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn case_inputs(dir: &Path, case: &str) -> Vec<PathBuf> {
    manifest(dir)["cases"][case]["inputs"]
        .as_array()
        .unwrap_or_else(|| panic!("case {case} in manifest"))
        .iter()
        .map(|v| dir.join(v.as_str().unwrap()))
        .collect()
}

fn hexmerge(args: &[&str], inputs: &[PathBuf], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hexmerge"))
        .arg("-o")
        .arg(out)
        .args(args)
        .args(inputs)
        .output()
        .unwrap()
}

fn reference(policy: &str, inputs: &[PathBuf], out: &Path) -> Output {
    Command::new(python())
        .arg(corpus().join("intelhex_merge.py"))
        .arg("-o")
        .arg(out)
        .args(["--overlap", policy])
        .args(inputs)
        .output()
        .unwrap()
}

fn compare(args: &[&str], a: &Path, b: &Path) -> Output {
    Command::new(python())
        .arg(corpus().join("compare.py"))
        .args(args)
        .arg(a)
        .arg(b)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Merges one case with both tools under `policy` and checks exit codes and output bytes.
fn against_intelhex(dir: &Path, case: &str, inputs: &[PathBuf], policy: &str) {
    let work = tempfile::tempdir().unwrap();
    let ours = work.path().join("ours.hex");
    let theirs = work.path().join("theirs.hex");
    let a = hexmerge(&["--overlap", policy], inputs, &ours);
    let b = reference(policy, inputs, &theirs);
    let _ = dir;
    assert_eq!(
        a.status.code(),
        b.status.code(),
        "{case} --overlap {policy}: exit codes differ\nours: {}\nreference: {}",
        text(&a),
        text(&b)
    );
    if b.status.success() {
        let x = std::fs::read(&ours).unwrap();
        let y = std::fs::read(&theirs).unwrap();
        assert!(
            x == y,
            "{case} --overlap {policy}: output differs from intelhex"
        );
    } else {
        assert!(!ours.exists(), "{case}: output left behind after a failure");
    }
}

#[test]
fn merges_are_byte_identical_to_intelhex() {
    let Some(dir) = suite() else {
        return skip("/usr/bin/python3");
    };
    if !have_intelhex() {
        return skip("python3-intelhex");
    }
    let m = manifest(dir);
    let cases = m["cases"].as_object().unwrap();
    assert!(cases.len() >= 5);
    for case in cases.keys() {
        let inputs = case_inputs(dir, case);
        for policy in ["error", "ignore", "replace"] {
            against_intelhex(dir, case, &inputs, policy);
        }
    }
    // Every edge file alone and all of them after the small bootloader (re-emitting
    // CRLF, lower case, 255-byte and type-02 input in canonical form).
    let files = m["files"].as_object().unwrap();
    for name in files.keys().filter(|n| n.starts_with("edge_")) {
        let inputs = vec![dir.join(name)];
        against_intelhex(dir, name, &inputs, "error");
        let with_boot = vec![dir.join("small_boot.hex"), dir.join(name)];
        against_intelhex(dir, name, &with_boot, "error");
    }
}

#[test]
fn memory_images_equal_srec_cat() {
    let Some(dir) = suite() else {
        return skip("/usr/bin/python3");
    };
    if !have_srec_cat() {
        return skip("srecord (srec_cat)");
    }
    let m = manifest(dir);
    let work = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, Vec<PathBuf>)> = ["small", "start_conflict", "start_mixed"]
        .iter()
        .map(|c| (c.to_string(), case_inputs(dir, c)))
        .collect();
    for name in m["files"].as_object().unwrap().keys() {
        if name.starts_with("edge_") {
            cases.push((name.clone(), vec![dir.join(name)]));
        }
    }
    for (case, inputs) in cases {
        let ours = work.path().join(format!("{case}.ours.hex"));
        let theirs = work.path().join(format!("{case}.srec_cat.hex"));
        // srec_cat keeps the first input's start address: our `--start first`.
        for style in [&[][..], &["--srec-cat-style"][..]] {
            let mut args = vec!["--start", "first"];
            args.extend_from_slice(style);
            let a = hexmerge(&args, &inputs, &ours);
            assert!(a.status.success(), "{case}: {}", text(&a));
            let mut cmd = Command::new("srec_cat");
            for i in &inputs {
                cmd.arg(i).arg("-Intel");
            }
            let b = cmd.arg("-o").arg(&theirs).arg("-Intel").output().unwrap();
            assert!(
                b.status.success(),
                "srec_cat failed on {case}: {}",
                text(&b)
            );
            let c = compare(&["--start-mode", "linear"], &theirs, &ours);
            assert!(
                c.status.success(),
                "{case} {style:?}: memory differs from srec_cat:\n{}",
                text(&c)
            );
        }
    }
}

/// The first (line, column) where two texts differ, 1-based.
fn first_difference(bad: &str, clean: &str) -> (usize, usize) {
    let (b, c): (Vec<&str>, Vec<&str>) = (bad.lines().collect(), clean.lines().collect());
    for i in 0..b.len().max(c.len()) {
        let (x, y) = (b.get(i).copied(), c.get(i).copied());
        if x != y {
            let (x, y) = (x.unwrap_or(""), y.unwrap_or(""));
            let col = x
                .bytes()
                .zip(y.bytes())
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            return (i + 1, col + 1);
        }
    }
    panic!("files are identical")
}

/// The undamaged twin of `bad_<kind>.hex` (same generator arguments, no corruption).
fn clean_twin(dir: &Path, kind: &str) -> String {
    let m = manifest(dir);
    let f = &m["files"][format!("bad_{kind}.hex")];
    let out = dir.join(format!("clean_{kind}.hex"));
    let mut cmd = Command::new(python());
    cmd.arg(corpus().join("gen.py"))
        .args(["one", "--out"])
        .arg(&out)
        .args(["--base", &f["base"].to_string()])
        .args(["--size", &f["data_bytes"].to_string()])
        .args(["--seed", &f["seed"].to_string()])
        .args(["--record-len", &f["record_len"].to_string()]);
    if kind != "dup-start" {
        // The suite gives every malformed file but dup-start a type-05 record at base+1.
        let start = f["base"].as_u64().unwrap() + 1;
        cmd.args(["--start-linear", &start.to_string()]);
    }
    assert!(cmd.output().unwrap().status.success());
    std::fs::read_to_string(out).unwrap()
}

/// `file:line:col:` of an error message.
fn error_location(stderr: &str, file: &str) -> (usize, usize) {
    let at = stderr
        .find(file)
        .unwrap_or_else(|| panic!("message names the file: {stderr}"));
    let mut it = stderr[at + file.len()..].split(':');
    assert_eq!(it.next(), Some(""), "{stderr}");
    let line = it.next().unwrap().parse().expect("a line number");
    let col = it.next().unwrap().parse().expect("a column");
    (line, col)
}

/// The two lines of "first written on line A, again on line B" in an overlap report.
fn self_overlap_lines(stderr: &str) -> (usize, usize) {
    let number = |after: &str| -> usize {
        let at = stderr
            .find(after)
            .unwrap_or_else(|| panic!("the report names the lines: {stderr}"));
        let digits: String = stderr[at + after.len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().expect("a line number")
    };
    (number("first written on line "), number("again on line "))
}

/// The line number of the first `file:line[:col]: warning` message.
fn warning_line(stderr: &str, file: &str) -> usize {
    let at = stderr
        .find(&format!("{file}:"))
        .unwrap_or_else(|| panic!("a warning names the file: {stderr}"));
    let rest = &stderr[at + file.len() + 1..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().expect("a line number")
}

#[test]
fn malformed_inputs_behave_as_the_spec_table_says() {
    let Some(dir) = suite() else {
        return skip("/usr/bin/python3");
    };
    let m = manifest(dir);
    let kinds: Vec<String> = m["corruptions"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(kinds.len(), 16);
    let work = tempfile::tempdir().unwrap();
    for kind in kinds {
        let name = format!("bad_{kind}.hex");
        let path = dir.join(&name);
        let info = Command::new(python())
            .arg(corpus().join("compare.py"))
            .arg("--info")
            .arg(&path)
            .output()
            .unwrap();
        let out = work.path().join(format!("{kind}.out.hex"));
        let ours = hexmerge(&[], std::slice::from_ref(&path), &out);
        let stderr = String::from_utf8_lossy(&ours.stderr).to_string();
        let bad_text = std::fs::read_to_string(&path).unwrap();
        let clean = clean_twin(dir, &kind);
        let (dline, dcol) = first_difference(&bad_text, &clean);
        if info.status.code() == Some(2) {
            // The reference checker cannot decode it: we must fail at the damage.
            assert_eq!(ours.status.code(), Some(2), "{kind}: {stderr}");
            assert!(!out.exists(), "{kind}: output left behind");
            let (line, col) = error_location(&stderr, &name);
            assert_eq!(line, dline, "{kind}: wrong line: {stderr}");
            assert!(
                col <= dcol && dcol <= col + 1,
                "{kind}: column {col} does not point at the damage (col {dcol}): {stderr}"
            );
            assert!(
                stderr.contains("expected"),
                "{kind}: says what was expected: {stderr}"
            );
            continue;
        }
        // Accepted by the reference checker with a warning.
        let warned = String::from_utf8_lossy(&info.stdout).contains("warning");
        assert!(warned, "{kind}: compare.py accepts it silently?");
        let twice = String::from_utf8_lossy(&info.stdout).contains("written more than once");
        if twice {
            // An address written twice inside one input: the overlap policy decides.
            assert_eq!(ours.status.code(), Some(1), "{kind}: {stderr}");
            assert!(stderr.contains("twice"), "{kind}: {stderr}");
            // It names the lines of both records: the first one is in the clean twin too,
            // the repeat is where the files differ, and both write the same address.
            let (first, again) = self_overlap_lines(&stderr);
            let bad: Vec<&str> = bad_text.lines().collect();
            let clean_lines: Vec<&str> = clean.lines().collect();
            assert!(first < again && again >= dline, "{kind}: {stderr}");
            assert_eq!(bad[first - 1], clean_lines[first - 1], "{kind}: {stderr}");
            assert_eq!(
                bad[first - 1][3..7],
                bad[again - 1][3..7],
                "{kind}: {stderr}"
            );
            if kind == "self-overlap-same" {
                assert_eq!(bad[first - 1], bad[again - 1], "{kind}: {stderr}");
            }
            assert!(!out.exists());
            let last = hexmerge(&["--overlap", "last"], std::slice::from_ref(&path), &out);
            assert!(last.status.success(), "{kind}: {}", text(&last));
        } else {
            assert!(ours.status.success(), "{kind}: {stderr}");
            assert!(
                stderr.contains(&format!("{name}:")) && stderr.contains("warning"),
                "{kind}: the oddity must be reported: {stderr:?}"
            );
            let line = warning_line(&stderr, &name);
            // The warning points at the first oddity (the line before it for a
            // missing EOF, the second record for a duplicate start).
            assert!(
                line == dline || line + 1 == dline || line == dline + 1,
                "{kind}: warning at line {line}, damage at line {dline}: {stderr}"
            );
        }
        // Same memory as the reference checker's decoding (which keeps the last value).
        let c = compare(&["--ignore-start"], &path, &out);
        assert!(c.status.success(), "{kind}: memory differs:\n{}", text(&c));
    }
}

#[test]
fn overlap_reports_name_both_files_and_the_ranges() {
    let Some(dir) = suite() else {
        return skip("/usr/bin/python3");
    };
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("o.hex");
    for (case, identical) in [("ovl_same", true), ("ovl_diff", false)] {
        let inputs = case_inputs(dir, case);
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        let r = hexmerge(&[], &inputs, &out);
        assert_eq!(r.status.code(), Some(1));
        let msg = text(&r);
        assert!(msg.contains(&names[0]) && msg.contains(&names[1]), "{msg}");
        let f = &manifest(dir)["files"][inputs[1].file_name().unwrap().to_str().unwrap()];
        let (base, size) = (
            f["base"].as_u64().unwrap(),
            f["data_bytes"].as_u64().unwrap(),
        );
        let range = format!("0x{:08X}-0x{:08X} ({size} bytes", base, base + size - 1);
        assert!(msg.contains(&range), "{msg}\nexpected {range}");
        assert_eq!(msg.contains("identical contents"), identical, "{msg}");
        // `identical` accepts exactly the identical case.
        let r = hexmerge(&["--overlap", "identical"], &inputs, &out);
        assert_eq!(r.status.success(), identical, "{}", text(&r));
    }
}

#[test]
fn binary_output_equals_intelhex_tofile() {
    let Some(dir) = suite() else {
        return skip("/usr/bin/python3");
    };
    if !have_intelhex() {
        return skip("python3-intelhex");
    }
    let work = tempfile::tempdir().unwrap();
    for case in ["small", "start_conflict"] {
        let inputs = case_inputs(dir, case);
        let ours = work.path().join(format!("{case}.bin"));
        let theirs = work.path().join(format!("{case}.ref.bin"));
        let a = hexmerge(&[], &inputs, &ours);
        assert!(a.status.success(), "{}", text(&a));
        let b = Command::new(python())
            .arg(corpus().join("intelhex_merge.py"))
            .arg("--output-bin")
            .arg("-o")
            .arg(&theirs)
            .args(&inputs)
            .output()
            .unwrap();
        assert!(b.status.success(), "{}", text(&b));
        assert!(
            std::fs::read(&ours).unwrap() == std::fs::read(&theirs).unwrap(),
            "{case}: binary output differs from intelhex tofile()"
        );
    }
}

#[test]
fn s_records_agree_with_srec_cat_both_ways() {
    let Some(dir) = suite() else {
        return skip("/usr/bin/python3");
    };
    if !have_srec_cat() {
        return skip("srecord (srec_cat)");
    }
    let work = tempfile::tempdir().unwrap();
    let w = |n: &str| work.path().join(n);
    for case in ["small", "start_mixed"] {
        let inputs = case_inputs(dir, case);
        // srec_cat writes S-records; we read them back to the same memory and start.
        let mut cmd = Command::new("srec_cat");
        for i in &inputs {
            cmd.arg(i).arg("-Intel");
        }
        let s = cmd.arg("-o").arg(w("sc.srec")).output().unwrap();
        assert!(s.status.success(), "{}", text(&s));
        let mut cmd = Command::new("srec_cat");
        for i in &inputs {
            cmd.arg(i).arg("-Intel");
        }
        let s = cmd
            .arg("-o")
            .arg(w("sc.hex"))
            .arg("-Intel")
            .output()
            .unwrap();
        assert!(s.status.success());
        let a = hexmerge(&["--start", "first"], &[w("sc.srec")], &w("from_srec.hex"));
        assert!(a.status.success(), "{}", text(&a));
        let c = compare(
            &["--start-mode", "linear"],
            &w("sc.hex"),
            &w("from_srec.hex"),
        );
        assert!(c.status.success(), "{case}: {}", text(&c));
        // We write S-records; srec_cat reads them to the same memory and start.
        let a = hexmerge(&["--start", "first"], &inputs, &w("ours.s37"));
        assert!(a.status.success(), "{}", text(&a));
        let s = Command::new("srec_cat")
            .arg(w("ours.s37"))
            .arg("-o")
            .arg(w("ours_via_sc.hex"))
            .arg("-Intel")
            .output()
            .unwrap();
        assert!(
            s.status.success(),
            "srec_cat rejects our S-records: {}",
            text(&s)
        );
        let c = compare(
            &["--start-mode", "linear"],
            &w("sc.hex"),
            &w("ours_via_sc.hex"),
        );
        assert!(c.status.success(), "{case}: {}", text(&c));
    }
}

/// The 4 x 4 MiB `mid` set (44 MiB of text): byte-identical to the intelhex driver and the
/// same memory as srec_cat. Expensive (the Python reference takes ~10 s), so release only:
/// `cargo test --release -p image-merge --test corpus mid` (ignored in debug builds).
#[test]
#[cfg_attr(debug_assertions, ignore = "expensive: run in release")]
fn mid_set_matches_the_references() {
    if !have_intelhex() {
        return skip("python3-intelhex");
    }
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new(python())
        .arg(corpus().join("gen.py"))
        .args(["suite", "--outdir"])
        .arg(dir.path())
        .args(["--sets", "mid"])
        .output()
        .unwrap();
    assert!(st.status.success());
    let inputs = case_inputs(dir.path(), "mid");
    against_intelhex(dir.path(), "mid", &inputs, "error");
    if have_srec_cat() {
        let ours = dir.path().join("ours.hex");
        let theirs = dir.path().join("srec_cat.hex");
        assert!(hexmerge(&[], &inputs, &ours).status.success());
        let mut cmd = Command::new("srec_cat");
        for i in &inputs {
            cmd.arg(i).arg("-Intel");
        }
        assert!(cmd
            .arg("-o")
            .arg(&theirs)
            .arg("-Intel")
            .status()
            .unwrap()
            .success());
        let c = compare(&["--ignore-start"], &theirs, &ours);
        assert!(c.status.success(), "{}", text(&c));
    }
}

/// Type-02 (i16hex) output: intelhex reads it back to exactly our default output, and
/// srec_cat to the same memory.
#[test]
fn segment_record_output_reads_back_in_the_reference_tools() {
    let Some(dir) = suite() else {
        return skip("/usr/bin/python3");
    };
    if !have_intelhex() {
        return skip("python3-intelhex");
    }
    let work = tempfile::tempdir().unwrap();
    let w = |n: &str| work.path().join(n);
    let inputs = case_inputs(dir, "small");
    let a = hexmerge(&["--address-records", "segment"], &inputs, &w("seg.hex"));
    assert!(a.status.success(), "{}", text(&a));
    let seg = std::fs::read_to_string(w("seg.hex")).unwrap();
    assert!(seg.contains(":020000021000EC") && !seg.contains(":02000004"));
    assert!(hexmerge(&[], &inputs, &w("plain.hex")).status.success());
    let b = reference("error", &[w("seg.hex")], &w("via_intelhex.hex"));
    assert!(b.status.success(), "{}", text(&b));
    assert!(
        std::fs::read(w("via_intelhex.hex")).unwrap() == std::fs::read(w("plain.hex")).unwrap()
    );
    if have_srec_cat() {
        let s = Command::new("srec_cat")
            .arg(w("seg.hex"))
            .arg("-Intel")
            .arg("-o")
            .arg(w("via_srec_cat.hex"))
            .arg("-Intel")
            .output()
            .unwrap();
        assert!(s.status.success(), "{}", text(&s));
        let c = compare(&["--ignore-start"], &w("via_srec_cat.hex"), &w("plain.hex"));
        assert!(c.status.success(), "{}", text(&c));
    }
    // Above 1 MiB it is refused and nothing is written.
    let big = w("high.hex");
    std::fs::write(&big, ":020000040010EA\n:0100000001FE\n:00000001FF\n").unwrap();
    let r = hexmerge(&["--address-records", "segment"], &[big], &w("no.hex"));
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    assert!(text(&r).contains("type-02"), "{}", text(&r));
    assert!(!w("no.hex").exists());
}
