//! The whole `west build --sysbuild` job: plan (everything checked before
//! the first configure), configure each image with Zephyr's CMake through
//! kconfig-parser's interpreter shim, build, check signing, merge.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use devicetree::sources::board::BoardTarget;
use image_merge::{merge, InputFormat, InputSpec, MergeOptions, OutputFormat, OverlapPolicy};

use super::images::{self, Image};
use super::sysconfig::{self, SysbuildConfig, SysbuildInputs};
use super::workspace::Workspace;
use super::{Defines, ZephyrError};
use crate::output_file::write_if_changed;
use crate::vars::Define;

/// What a Zephyr build is asked to do.
#[derive(Debug, Clone)]
pub struct ZephyrOptions {
    /// The application directory.
    pub app_dir: PathBuf,
    /// The build directory.
    pub build_dir: PathBuf,
    /// `-b BOARD` (else `-DBOARD=`).
    pub board: Option<String>,
    /// `--zephyr-base` (else `ZEPHYR_BASE` from the environment).
    pub zephyr_base: Option<PathBuf>,
    /// The definitions after `--` (and `-D` options).
    pub defines: Vec<Define>,
    /// The real Python interpreter (Zephyr's other scripts, imgtool).
    pub python: PathBuf,
    /// The `kconfig` binary the shim routes kconfig.py to.
    pub kconfig: PathBuf,
    /// Job budget: images configured at once, and build parallelism.
    pub jobs: usize,
    /// The environment (CMake and the images inherit it).
    pub env: HashMap<String, String>,
}

/// Everything resolved before anything is configured.
#[derive(Debug, Clone)]
pub struct ZephyrPlan {
    /// The application directory (absolute).
    pub app_dir: PathBuf,
    /// The build directory (absolute).
    pub build_dir: PathBuf,
    /// The Zephyr tree.
    pub workspace: Workspace,
    /// The board target.
    pub board: BoardTarget,
    /// The board as images receive it (`name[@rev]/qualifiers`).
    pub board_arg: String,
    /// The definitions.
    pub defines: Defines,
    /// Sysbuild's configuration.
    pub sysbuild: SysbuildConfig,
    /// The images, in sysbuild's insertion order.
    pub images: Vec<Image>,
}

fn absolute(p: &Path) -> Result<PathBuf, ZephyrError> {
    std::path::absolute(p).map_err(|source| ZephyrError::Io {
        path: p.to_path_buf(),
        source,
    })
}

/// Resolves and checks everything: the Zephyr tree, the board, sysbuild's
/// Kconfig (written to the build directory, as sysbuild does at this
/// point), the images and the definitions' image prefixes.
pub fn prepare(opts: &ZephyrOptions) -> Result<ZephyrPlan, ZephyrError> {
    let app_dir = absolute(&opts.app_dir)?;
    if !app_dir.join("CMakeLists.txt").is_file() {
        return Err(ZephyrError::NotAnApplication(app_dir));
    }
    let build_dir = absolute(&opts.build_dir)?;
    let base = opts
        .zephyr_base
        .clone()
        .or_else(|| opts.env.get("ZEPHYR_BASE").map(PathBuf::from))
        .ok_or(ZephyrError::NoZephyrBase)?;
    let mut defines = Defines::new(&opts.defines);
    let modules = defines
        .get("ZEPHYR_MODULES")
        .map(str::to_string)
        .or_else(|| opts.env.get("ZEPHYR_MODULES").cloned())
        .unwrap_or_default();
    let workspace = Workspace::new(&absolute(&base)?, &modules)?;
    let board_str = match (&opts.board, defines.get("BOARD")) {
        (Some(b), _) => b.clone(),
        (None, Some(b)) => b.to_string(),
        (None, None) => return Err(ZephyrError::NoBoard),
    };
    defines.set("BOARD", None, &board_str);
    let board = workspace.board(&board_str, &app_dir)?;
    let board_arg = match &board.revision {
        Some(r) => format!("{}@{r}{}", board.name, board.qualifiers),
        None => format!("{}{}", board.name, board.qualifiers),
    };
    std::fs::create_dir_all(&build_dir).map_err(|source| ZephyrError::Io {
        path: build_dir.clone(),
        source,
    })?;
    let sysbuild = sysconfig::evaluate(&SysbuildInputs {
        workspace: &workspace,
        app_dir: &app_dir,
        build_dir: &build_dir,
        board: &board,
        board_name: &board.name,
        defines: &defines,
        env: &opts.env,
    })?;
    let images = images::discover(&app_dir, &workspace, &sysbuild)?;
    images::check_prefixes(&defines, &images)?;
    images::configure_waves(&images)?;
    Ok(ZephyrPlan {
        app_dir,
        build_dir,
        workspace,
        board,
        board_arg,
        defines,
        sysbuild,
        images,
    })
}

/// What happened to one image.
#[derive(Debug, Clone)]
pub struct ImageReport {
    /// The image.
    pub name: String,
    /// Whether its CMake configure ran (false: its inputs were unchanged).
    pub configured: bool,
    /// Configure time.
    pub configure_time: Duration,
    /// Build time.
    pub build_time: Duration,
    /// The HEX that goes into `merged.hex`.
    pub hex: Option<PathBuf>,
}

/// The result of a build.
#[derive(Debug, Clone)]
pub struct ZephyrReport {
    /// Per image, in flash order.
    pub images: Vec<ImageReport>,
    /// `<build>/merged.hex`, when any image produced HEX.
    pub merged: Option<PathBuf>,
}

impl ZephyrReport {
    /// A summary table.
    pub fn table(&self) -> String {
        let mut s = format!("{:<20} {:>10} {:>9}  hex\n", "image", "configure", "build");
        for i in &self.images {
            let conf = if i.configured {
                format!("{:.1}s", i.configure_time.as_secs_f64())
            } else {
                "unchanged".into()
            };
            s.push_str(&format!(
                "{:<20} {:>10} {:>8.1}s  {}\n",
                i.name,
                conf,
                i.build_time.as_secs_f64(),
                i.hex
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            ));
        }
        s
    }
}

/// The shim directory: `python` and `python3` running `kconfig zephyr` for
/// kconfig.py and the real interpreter otherwise.
fn write_shim(plan: &ZephyrPlan, opts: &ZephyrOptions) -> Result<PathBuf, ZephyrError> {
    let dir = plan.build_dir.join("_multibuild/bin");
    std::fs::create_dir_all(&dir).map_err(|source| ZephyrError::Io {
        path: dir.clone(),
        source,
    })?;
    let text = kconfig_parser::kconfig_py::shim::script(&opts.python, &opts.kconfig);
    for name in ["python3", "python"] {
        let p = dir.join(name);
        write_if_changed(&p, text.as_bytes()).map_err(|source| ZephyrError::Io {
            path: p.clone(),
            source,
        })?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
            ZephyrError::Io {
                path: p.clone(),
                source,
            }
        })?;
    }
    Ok(dir)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ZephyrError + '_ {
    move |source| ZephyrError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(25)..].join("\n")
}

/// The command line of `image`'s configure, as sysbuild's
/// `ExternalZephyrProject_Cmake` gives it (plus the shim as the image's
/// Python).
fn configure_args(plan: &ZephyrPlan, image: &Image, shim: &Path) -> Vec<String> {
    let b = &plan.build_dir;
    let mut args = vec![
        "-GNinja".to_string(),
        "-DSYSBUILD:BOOL=True".into(),
        format!(
            "-DSYSBUILD_CACHE:FILEPATH={}",
            b.join(format!("{}_sysbuild_cache.txt", image.name))
                .display()
        ),
    ];
    for var in ["CMAKE_BUILD_TYPE", "CMAKE_VERBOSE_MAKEFILE"] {
        let own = format!("{}_{var}", image.name);
        if let Some(v) = plan.defines.get(&own).or_else(|| plan.defines.get(var)) {
            args.push(format!("-D{var}={v}"));
        }
    }
    args.push("-DEXTRA_KCONFIG_TARGETS=".into());
    args.push(format!(
        "-DPython3_EXECUTABLE={}",
        shim.join("python3").display()
    ));
    args.push(format!(
        "-DFORCED_CONF_FILE:FILEPATH={}",
        b.join(&image.name)
            .join("zephyr/.config.sysbuild")
            .display()
    ));
    args.push(format!("-B{}", b.join(&image.name).display()));
    args.push(format!("-S{}", image.source_dir.display()));
    args
}

/// A command with the environment every image step gets: the shim first
/// on `PATH` (sysbuild's images find their interpreter there).
fn command(program: &str, opts: &ZephyrOptions, shim: &Path) -> Command {
    let mut c = Command::new(program);
    c.env_clear().envs(&opts.env);
    let path = opts.env.get("PATH").cloned().unwrap_or_default();
    c.env("PATH", format!("{}:{path}", shim.display()));
    c
}

/// Configures one image when what its configure reads changed (its
/// command line, sysbuild cache and forced configuration; Ninja re-runs
/// CMake by itself for the image's own inputs). Returns whether it ran.
fn configure_image(
    plan: &ZephyrPlan,
    opts: &ZephyrOptions,
    image: &Image,
    shim: &Path,
) -> Result<bool, ZephyrError> {
    let b = &plan.build_dir;
    let dir = b.join(&image.name);
    let footer = if image.app_type == images::AppType::Main
        && plan.images.iter().any(|i| i.name == "mcuboot")
        && plan
            .workspace
            .module("mcuboot")
            .is_some_and(|m| m.sysbuild_cmake.is_some())
    {
        Some(
            images::mcuboot_footer(&b.join("mcuboot")).ok_or_else(|| ZephyrError::Output {
                image: "mcuboot".into(),
                what: "its CMakeCache.txt has no mcuboot_image_footer_size".into(),
            })?,
        )
    } else {
        None
    };
    let cache = images::sysbuild_cache(
        image,
        &plan.app_dir,
        &plan.workspace,
        &plan.board_arg,
        &plan.defines,
        &plan.images,
    );
    let forced = images::forced_config(image, &plan.sysbuild, footer);
    let cache_path = b.join(format!("{}_sysbuild_cache.txt", image.name));
    write_if_changed(&cache_path, cache.as_bytes()).map_err(io(&cache_path))?;
    let forced_path = dir.join("zephyr/.config.sysbuild");
    std::fs::create_dir_all(dir.join("zephyr")).map_err(io(&dir))?;
    write_if_changed(&forced_path, forced.as_bytes()).map_err(io(&forced_path))?;
    let args = configure_args(plan, image, shim);
    let stamp = dir.join(".multibuild-configure");
    let key = format!(
        "{}\n--cache--\n{cache}--forced--\n{forced}",
        args.join("\n")
    );
    if dir.join("build.ninja").is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == key)
    {
        return Ok(false);
    }
    let _ = std::fs::remove_file(&stamp);
    let log = b
        .join("_multibuild")
        .join(format!("{}.configure.log", image.name));
    let out = std::fs::File::create(&log).map_err(io(&log))?;
    let err = out.try_clone().map_err(io(&log))?;
    let status = command("cmake", opts, shim)
        .args(&args)
        .current_dir(&dir)
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|source| ZephyrError::Spawn {
            program: "cmake".into(),
            source,
        })?;
    if !status.success() {
        return Err(ZephyrError::Configure {
            image: image.name.clone(),
            source_dir: image.source_dir.clone(),
            tail: tail(&log),
            log,
        });
    }
    crate::output_file::write_atomic(&stamp, key.as_bytes()).map_err(io(&stamp))?;
    Ok(true)
}

/// Configures every image in CONFIGURE order, each wave of independent
/// images in parallel (at most `jobs` at once), skipping images whose
/// configure inputs are unchanged (`west build --cmake-only`).
pub fn configure(plan: &ZephyrPlan, opts: &ZephyrOptions) -> Result<Vec<ImageReport>, ZephyrError> {
    let mlog = plan.build_dir.join("_multibuild");
    std::fs::create_dir_all(&mlog).map_err(io(&mlog))?;
    let shim = write_shim(plan, opts)?;
    let mut reports: HashMap<String, ImageReport> = HashMap::new();
    for wave in images::configure_waves(&plan.images)? {
        for chunk in wave.chunks(opts.jobs.max(1)) {
            let results: Vec<(usize, Result<bool, ZephyrError>, Duration)> =
                std::thread::scope(|s| {
                    let handles: Vec<_> = chunk
                        .iter()
                        .map(|&i| {
                            let shim = &shim;
                            s.spawn(move || {
                                let t = Instant::now();
                                let r = configure_image(plan, opts, &plan.images[i], shim);
                                (i, r, t.elapsed())
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| {
                            h.join().unwrap_or_else(|_| {
                                (
                                    usize::MAX,
                                    Err(ZephyrError::Internal("configure thread panicked".into())),
                                    Duration::ZERO,
                                )
                            })
                        })
                        .collect()
                });
            for (i, r, t) in results {
                let configured = r?;
                let name = plan.images[i].name.clone();
                reports.insert(
                    name.clone(),
                    ImageReport {
                        name,
                        configured,
                        configure_time: t,
                        build_time: Duration::ZERO,
                        hex: None,
                    },
                );
            }
        }
    }
    Ok(plan
        .images
        .iter()
        .filter_map(|i| reports.remove(&i.name))
        .collect())
}

/// Configures (see [`configure`]), builds every image, checks that a
/// signed application was produced when MCUboot verifies signatures, and
/// merges the flash image into `<build>/merged.hex`.
pub fn build(plan: &ZephyrPlan, opts: &ZephyrOptions) -> Result<ZephyrReport, ZephyrError> {
    let shim = plan.build_dir.join("_multibuild/bin");
    let mut reports: HashMap<String, ImageReport> = configure(plan, opts)?
        .into_iter()
        .map(|r| (r.name.clone(), r))
        .collect();
    // Build: every image at once, the job budget shared between them.
    let per_image = (opts.jobs / plan.images.len().max(1)).max(1);
    let results: Vec<(String, Result<(), ZephyrError>, Duration)> = std::thread::scope(|s| {
        let handles: Vec<_> = plan
            .images
            .iter()
            .map(|image| {
                let shim = &shim;
                s.spawn(move || {
                    let t = Instant::now();
                    let r = build_image(plan, opts, image, shim, per_image);
                    (image.name.clone(), r, t.elapsed())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    (
                        String::new(),
                        Err(ZephyrError::Internal("build thread panicked".into())),
                        Duration::ZERO,
                    )
                })
            })
            .collect()
    });
    for (name, r, t) in results {
        r?;
        if let Some(rep) = reports.get_mut(&name) {
            rep.build_time = t;
        }
    }
    let mut ordered = Vec::new();
    for name in images::flash_order(&plan.images) {
        let Some(mut rep) = reports.remove(&name) else {
            continue;
        };
        rep.hex = image_hex(plan, &name)?;
        ordered.push(rep);
    }
    let hexes: Vec<(String, PathBuf)> = ordered
        .iter()
        .filter_map(|r| r.hex.clone().map(|h| (r.name.clone(), h)))
        .collect();
    let merged = if hexes.is_empty() {
        None
    } else {
        let out = plan.build_dir.join("merged.hex");
        merge_hex(&hexes, &out)?;
        Some(out)
    };
    Ok(ZephyrReport {
        images: ordered,
        merged,
    })
}

fn build_image(
    plan: &ZephyrPlan,
    opts: &ZephyrOptions,
    image: &Image,
    shim: &Path,
    jobs: usize,
) -> Result<(), ZephyrError> {
    let dir = plan.build_dir.join(&image.name);
    let log = plan
        .build_dir
        .join("_multibuild")
        .join(format!("{}.build.log", image.name));
    let out = std::fs::File::create(&log).map_err(io(&log))?;
    let err = out.try_clone().map_err(io(&log))?;
    let mut c = command("cmake", opts, shim);
    c.arg("--build").arg(&dir);
    if !opts.env.contains_key("CMAKE_BUILD_PARALLEL_LEVEL") {
        c.arg("--parallel").arg(jobs.to_string());
    }
    let status = c
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|source| ZephyrError::Spawn {
            program: "cmake".into(),
            source,
        })?;
    if !status.success() {
        return Err(ZephyrError::Build {
            image: image.name.clone(),
            tail: tail(&log),
            log,
        });
    }
    Ok(())
}

/// The HEX of `image` that is flashed: the signed one when the image is
/// signed for MCUboot (`CONFIG_BOOTLOADER_MCUBOOT` without an unsigned
/// image), else `zephyr.hex`; sysbuild's preference order.
fn image_hex(plan: &ZephyrPlan, image: &str) -> Result<Option<PathBuf>, ZephyrError> {
    let z = plan.build_dir.join(image).join("zephyr");
    let config = std::fs::read_to_string(z.join(".config")).unwrap_or_default();
    let values = sysconfig::parse_dotconfig(&config, "CONFIG_");
    let kernel = values
        .get("KERNEL_BIN_NAME")
        .cloned()
        .unwrap_or_else(|| "zephyr".into());
    let signed_needed = values.get("BOOTLOADER_MCUBOOT").is_some_and(|v| v == "y")
        && values
            .get("MCUBOOT_GENERATE_UNSIGNED_IMAGE")
            .is_none_or(|v| v != "y");
    for name in [
        format!("{kernel}.signed.confirmed.hex"),
        format!("{kernel}.signed.hex"),
    ] {
        if z.join(&name).is_file() {
            return Ok(Some(z.join(name)));
        }
    }
    if signed_needed {
        return Err(ZephyrError::Output {
            image: image.to_string(),
            what: format!(
                "signing for MCUboot produced no {kernel}.signed.hex in {} (is imgtool's Python environment complete?)",
                z.display()
            ),
        });
    }
    let plain = z.join(format!("{kernel}.hex"));
    Ok(plain.is_file().then_some(plain))
}

/// Merges the images' HEX files in flash order; any address written by two
/// images is an error (sysbuild images never share flash).
fn merge_hex(hexes: &[(String, PathBuf)], out: &Path) -> Result<(), ZephyrError> {
    let mut inputs = Vec::new();
    for (name, hex) in hexes {
        let mut data = image_merge::read_input(&InputSpec {
            path: hex.clone(),
            format: InputFormat::IntelHex,
        })
        .map_err(|e| ZephyrError::Merge {
            path: out.to_path_buf(),
            reason: format!("{name}: {e}"),
        })?;
        data.name = format!("{name} ({})", hex.display());
        inputs.push(data);
    }
    let options = MergeOptions {
        overlap: OverlapPolicy::Error,
        ..MergeOptions::default()
    };
    let merged = merge(inputs, &options).map_err(|e| ZephyrError::Merge {
        path: out.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut bytes = Vec::new();
    image_merge::output::write_to(
        &merged.image,
        &OutputFormat::IntelHex(Default::default()),
        &mut bytes,
    )
    .map_err(|e| ZephyrError::Merge {
        path: out.to_path_buf(),
        reason: e.to_string(),
    })?;
    write_if_changed(out, &bytes).map_err(io(out))?;
    Ok(())
}
