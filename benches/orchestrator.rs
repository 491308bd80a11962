//! Benchmarks of the orchestrator (`multibuild`).
//!
//! * `manifest_parse_200_images`: parsing and validating a generated
//!   `images.toml` with 200 images and dependency chains;
//! * `plan_example`: the whole plan of the example project: manifest, the
//!   Kconfig step (the application's Kconfig with prj.conf), the layout step
//!   (both `pm.yml` preprocessed and solved, `pm_config.h` texts) and the plan;
//! * `kconfig_step_app`: the Kconfig step alone for the example's application;
//! * `noop_rebuild/*`: a no-op rebuild of the example (2 images) through the
//!   library, against the floor it cannot beat: one `ninja` no-op per image
//!   (`ninja_noops`). The difference is multibuild's own overhead (target:
//!   under 100 ms). Needs cmake, ninja and arm-none-eabi-gcc; skipped with a
//!   notice otherwise.
//!
//! Run: `cargo bench --bench orchestrator`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use orchestrator::kconfig;
use orchestrator::manifest::Manifest;
use orchestrator::pipeline::{self, BuildOptions};
use orchestrator::plan::Plan;
use orchestrator::progress::Mode;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bootloader-app")
}

fn generated_manifest(images: usize) -> String {
    let mut text = String::from("shared_vars = [\"CMAKE_BUILD_TYPE\"]\n");
    for i in 0..images {
        text.push_str(&format!(
            "\n[[image]]\nname = \"img{i}\"\nsource = \"img{i}\"\n{}",
            if i == 0 { "kind = \"main\"\n" } else { "" }
        ));
        if i > 0 {
            text.push_str(&format!(
                "configure = [\"img{}\"]\nbuild = [\"img{}\"]\n",
                i - 1,
                i / 2
            ));
        }
        text.push_str("[image.vars]\nFOO = \"bar\"\n");
    }
    text
}

fn bench_model(c: &mut Criterion) {
    let text = generated_manifest(200);
    c.bench_function("manifest_parse_200_images", |b| {
        b.iter(|| Manifest::parse(Path::new("/app/images.toml"), black_box(&text)).unwrap())
    });
    let app = example();
    c.bench_function("plan_example", |b| {
        b.iter(|| Plan::prepare(&app, Path::new("/tmp/build"), &[], |_| None).unwrap())
    });
    let source = app.join("app");
    let inputs = kconfig::inputs("app", &source, &app, &Default::default()).unwrap();
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("orchestrator/kconfig");
    c.bench_function("kconfig_step_app", |b| {
        b.iter(|| kconfig::evaluate(black_box(&inputs), &template).unwrap())
    });
}

fn tool_missing(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
}

fn bench_noop(c: &mut Criterion) {
    if ["cmake", "ninja", "arm-none-eabi-gcc"]
        .iter()
        .any(|t| tool_missing(t))
    {
        eprintln!("noop_rebuild: SKIPPED (cmake, ninja or arm-none-eabi-gcc missing)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let build_dir = tmp.path().join("build");
    let plan = Plan::prepare(&example(), &build_dir, &[], |_| None).unwrap();
    let options = BuildOptions {
        jobs: 2,
        keep_going: false,
        explain: false,
        mode: Mode::Quiet,
    };
    let first = pipeline::build(&plan, &options).unwrap();
    assert!(first.success(), "{}", first.failures());

    let mut group = c.benchmark_group("noop_rebuild");
    group.sample_size(30);
    group.bench_function("ninja_noops", |b| {
        b.iter(|| {
            for image in ["bootloader", "app"] {
                let status = Command::new("ninja")
                    .arg("-C")
                    .arg(build_dir.join(image))
                    .output()
                    .unwrap()
                    .status;
                assert!(status.success());
            }
        })
    });
    group.bench_function("multibuild_plan_and_build", |b| {
        b.iter(|| {
            let plan = Plan::prepare(&example(), &build_dir, &[], |_| None).unwrap();
            let report = pipeline::build(&plan, &options).unwrap();
            assert!(report.success());
        })
    });
    group.finish();
}

criterion_group!(benches, bench_model, bench_noop);
criterion_main!(benches);
