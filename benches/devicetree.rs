//! Criterion benches of the devicetree crate: the extended tree of the
//! nrf52840dk golden `zephyr.dts` with its bindings (the workspace's
//! `zephyr/` as DTS root), and mps2/an385's devicetree from sources
//! (board target, inputs, cpp, reading and merging) as `dt build` does it.
//! Both need the Zephyr workspace (`$ZEPHYR_WORKSPACE` or
//! `../shared/zephyr-workspace`); without it they are skipped with a notice.

use criterion::{criterion_group, criterion_main, Criterion};
use devicetree::edt::Edt;
use devicetree::sources::zephyr::ZephyrBuild;

fn benches(c: &mut Criterion) {
    let Some(ws) = test_support::workspace::zephyr_workspace("benches/devicetree") else {
        return;
    };
    let zephyr = ws.join("zephyr");
    let golden = test_support::corpus_dir()
        .join("kconfig/zephyr-golden/nrf52840dk/Kconfig-generated/zephyr.dts");
    let roots = vec![zephyr.clone()];
    c.bench_function("edt nrf52840dk zephyr.dts + bindings", |b| {
        b.iter(|| Edt::from_dts_file(&golden, &roots).unwrap())
    });
    // The same with the binding index a build directory keeps (made by the
    // first iteration, then only checked): unchanged bindings the board does
    // not use are not opened.
    let index_dir = tempfile::tempdir().unwrap();
    let index = index_dir.path().join("dt-bindings.index");
    c.bench_function("edt nrf52840dk zephyr.dts + bindings, indexed", |b| {
        b.iter(|| Edt::from_dts_file_indexed(&golden, &roots, Some(&index)).unwrap())
    });

    let build = ZephyrBuild::new(&zephyr, "mps2/an385", zephyr.join("samples/hello_world"));
    let inputs = build.inputs().unwrap();
    let pre = inputs.preprocess().unwrap();
    let mut g = c.benchmark_group("sources mps2/an385");
    g.bench_function("inputs (board.yml, soc.yml, archs.yml)", |b| {
        b.iter(|| build.inputs().unwrap())
    });
    g.bench_function("cpp", |b| b.iter(|| inputs.preprocess().unwrap()));
    g.bench_function("tree from preprocessed", |b| {
        b.iter(|| inputs.tree_from_preprocessed(&pre).unwrap())
    });
    g.bench_function("whole (inputs, cpp, tree)", |b| {
        b.iter(|| build.inputs().unwrap().tree().unwrap())
    });
    g.bench_function("whole + EDT with bindings", |b| {
        b.iter(|| {
            let r = build.resolve().unwrap();
            let tree = r.inputs.tree().unwrap();
            let dirs: Vec<_> = r.dts_roots.iter().map(|d| d.join("dts/bindings")).collect();
            Edt::new(tree, &dirs, "zephyr.dts.pre").unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = devicetree_benches;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(devicetree_benches);
