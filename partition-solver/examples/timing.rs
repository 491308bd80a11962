//! Phase timing of one synthetic case: `timing KIND N`.
use partition_solver::synthetic::{generate, Kind};
use partition_solver::{solve, Options};
use std::time::Instant;

/// Resident memory of this process (Linux), for the phase lines.
fn rss() -> String {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split(' ').nth(1)?.parse::<u64>().ok())
        .map_or(String::new(), |p| format!(", resident {} KiB", p * 4))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = match args.get(1).map(String::as_str) {
        Some("aligned") => Kind::Aligned,
        Some("spans") => Kind::Spans,
        Some("independent") => Kind::Independent,
        Some("chain_before") => Kind::ChainBefore,
        _ => Kind::Chain,
    };
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10000);
    let input = generate(kind, n);
    println!("input generated{}", rss());
    let t = Instant::now();
    let (v, _) = partition_solver::yaml::load_with_positions(&input.fragments[0].text).unwrap();
    println!("yaml load: {:?}{}", t.elapsed(), rss());
    drop(v);
    let t = Instant::now();
    let sol = solve(&input, &Options::default()).unwrap();
    println!("solve (incl. load): {:?}{}", t.elapsed(), rss());
    let t = Instant::now();
    let y = sol.partitions_yaml();
    println!("dump: {:?} ({} bytes)", t.elapsed(), y.len());
    let t = Instant::now();
    let l = partition_solver::output::DomainLayout::from_solution("", &sol);
    let c = partition_solver::output::pm_config(&[l]).unwrap();
    println!("pm.config: {:?} ({} bytes)", t.elapsed(), c.len());
}
