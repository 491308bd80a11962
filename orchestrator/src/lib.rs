//! Driver of multi-image firmware builds: reads an application's `images.toml`,
//! orders its images, configures and builds each with CMake (in parallel within
//! one job budget), and lays them out in memory.
//!
//! The pipeline is split by concept so that each step can be used and tested on
//! its own:
//!
//! * [`manifest`]: the `images.toml` model, validated with located errors;
//! * [`vars`]: routing of `-D` definitions to images;
//! * [`order`]: stable topological ordering with cycle paths;
//! * [`kconfig`]: the Kconfig step (kconfig-parser): `.config` and `autoconf.h` per image;
//! * [`layout`]: memory layouts as data (static `pm_static.yml` files);
//! * [`placement`]: the layout step (partition-solver): `pm.yml` files placed per domain;
//! * [`strategy`]: build strategies selected by Kconfig symbols;
//! * [`plan`]: everything resolved and checked before anything is configured;
//! * [`cmake`]: configure (with change detection) and build commands;
//! * [`scheduler`]: parallel execution of image builds along build edges;
//! * [`progress`]: the live display and the summary table;
//! * [`merge`]: HEX-in-partition checks and the per-domain merge (image-merge);
//! * [`domains`]: `domains.yaml`, the flash plan;
//! * [`pipeline`]: the `build`, `target` and `clean` operations;
//! * [`zephyr`]: a Zephyr application without images.toml, built as
//!   `west build --sysbuild` does (sysbuild's Kconfig, MCUboot, signing, merge);
//! * [`location`], [`output_file`]: located errors and atomic outputs;
//! * [`fuzzing`]: the bodies of the fuzz targets in `fuzz/`.
//!
//! A whole build through the library (what `multibuild build` does):
//!
//! ```no_run
//! use orchestrator::pipeline::{build, BuildOptions};
//! use orchestrator::plan::Plan;
//! use orchestrator::progress::Mode;
//! use std::path::Path;
//!
//! let env = |name: &str| std::env::var(name).ok();
//! let defines = ["CMAKE_BUILD_TYPE=MinSizeRel".parse().unwrap()];
//! let plan = Plan::prepare(Path::new("examples/bootloader-app"), Path::new("build"), &defines, env)?;
//! let options = BuildOptions { jobs: 2, keep_going: false, explain: false, mode: Mode::Lines };
//! let report = build(&plan, &options)?;
//! print!("{}", report.table());
//! assert!(report.success(), "{}", report.failures());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod cmake;
pub mod domains;
pub mod fuzzing;
pub mod kconfig;
pub mod layout;
pub mod location;
pub mod manifest;
pub mod merge;
pub mod order;
pub mod output_file;
pub mod pipeline;
pub mod placement;
pub mod plan;
pub mod progress;
pub mod scheduler;
pub mod strategy;
pub mod vars;
pub mod zephyr;
