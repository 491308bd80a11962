//! Repeated solves of a synthetic chain, with time and allocation counts per solve.
use partition_solver::synthetic::{generate, Kind};
use partition_solver::{solve, Options};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static A: Counting = Counting;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let reps: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let kind = match std::env::args().nth(3).as_deref() {
        Some("aligned") => Kind::Aligned,
        Some("spans") => Kind::Spans,
        _ => Kind::Chain,
    };
    let input = generate(kind, n);
    let text = &input.fragments[0].text;
    let a = ALLOCS.load(Ordering::Relaxed);
    let v = partition_solver::yaml::load(text).unwrap();
    println!(
        "yaml load: {} allocations per partition",
        (ALLOCS.load(Ordering::Relaxed) - a) / n
    );
    let sol = solve(&input, &Options::default()).unwrap();
    let a = ALLOCS.load(Ordering::Relaxed);
    let _ = sol.partitions_yaml();
    println!(
        "dump: {} allocations per partition",
        (ALLOCS.load(Ordering::Relaxed) - a) / n
    );
    let a = ALLOCS.load(Ordering::Relaxed);
    drop(v);
    drop(sol);
    let _ = a;
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let t = std::time::Instant::now();
    for _ in 0..reps {
        let sol = solve(&input, &Options::default()).unwrap();
        std::hint::black_box(sol.partitions_yaml());
    }
    let allocs = (ALLOCS.load(Ordering::Relaxed) - a0) / reps;
    println!(
        "{:?} per solve, {} allocations per solve ({} per partition)",
        t.elapsed() / reps as u32,
        allocs,
        allocs / n
    );
}
