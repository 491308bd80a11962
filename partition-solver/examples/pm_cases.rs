//! Writes the differential cases of `partition_solver::cases` as JSON lines, for
//! `scripts/record-pm-reference` to run the reference tool on:
//! `pm_cases <ncs-corpus-dir> <generated-count>` (NCS static layouts found under the
//! directory, alone and with a settings partition, then `gen/0` .. `gen/<count - 1>`).

use partition_solver::cases;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: pm_cases <ncs-corpus-dir> <generated-count>");
        std::process::exit(2);
    }
    let count: u64 = args[2].parse().unwrap_or(0);
    for c in cases::ncs_cases(Path::new(&args[1]))? {
        println!("{}", cases::to_json(&c));
    }
    for seed in 0..count {
        println!("{}", cases::to_json(&cases::generated(seed)));
    }
    Ok(())
}
