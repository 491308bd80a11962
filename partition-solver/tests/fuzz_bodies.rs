//! Runs the fuzz target bodies over the corpus and over mutations of it (no nightly needed).

use partition_solver::fuzzing;
use std::fs;
use std::path::{Path, PathBuf};

fn corpus_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm")];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "h") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fuzz_bodies_survive_corpus_and_mutations() {
    let files = corpus_files();
    assert!(files.len() > 200);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (i, f) in files.iter().enumerate() {
        let data = fs::read(f).unwrap();
        fuzzing::yaml(&data);
        fuzzing::preprocess(&data);
        if i % 4 == 0 {
            fuzzing::solve(&data);
        }
        // A few byte-level mutations: truncation, deletion, duplication, byte flips.
        for _ in 0..3 {
            let mut m = data.clone();
            if m.is_empty() {
                break;
            }
            let at = (rnd() as usize) % m.len();
            match rnd() % 4 {
                0 => m.truncate(at),
                1 => {
                    m.remove(at);
                }
                2 => {
                    let chunk: Vec<u8> = m[at..(at + 16).min(m.len())].to_vec();
                    m.splice(at..at, chunk);
                }
                _ => m[at] = b"{}[]:,-#&*'\"\n 0x"[(rnd() % 16) as usize],
            }
            fuzzing::yaml(&m);
            fuzzing::preprocess(&m);
            if i % 8 == 0 {
                fuzzing::solve(&m);
            }
        }
    }
}
