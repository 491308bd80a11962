//! Write a synthetic case's `pm.yml` to stdout: `gen_synthetic KIND N`
//! (KIND: chain, chain_before, independent, aligned, spans). Prints the region size on stderr.
use partition_solver::synthetic::{generate, Kind};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = match args.get(1).map(String::as_str) {
        Some("chain_before") => Kind::ChainBefore,
        Some("independent") => Kind::Independent,
        Some("aligned") => Kind::Aligned,
        Some("spans") => Kind::Spans,
        _ => Kind::Chain,
    };
    let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let input = generate(kind, n);
    print!("{}", input.fragments[0].text);
    eprintln!("{:#x}", input.regions[0].size);
}
