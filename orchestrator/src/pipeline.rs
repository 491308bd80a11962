//! The operations behind `multibuild build`, `target` and `clean`.
//!
//! `build` runs the steps of a multi-image build on a resolved [`Plan`]:
//!
//! 1. record the plan (`BUILD_DIR/multibuild.json`) and the flash plan
//!    (`domains.yaml`) before anything runs, so tools see the images even when
//!    one fails, and write the outputs of the Kconfig and layout steps
//!    (`.config`, `autoconf.h`, `partitions.yml`, `pm_config.h`, ...), each
//!    only when its content changed;
//! 2. configure the images built from source, one after another in configure
//!    order, each only when its inputs changed ([`crate::cmake`]);
//! 3. build them in parallel along build edges within the job budget
//!    ([`crate::scheduler`]), each into its log file `BUILD_DIR/logs/<image>.log`;
//! 4. check that every image's HEX output exists;
//! 5. when every image succeeded, check each HEX against its partition and
//!    merge the domains ([`crate::merge`]).
//!
//! Image failures do not make `build` return an error: they are part of the
//! [`BuildReport`], which names the failed image and its log.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cmake::{self, ConfigureOutcome};
use crate::domains::Domains;
use crate::manifest::Strategy;
use crate::merge::{self, MergeOutputs};
use crate::output_file::write_if_changed;
use crate::plan::Plan;
use crate::progress::{summary_table, Mode, Progress, Row, Status};
use crate::scheduler::{self, Event, Task, TaskResult};

/// The record of the last planned build, read by `target` and `clean`.
pub const BUILD_INFO: &str = "multibuild.json";

/// How many log lines a failure report shows.
pub const TAIL_LINES: usize = 25;

/// Options of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// Job budget shared by all image builds (at least 1).
    pub jobs: usize,
    /// Continue with the images that do not depend on a failed one.
    pub keep_going: bool,
    /// Pass `-d explain` to each image's Ninja.
    pub explain: bool,
    /// Progress display.
    pub mode: Mode,
}

impl BuildOptions {
    /// The job budget when none is given: `CMAKE_BUILD_PARALLEL_LEVEL` from
    /// `env` when it is a positive number, else the number of CPUs.
    pub fn default_jobs(env: impl Fn(&str) -> Option<String>) -> usize {
        env("CMAKE_BUILD_PARALLEL_LEVEL")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// One image in the record of a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInfoImage {
    /// Name.
    pub name: String,
    /// Build directory.
    pub build_dir: PathBuf,
    /// True when built from source.
    pub built: bool,
}

/// What `BUILD_DIR/multibuild.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInfo {
    /// The manifest.
    pub manifest: PathBuf,
    /// Images in configure order.
    pub images: Vec<BuildInfoImage>,
}

impl BuildInfo {
    /// The record of `plan`.
    pub fn of(plan: &Plan) -> BuildInfo {
        BuildInfo {
            manifest: plan.manifest.clone(),
            images: plan
                .images
                .iter()
                .map(|i| BuildInfoImage {
                    name: i.name.clone(),
                    build_dir: i.build_dir.clone(),
                    built: i.strategy == Strategy::FromSource,
                })
                .collect(),
        }
    }

    /// Reads the record in `build_dir`.
    pub fn load(build_dir: &Path) -> Result<BuildInfo, PipelineError> {
        let path = build_dir.join(BUILD_INFO);
        let text = std::fs::read_to_string(&path).map_err(|e| PipelineError::NoBuildInfo {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| PipelineError::NoBuildInfo {
            path,
            reason: e.to_string(),
        })
    }
}

/// An error of the orchestrator itself (not of an image's build).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A tool could not be started.
    #[error(
        "cannot run `{tool}`: {source} (is it installed? scripts/deps installs CMake and Ninja)"
    )]
    Tool {
        /// The tool.
        tool: &'static str,
        /// The cause.
        source: io::Error,
    },
    /// The build directory holds no record of a build.
    #[error("{path}: no multibuild build here ({reason}); run `multibuild build` first")]
    NoBuildInfo {
        /// The record file.
        path: PathBuf,
        /// Why it cannot be read.
        reason: String,
    },
    /// An image name the build does not have.
    #[error("no image `{image}` in this build; images: {known}")]
    UnknownImage {
        /// The name given.
        image: String,
        /// The images, comma-separated.
        known: String,
    },
    /// Targets of images that are not built from source cannot run.
    #[error("image `{0}` is not built from source in this build, so it has no build targets")]
    NotBuilt(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> PipelineError + '_ {
    move |source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Which step failed for an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// CMake configure.
    Configure,
    /// The build.
    Build,
    /// The build succeeded but its HEX output is missing.
    Output,
}

/// One image's part of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReport {
    /// Name.
    pub name: String,
    /// Final status.
    pub status: Status,
    /// The step that failed, if any.
    pub failed_step: Option<Step>,
    /// Whether configure ran (`None` for images not built from source or not reached).
    pub configured: Option<bool>,
    /// Configure time.
    pub configure_time: Duration,
    /// Build time.
    pub build_time: Duration,
    /// Log file (images built from source).
    pub log: Option<PathBuf>,
}

/// The outcome of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// Every image, in configure order.
    pub images: Vec<ImageReport>,
    /// The flash plan written.
    pub domains_yaml: PathBuf,
    /// The merged HEX files, when every image succeeded and the merge did.
    pub merged: Option<MergeOutputs>,
    /// Why the merge failed (partition check or overlap), if it did.
    pub merge_error: Option<String>,
}

impl BuildReport {
    /// True when no image failed or was left out.
    pub fn success(&self) -> bool {
        self.merge_error.is_none()
            && self.images.iter().all(|i| {
                matches!(
                    i.status,
                    Status::Built | Status::Prebuilt | Status::NotBuilt
                )
            })
    }

    /// The summary table.
    pub fn table(&self) -> String {
        let rows: Vec<Row> = self
            .images
            .iter()
            .map(|i| Row {
                image: i.name.clone(),
                status: i.status.clone(),
                configured: i.configured,
                configure_time: i.configure_time,
                build_time: i.build_time,
                log: i.log.clone(),
            })
            .collect();
        summary_table(&rows)
    }

    /// For each failed image: a paragraph naming it, the failed step, its log
    /// and the log's last lines.
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for image in &self.images {
            let (Some(step), Some(log)) = (image.failed_step, &image.log) else {
                continue;
            };
            let what = match step {
                Step::Configure => "configure failed",
                Step::Build => "build failed",
                Step::Output => {
                    "its HEX output is missing after the build (check `output` in images.toml)"
                }
            };
            out.push_str(&format!(
                "error: image `{}`: {what}; log: {}\n--- last lines of the log ---\n{}\n---\n",
                image.name,
                log.display(),
                cmake::log_tail(log, TAIL_LINES)
            ));
        }
        if let Some(e) = &self.merge_error {
            out.push_str(&format!("error: {e}\n"));
        }
        out
    }
}

/// Runs a build of `plan` (see the module documentation).
pub fn build(plan: &Plan, options: &BuildOptions) -> Result<BuildReport, PipelineError> {
    let build_dir = &plan.build_dir;
    std::fs::create_dir_all(build_dir.join("logs")).map_err(io_err(build_dir))?;
    let info = serde_json::to_string_pretty(&BuildInfo::of(plan)).unwrap_or_default();
    let info_path = build_dir.join(BUILD_INFO);
    write_if_changed(&info_path, info.as_bytes()).map_err(io_err(&info_path))?;
    let domains_yaml = Domains::of(plan)
        .write(build_dir)
        .map_err(io_err(build_dir))?;
    // The Kconfig and layout steps' files, before any configure reads them.
    plan.write_outputs().map_err(io_err(build_dir))?;

    let names: Vec<String> = plan.images.iter().map(|i| i.name.clone()).collect();
    let mut progress = Progress::new(options.mode, names.clone());
    let mut reports: Vec<ImageReport> = plan
        .images
        .iter()
        .map(|i| ImageReport {
            name: i.name.clone(),
            status: match i.strategy {
                Strategy::FromSource => Status::Pending,
                Strategy::UseHex { .. } => Status::Prebuilt,
                Strategy::Skip => Status::NotBuilt,
            },
            failed_step: None,
            configured: None,
            configure_time: Duration::ZERO,
            build_time: Duration::ZERO,
            log: i.is_built().then(|| cmake::log_path(build_dir, &i.name)),
        })
        .collect();
    for (i, r) in reports.iter().enumerate() {
        if r.status != Status::Pending {
            progress.set(i, r.status.clone());
        }
    }

    // Step 2: configure, in configure order.
    let index_of = |name: &str| names.iter().position(|n| n == name);
    let mut stopped = false;
    for (i, image) in plan.images.iter().enumerate() {
        if !image.is_built() {
            continue;
        }
        let log = cmake::log_path(build_dir, &image.name);
        std::fs::write(&log, b"").map_err(io_err(&log))?;
        if stopped {
            reports[i].status = Status::NotStarted;
            progress.set(i, Status::NotStarted);
            continue;
        }
        // An image whose configure or build dependency failed is skipped.
        let deps = image.build_deps.iter().chain(&image.configure_deps);
        if let Some(bad) = deps
            .filter_map(|d| index_of(d))
            .find(|&d| is_broken(&reports[d].status))
        {
            let status = Status::Skipped(names[bad].clone());
            reports[i].status = status.clone();
            progress.set(i, status);
            continue;
        }
        progress.set(i, Status::Configuring);
        let start = Instant::now();
        let outcome =
            cmake::configure(plan, image, &log).map_err(|source| match source.kind() {
                io::ErrorKind::NotFound => PipelineError::Tool {
                    tool: "cmake",
                    source,
                },
                _ => PipelineError::Io {
                    path: image.build_dir.clone(),
                    source,
                },
            })?;
        reports[i].configure_time = start.elapsed();
        reports[i].configured = Some(outcome != ConfigureOutcome::UpToDate);
        if outcome == ConfigureOutcome::Failed {
            reports[i].status = Status::Failed;
            reports[i].failed_step = Some(Step::Configure);
            progress.set(i, Status::Failed);
            stopped = !options.keep_going;
        } else {
            reports[i].status = Status::Waiting;
            progress.set(i, Status::Waiting);
        }
    }

    // A build dependency configured later than its dependent may have failed.
    loop {
        let mut changed = false;
        for i in 0..plan.images.len() {
            if reports[i].status != Status::Waiting {
                continue;
            }
            let bad = plan.images[i]
                .build_deps
                .iter()
                .filter_map(|d| index_of(d))
                .find(|&d| is_broken(&reports[d].status));
            if let Some(bad) = bad {
                let status = Status::Skipped(names[bad].clone());
                reports[i].status = status.clone();
                progress.set(i, status);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    // Step 3: build the configured images along build edges.
    let to_build: Vec<usize> = (0..plan.images.len())
        .filter(|&i| reports[i].status == Status::Waiting)
        .collect();
    let tasks: Vec<Task> = to_build
        .iter()
        .map(|&i| Task {
            name: names[i].clone(),
            deps: plan.images[i]
                .build_deps
                .iter()
                .filter_map(|d| to_build.iter().position(|&j| names[j] == *d))
                .collect(),
        })
        .collect();
    if !stopped && !tasks.is_empty() {
        let results = scheduler::run(
            &tasks,
            options.jobs,
            options.keep_going,
            |t, jobs| {
                let image = &plan.images[to_build[t]];
                let log = cmake::log_path(build_dir, &image.name);
                let mut cmd = cmake::build_command(&image.build_dir, Some(jobs), options.explain);
                let shown: Vec<String> = cmd
                    .get_args()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect();
                let _ = cmake::append_line(&log, &format!("$ cmake {}", shown.join(" ")));
                match cmake::run_logged(&mut cmd, &log) {
                    Ok(status) => status.success(),
                    Err(e) => {
                        let _ =
                            cmake::append_line(&log, &format!("multibuild: cannot run cmake: {e}"));
                        false
                    }
                }
            },
            |event| match event {
                Event::Started { task, jobs } => {
                    progress.set(to_build[task], Status::Building(jobs))
                }
                Event::Finished { task, result, .. } => {
                    let status = match result {
                        TaskResult::Succeeded => Status::Built,
                        TaskResult::Failed => Status::Failed,
                        TaskResult::Skipped { because } => Status::Skipped(because),
                        TaskResult::NotStarted => Status::NotStarted,
                    };
                    progress.set(to_build[task], status);
                }
                Event::Tick => progress.tick(),
            },
        );
        for (t, (result, elapsed)) in results.into_iter().enumerate() {
            let r = &mut reports[to_build[t]];
            r.build_time = elapsed;
            r.status = match result {
                TaskResult::Succeeded => Status::Built,
                TaskResult::Failed => {
                    r.failed_step = Some(Step::Build);
                    Status::Failed
                }
                TaskResult::Skipped { because } => Status::Skipped(because),
                TaskResult::NotStarted => Status::NotStarted,
            };
        }
    } else {
        for &i in &to_build {
            reports[i].status = Status::NotStarted;
            progress.set(i, Status::NotStarted);
        }
    }

    // Step 4: every built image produced its HEX.
    for (i, image) in plan.images.iter().enumerate() {
        if reports[i].status == Status::Built {
            if let Some(hex) = &image.hex {
                if !hex.is_file() {
                    reports[i].status = Status::Failed;
                    reports[i].failed_step = Some(Step::Output);
                    if let Some(log) = &reports[i].log {
                        let _ = cmake::append_line(
                            log,
                            &format!("multibuild: missing output {}", hex.display()),
                        );
                    }
                    progress.set(i, Status::Failed);
                }
            }
        }
    }
    // Step 5: partition checks and merge, once every image is there.
    let all_ok = reports.iter().all(|r| {
        matches!(
            r.status,
            Status::Built | Status::Prebuilt | Status::NotBuilt
        )
    });
    let (merged, merge_error) = if all_ok {
        match merge::check_and_merge(plan) {
            Ok(outputs) => (Some(outputs), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, None)
    };
    Ok(BuildReport {
        images: reports,
        domains_yaml,
        merged,
        merge_error,
    })
}

/// True for the names of the files multibuild writes at the top of a build
/// directory: `merged*.hex` and the layout step's `partitions[_<D>].yml`,
/// `regions[_<D>].yml` and `pm[_<D>].config`.
fn is_own_output(name: &str) -> bool {
    let stem_is = |stem: &str, ext: &str| {
        name.strip_suffix(ext)
            .is_some_and(|s| s == stem || s.strip_prefix(stem).is_some_and(|d| d.starts_with('_')))
    };
    (name.starts_with("merged") && name.ends_with(".hex"))
        || stem_is("partitions", ".yml")
        || stem_is("regions", ".yml")
        || stem_is("pm", ".config")
}

/// True for the states after which an image's dependents cannot proceed.
fn is_broken(status: &Status) -> bool {
    matches!(
        status,
        Status::Failed | Status::Skipped(_) | Status::NotStarted
    )
}

/// Runs `target` of `image` in the build in `build_dir`, with the terminal
/// attached (for interactive targets such as `menuconfig`).
pub fn run_target(
    build_dir: &Path,
    image: &str,
    target: &str,
) -> Result<ExitStatus, PipelineError> {
    let info = BuildInfo::load(build_dir)?;
    let Some(entry) = info.images.iter().find(|i| i.name == image) else {
        return Err(PipelineError::UnknownImage {
            image: image.to_string(),
            known: info
                .images
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    if !entry.built {
        return Err(PipelineError::NotBuilt(image.to_string()));
    }
    cmake::target_command(&entry.build_dir, target)
        .status()
        .map_err(|source| PipelineError::Tool {
            tool: "cmake",
            source,
        })
}

/// Cleans the build in `build_dir`: runs each built image's `clean` target
/// (keeping its configuration) and removes multibuild's own outputs; with
/// `pristine`, removes the images' build directories as well. Returns the
/// paths removed. Only paths multibuild creates are touched.
pub fn clean(build_dir: &Path, pristine: bool) -> Result<Vec<PathBuf>, PipelineError> {
    let info = BuildInfo::load(build_dir)?;
    let mut removed = Vec::new();
    for image in info.images.iter().filter(|i| i.built) {
        if !image.build_dir.is_dir() {
            continue;
        }
        if pristine {
            std::fs::remove_dir_all(&image.build_dir).map_err(io_err(&image.build_dir))?;
            removed.push(image.build_dir.clone());
        } else if image.build_dir.join("build.ninja").is_file() {
            let status = cmake::target_command(&image.build_dir, "clean")
                .stdout(std::process::Stdio::null())
                .status()
                .map_err(|source| PipelineError::Tool {
                    tool: "cmake",
                    source,
                })?;
            if !status.success() {
                return Err(PipelineError::Io {
                    path: image.build_dir.clone(),
                    source: io::Error::other("its `clean` target failed"),
                });
            }
        }
    }
    let mut ours: Vec<PathBuf> = vec![build_dir.join("domains.yaml"), build_dir.join("logs")];
    if let Ok(entries) = std::fs::read_dir(build_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_own_output(&name) {
                ours.push(entry.path());
            }
        }
    }
    if pristine {
        ours.push(build_dir.join(BUILD_INFO));
    }
    for path in ours {
        let result = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else if path.exists() {
            std::fs::remove_file(&path)
        } else {
            continue;
        };
        result.map_err(io_err(&path))?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_budget_comes_from_the_environment_or_the_cpu_count() {
        let env = |value: &'static str| {
            move |name: &str| (name == "CMAKE_BUILD_PARALLEL_LEVEL").then(|| value.to_string())
        };
        assert_eq!(BuildOptions::default_jobs(env("3")), 3);
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(BuildOptions::default_jobs(env("0")), cpus);
        assert_eq!(BuildOptions::default_jobs(env("many")), cpus);
        assert_eq!(BuildOptions::default_jobs(|_| None), cpus);
    }

    #[test]
    fn clean_removes_only_its_own_outputs() {
        for name in [
            "merged.hex",
            "merged_CPUNET.hex",
            "partitions.yml",
            "partitions_CPUNET.yml",
            "regions.yml",
            "pm.config",
            "pm_CPUNET.config",
        ] {
            assert!(is_own_output(name), "{name}");
        }
        for name in [
            "partitionsx.yml",
            "pm.yml",
            "pm_static.yml",
            "app",
            "my.config",
        ] {
            assert!(!is_own_output(name), "{name}");
        }
    }

    #[test]
    fn target_and_clean_need_a_recorded_build() {
        let dir = tempfile::tempdir().unwrap();
        let e = run_target(dir.path(), "app", "all")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no multibuild build here"), "{e}");
        assert!(clean(dir.path(), false).is_err());
    }
}
