//! Runs the fuzz target's body over every Kconfiglib test file and over
//! truncated and byte-mutated versions of them: the parser never panics.

mod common;

#[test]
fn fuzz_body_never_panics_on_corpus_mutations() {
    let dir = common::corpus().join("kconfiglib-tests");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().unwrap().to_string_lossy().starts_with('K'))
        .collect();
    files.sort();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let specials = b"\"'\\$()#\n\t=!&|<>,";
    let mut runs = 0;
    for f in files {
        let data = std::fs::read(&f).unwrap();
        kconfig_parser::fuzzing::parse_bytes(&data);
        for cut in [data.len() / 3, data.len() / 2, data.len() * 9 / 10] {
            kconfig_parser::fuzzing::parse_bytes(&data[..cut]);
        }
        for _ in 0..20 {
            let mut m = data.clone();
            if m.is_empty() {
                break;
            }
            for _ in 0..3 {
                let i = (next() as usize) % m.len();
                m[i] = specials[(next() as usize) % specials.len()];
            }
            kconfig_parser::fuzzing::parse_bytes(&m);
            runs += 1;
        }
    }
    assert!(runs > 500);
}
