//! `multibuild`: the command-line front end of the orchestrator library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use orchestrator::pipeline::{self, BuildOptions};
use orchestrator::plan::Plan;
use orchestrator::progress::Mode;
use orchestrator::vars::Define;
use orchestrator::zephyr::cli::{default_kconfig, default_python, is_zephyr_app};
use orchestrator::zephyr::run::{self as zephyr_run, ZephyrOptions};

/// Builds multi-image firmware: configures and builds every image of an
/// application with CMake and lays them out in memory.
#[derive(Parser)]
#[command(name = "multibuild", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Configure (when needed) and build every image of APP_DIR: a
    /// directory with images.toml, or a Zephyr application (built as
    /// `west build --sysbuild` builds it).
    Build {
        /// Application directory (with images.toml, or a Zephyr application) or the manifest itself.
        app_dir: PathBuf,
        /// Build directory.
        #[arg(short = 'B', long = "build-dir", default_value = "build")]
        build_dir: PathBuf,
        /// Board of a Zephyr application (`name[@rev][/qualifiers]`).
        #[arg(short = 'b', long)]
        board: Option<String>,
        /// Zephyr tree of a Zephyr application (default: $ZEPHYR_BASE).
        #[arg(long)]
        zephyr_base: Option<PathBuf>,
        /// Python interpreter for Zephyr's scripts and imgtool (default:
        /// $ZEPHYR_PYTHON, $VIRTUAL_ENV/bin/python3, python3 on PATH).
        #[arg(long)]
        python: Option<PathBuf>,
        /// kconfig-parser's `kconfig` binary (default: beside multibuild, else on PATH).
        #[arg(long)]
        kconfig: Option<PathBuf>,
        /// Zephyr application: configure the images only (as `west build --cmake-only`).
        #[arg(long)]
        cmake_only: bool,
        /// `-DNAME=VALUE` definitions after `--`, as for west build.
        #[arg(last = true, value_name = "-DNAME=VALUE")]
        cmake_args: Vec<String>,
        /// `NAME=VALUE` for the main image, `<image>_NAME=VALUE` for one image,
        /// a shared_vars name for all of them.
        #[arg(short = 'D', value_name = "NAME=VALUE")]
        defines: Vec<Define>,
        /// Job budget shared by all image builds (default: CMAKE_BUILD_PARALLEL_LEVEL or the CPU count).
        #[arg(short = 'j', long = "jobs")]
        jobs: Option<usize>,
        /// Keep building the images that do not depend on a failed one.
        #[arg(short = 'k', long)]
        keep_going: bool,
        /// Make each image's Ninja explain why it rebuilds (`-d explain`).
        #[arg(long)]
        explain: bool,
        /// Print no progress.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print the resolved plan: images, order, variables, strategies, Kconfig
    /// inputs, layout (evaluating Kconfig and solving layouts, writing nothing).
    Plan {
        /// Application directory (with images.toml) or the manifest itself.
        app_dir: PathBuf,
        /// Build directory the plan is for.
        #[arg(short = 'B', long = "build-dir", default_value = "build")]
        build_dir: PathBuf,
        /// As for `build`.
        #[arg(short = 'D', value_name = "NAME=VALUE")]
        defines: Vec<Define>,
        /// Print JSON.
        #[arg(long, conflicts_with = "map")]
        json: bool,
        /// Print only the memory map of every domain (a text picture).
        #[arg(long)]
        map: bool,
    },
    /// Run TARGET of IMAGE in an existing build (e.g. `menuconfig`).
    Target {
        /// Build directory.
        #[arg(short = 'B', long = "build-dir", default_value = "build")]
        build_dir: PathBuf,
        /// The image.
        image: String,
        /// The target.
        target: String,
    },
    /// Clean every image's build outputs and multibuild's own outputs.
    Clean {
        /// Build directory.
        #[arg(short = 'B', long = "build-dir", default_value = "build")]
        build_dir: PathBuf,
        /// Also remove the images' build directories (their configuration).
        #[arg(long)]
        pristine: bool,
    },
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The command line of a Zephyr application's build.
struct ZephyrArgs {
    app_dir: PathBuf,
    build_dir: PathBuf,
    board: Option<String>,
    zephyr_base: Option<PathBuf>,
    python: Option<PathBuf>,
    kconfig: Option<PathBuf>,
    defines: Vec<Define>,
    jobs: usize,
    quiet: bool,
    cmake_only: bool,
}

/// `multibuild build` on a Zephyr application (no images.toml).
fn zephyr_build(a: ZephyrArgs) -> ExitCode {
    let env: std::collections::HashMap<String, String> = std::env::vars().collect();
    let Some(python) = a.python.or_else(|| default_python(&env)) else {
        eprintln!("error: no Python interpreter found: pass --python or set ZEPHYR_PYTHON");
        return ExitCode::from(2);
    };
    let exe = std::env::current_exe().ok();
    let Some(kconfig) = a.kconfig.or_else(|| default_kconfig(exe.as_deref(), &env)) else {
        eprintln!("error: kconfig-parser's `kconfig` binary not found: pass --kconfig");
        return ExitCode::from(2);
    };
    let opts = ZephyrOptions {
        app_dir: a.app_dir,
        build_dir: a.build_dir,
        board: a.board,
        zephyr_base: a.zephyr_base,
        defines: a.defines,
        python,
        kconfig,
        jobs: a.jobs,
        env,
    };
    if a.cmake_only {
        return match zephyr_run::prepare(&opts).and_then(|plan| zephyr_run::configure(&plan, &opts))
        {
            Ok(images) => {
                if !a.quiet {
                    for i in images {
                        let what = if i.configured {
                            "configured"
                        } else {
                            "unchanged"
                        };
                        println!("{}: {what}", i.name);
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    let result = zephyr_run::prepare(&opts).and_then(|plan| zephyr_run::build(&plan, &opts));
    match result {
        Ok(report) => {
            if !a.quiet {
                print!("{}", report.table());
                if let Some(m) = &report.merged {
                    println!("merged: {}", m.display());
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            app_dir,
            build_dir,
            board,
            zephyr_base,
            python,
            kconfig,
            cmake_args,
            cmake_only,
            mut defines,
            jobs,
            keep_going,
            explain,
            quiet,
        } => {
            for a in &cmake_args {
                match a.strip_prefix("-D").map(str::parse::<Define>) {
                    Some(Ok(d)) => defines.push(d),
                    Some(Err(e)) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                    None => {
                        eprintln!("error: `{a}` after `--`: only -DNAME=VALUE is accepted");
                        return ExitCode::from(2);
                    }
                }
            }
            if is_zephyr_app(&app_dir) {
                let jobs = jobs
                    .filter(|&j| j > 0)
                    .unwrap_or_else(|| BuildOptions::default_jobs(env));
                return zephyr_build(ZephyrArgs {
                    app_dir,
                    build_dir,
                    board,
                    zephyr_base,
                    python,
                    kconfig,
                    defines,
                    jobs,
                    quiet,
                    cmake_only,
                });
            }
            let plan = match Plan::prepare(&app_dir, &build_dir, &defines, env) {
                Ok(plan) => plan,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            for warning in &plan.warnings {
                eprintln!("warning: {warning}");
            }
            let options = BuildOptions {
                jobs: jobs
                    .filter(|&j| j > 0)
                    .unwrap_or_else(|| BuildOptions::default_jobs(env)),
                keep_going,
                explain,
                mode: if quiet { Mode::Quiet } else { Mode::detect() },
            };
            match pipeline::build(&plan, &options) {
                Ok(report) => {
                    print!("{}", report.table());
                    if let Some(merged) = &report.merged {
                        for warning in &merged.warnings {
                            eprintln!("warning: {warning}");
                        }
                        for (_, path) in &merged.domains {
                            println!("merged: {}", path.display());
                        }
                        if let Some(path) = &merged.all_domains {
                            println!("merged: {}", path.display());
                        }
                    }
                    if report.success() {
                        ExitCode::SUCCESS
                    } else {
                        eprint!("{}", report.failures());
                        ExitCode::from(1)
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Plan {
            app_dir,
            build_dir,
            defines,
            json,
            map,
        } => match Plan::prepare(&app_dir, &build_dir, &defines, env) {
            Ok(plan) => {
                if json {
                    println!("{}", plan.to_json());
                } else if map {
                    print!("{}", plan.memory_map());
                } else {
                    print!("{}", plan.to_text());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Target {
            build_dir,
            image,
            target,
        } => match pipeline::run_target(&build_dir, &image, &target) {
            Ok(status) if status.success() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(1),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Clean {
            build_dir,
            pristine,
        } => match pipeline::clean(&build_dir, pristine) {
            Ok(removed) => {
                for path in removed {
                    println!("removed {}", path.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent_and_parses_attached_defines() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "multibuild",
            "build",
            "app",
            "-B",
            "b",
            "-DA=1",
            "-D",
            "mcuboot_B:BOOL=ON",
            "-j",
            "3",
        ])
        .unwrap();
        let Command::Build { defines, jobs, .. } = cli.command else {
            panic!("not a build");
        };
        assert_eq!(defines.len(), 2);
        assert_eq!(defines[1].name, "mcuboot_B");
        assert_eq!(jobs, Some(3));
        assert!(
            Cli::try_parse_from(["multibuild", "build", "app", "-B", "b", "-Dnovalue"]).is_err()
        );
    }
}
