//! Runs the cargo-fuzz bodies (`fuzz/bodies.rs`) in a normal test: over the bundled example,
//! the generated corpus (malformed and edge sets) and many random mutations of them. The
//! readers must never panic, and whatever parses must survive a write/read round trip.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

include!("../fuzz/bodies.rs");

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(make_seeds)
}

fn make_seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut v = vec![
        std::fs::read(root.join("examples/hex/bootloader.hex")).unwrap(),
        std::fs::read(root.join("examples/hex/app.hex")).unwrap(),
        b":020000021000EC\n:10FFF800000102030405060708090A0B0C0D0E0F7C\n:00000001FF\n".to_vec(),
        b":02000004FFFF FC\n:10FFF800000102030405060708090A0B0C0D0E0F7C\n".to_vec(),
        b"S0030000FC\nS1130000000102030405060708090A0B0C0D0E0F74\nS5030001FB\nS9030000FC\n"
            .to_vec(),
        b"S3150000FFF8000102030405060708090A0B0C0D0E0F64\nS70500000000FA\n".to_vec(),
    ];
    let python = Path::new("/usr/bin/python3");
    if python.exists() {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new(python)
            .arg(root.join("tests/corpus/hex/gen.py"))
            .args(["suite", "--outdir"])
            .arg(dir.path())
            .args(["--sets", "malformed,edge"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            for e in std::fs::read_dir(dir.path()).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "hex") {
                    v.push(std::fs::read(p).unwrap());
                }
            }
        }
    } else {
        eprintln!("NOTICE: /usr/bin/python3 missing: fuzz seeds without the generated corpus");
    }
    v
}

#[test]
fn bodies_accept_every_seed() {
    for s in seeds() {
        fuzz_bodies::intel_hex_body(s);
        fuzz_bodies::srec_body(s);
        fuzz_bodies::binary_body(s);
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        Just(b':'),
        Just(b'S'),
        Just(b'\n'),
        Just(b'\r'),
        Just(b' '),
        Just(b'0'),
        Just(b'F'),
        Just(b'f'),
        Just(b'4'),
        any::<u8>()
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn bodies_never_panic_on_mutations(seed in any::<usize>(), edits in prop::collection::vec(arb_edit(), 1..8)) {
        let seeds = seeds();
        let mut s = seeds[seed % seeds.len()].clone();
        for e in edits {
            let n = s.len().max(1);
            match e {
                Edit::Flip(i, b) => { if !s.is_empty() { s[i % n] = b; } }
                Edit::Insert(i, b) => s.insert(i % (s.len() + 1), b),
                Edit::Delete(i) => { if !s.is_empty() { s.remove(i % n); } }
                Edit::Truncate(i) => s.truncate(i % (s.len() + 1)),
            }
        }
        fuzz_bodies::intel_hex_body(&s);
        fuzz_bodies::srec_body(&s);
        fuzz_bodies::binary_body(&s);
    }

    #[test]
    fn bodies_never_panic_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        fuzz_bodies::intel_hex_body(&bytes);
        fuzz_bodies::srec_body(&bytes);
        fuzz_bodies::binary_body(&bytes);
    }
}
