//! The CMake driver: configure an image (only when its inputs changed), build
//! it, or run one of its targets.
//!
//! An image's configure inputs are the exact argument list multibuild passes
//! to `cmake`. After a successful configure that list is stored in
//! `BUILD_DIR/<image>/multibuild-configure.json`; the next build configures
//! again only when the list differs, or when CMake's own `CMakeCache.txt` or
//! `build.ninja` is missing (edits of the image's CMakeLists.txt are handled by
//! Ninja's regeneration rule inside the image's build). Variables that were
//! passed before and are not passed any more are removed from CMake's cache
//! with `-U`, so a partition that disappears from the layout does not linger
//! as a stale `PM_*` value.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use crate::output_file::write_atomic;
use crate::plan::{Plan, PlannedImage};

/// The file recording the arguments of an image's last successful configure.
pub const STAMP: &str = "multibuild-configure.json";

/// The full argument list of `cmake` for configuring `image` (without `-U`
/// removals; see [`removed_vars`]).
pub fn configure_args(plan: &Plan, image: &PlannedImage) -> Vec<String> {
    let mut args = vec![
        "-S".to_string(),
        image.source.display().to_string(),
        "-B".to_string(),
        image.build_dir.display().to_string(),
        "-G".to_string(),
        "Ninja".to_string(),
    ];
    args.extend(plan.extra_cmake_args.iter().cloned());
    args.push(format!("-DIMAGE_NAME={}", image.name));
    for (name, var) in &image.vars {
        // Kconfig inputs were consumed by the Kconfig step.
        if image.kconfig.is_some() && crate::kconfig::is_kconfig_var(name) {
            continue;
        }
        match &var.ty {
            Some(ty) => args.push(format!("-D{name}:{ty}={}", var.value)),
            None => args.push(format!("-D{name}={}", var.value)),
        }
    }
    if let Some(h) = &image.autoconf_h {
        args.push(format!("-DAUTOCONF_H={}", h.display()));
    }
    if let Some(h) = &image.pm_config_h {
        args.push(format!("-DPM_CONFIG_H={}", h.display()));
    }
    for (name, value) in &image.layout_vars {
        args.push(format!("-D{name}={value}"));
    }
    args
}

/// The variable names a configure argument list defines.
fn defined_vars(args: &[String]) -> Vec<&str> {
    args.iter()
        .filter_map(|a| a.strip_prefix("-D"))
        .filter_map(|a| a.split(['=', ':']).next())
        .collect()
}

/// The arguments of the last successful configure in `build_dir`, if any.
pub fn previous_args(build_dir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(build_dir.join(STAMP)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Variables defined by `previous` and not by `current`, to be removed.
pub fn removed_vars(previous: &[String], current: &[String]) -> Vec<String> {
    let now = defined_vars(current);
    let mut removed: Vec<String> = defined_vars(previous)
        .into_iter()
        .filter(|v| !now.contains(v))
        .map(str::to_string)
        .collect();
    removed.dedup();
    removed
}

/// True when `build_dir` must be configured again for `args`.
pub fn needs_configure(build_dir: &Path, args: &[String]) -> bool {
    !build_dir.join("CMakeCache.txt").is_file()
        || !build_dir.join("build.ninja").is_file()
        || previous_args(build_dir).as_deref() != Some(args)
}

/// Runs `cmd` with its standard output and error appended to `log`.
pub fn run_logged(cmd: &mut Command, log: &Path) -> io::Result<ExitStatus> {
    let file = File::options().create(true).append(true).open(log)?;
    let err = file.try_clone()?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .status()
}

/// What a configure step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigureOutcome {
    /// The inputs were unchanged: CMake was not run.
    UpToDate,
    /// CMake ran and succeeded.
    Configured,
    /// CMake ran and failed.
    Failed,
}

/// Configures `image` unless its inputs are unchanged, logging to `log`.
pub fn configure(plan: &Plan, image: &PlannedImage, log: &Path) -> io::Result<ConfigureOutcome> {
    let args = configure_args(plan, image);
    if !needs_configure(&image.build_dir, &args) {
        return Ok(ConfigureOutcome::UpToDate);
    }
    std::fs::create_dir_all(&image.build_dir)?;
    let previous = previous_args(&image.build_dir).unwrap_or_default();
    // A failed or interrupted configure must not look up to date next time.
    let _ = std::fs::remove_file(image.build_dir.join(STAMP));
    let mut cmd = Command::new("cmake");
    for var in removed_vars(&previous, &args) {
        cmd.arg(format!("-U{var}"));
    }
    cmd.args(&args);
    append_line(log, &format!("$ cmake {}", args.join(" ")))?;
    let status = run_logged(&mut cmd, log)?;
    if !status.success() {
        return Ok(ConfigureOutcome::Failed);
    }
    let json = serde_json::to_string_pretty(&args).unwrap_or_default();
    write_atomic(&image.build_dir.join(STAMP), json.as_bytes())?;
    Ok(ConfigureOutcome::Configured)
}

/// The command building the image in `build_dir` with at most `parallel` jobs
/// (none: CMake's default, or `CMAKE_BUILD_PARALLEL_LEVEL` from the
/// environment); `explain` makes Ninja say why each step runs.
pub fn build_command(build_dir: &Path, parallel: Option<usize>, explain: bool) -> Command {
    let mut cmd = Command::new("cmake");
    cmd.arg("--build").arg(build_dir);
    if let Some(n) = parallel {
        cmd.arg("--parallel").arg(n.to_string());
    }
    if explain {
        cmd.args(["--", "-d", "explain"]);
    }
    cmd
}

/// The command running `target` in the image built in `build_dir`.
pub fn target_command(build_dir: &Path, target: &str) -> Command {
    let mut cmd = Command::new("cmake");
    cmd.arg("--build")
        .arg(build_dir)
        .arg("--target")
        .arg(target);
    cmd
}

/// Appends one line to a log file.
pub fn append_line(log: &Path, line: &str) -> io::Result<()> {
    use std::io::Write;
    let mut file = File::options().create(true).append(true).open(log)?;
    writeln!(file, "{line}")
}

/// The last `lines` lines of a log file (empty when unreadable).
pub fn log_tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read(log).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The log file of `image` in the build directory `build_dir`.
pub fn log_path(build_dir: &Path, image: &str) -> PathBuf {
    build_dir.join("logs").join(format!("{image}.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_vars_are_those_no_longer_defined() {
        let prev: Vec<String> = [
            "-S",
            "x",
            "-DIMAGE_NAME=a",
            "-DPM_EXTRA_ADDRESS=0x1",
            "-DT:BOOL=ON",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let now: Vec<String> = ["-S", "x", "-DIMAGE_NAME=a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(removed_vars(&prev, &now), ["PM_EXTRA_ADDRESS", "T"]);
        assert!(removed_vars(&now, &prev).is_empty());
    }

    #[test]
    fn configure_is_needed_until_a_stamp_matches() {
        let dir = tempfile::tempdir().unwrap();
        let args = vec!["-DA=1".to_string()];
        assert!(needs_configure(dir.path(), &args));
        std::fs::write(dir.path().join("CMakeCache.txt"), "").unwrap();
        std::fs::write(dir.path().join("build.ninja"), "").unwrap();
        assert!(needs_configure(dir.path(), &args));
        std::fs::write(
            dir.path().join(STAMP),
            serde_json::to_string(&args).unwrap(),
        )
        .unwrap();
        assert!(!needs_configure(dir.path(), &args));
        assert!(needs_configure(dir.path(), &["-DA=2".to_string()]));
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("l");
        for i in 0..5 {
            append_line(&log, &format!("line {i}")).unwrap();
        }
        assert_eq!(log_tail(&log, 2), "line 3\nline 4");
        assert_eq!(log_tail(&dir.path().join("none"), 2), "");
    }

    #[test]
    fn configure_arguments_carry_name_vars_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("app/CMakeLists.txt"), "").unwrap();
        std::fs::write(
            dir.path().join("images.toml"),
            "[[image]]\nname = \"app\"\nsource = \"app\"\nkind = \"main\"\n[image.vars]\nA = \"x\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pm_static.yml"),
            "app:\n  address: 0x8000\n  size: 0x100\n",
        )
        .unwrap();
        let defines: Vec<crate::vars::Define> = [
            "EXTRA_MULTI_IMAGE_CMAKE_ARGS=--log-level=DEBUG",
            "B:BOOL=ON",
        ]
        .iter()
        .map(|d| d.parse().unwrap())
        .collect();
        let plan = Plan::prepare(dir.path(), Path::new("/b"), &defines, |_| None).unwrap();
        let args = configure_args(&plan, &plan.images[0]);
        let source = dir.path().join("app").display().to_string();
        assert_eq!(
            args,
            [
                "-S",
                &source,
                "-B",
                "/b/app",
                "-G",
                "Ninja",
                "--log-level=DEBUG",
                "-DIMAGE_NAME=app",
                "-DA=x",
                "-DB:BOOL=ON",
                "-DPM_APP_ADDRESS=0x8000",
                "-DPM_APP_SIZE=0x100",
                "-DPM_APP_END_ADDRESS=0x8100",
            ]
        );
    }

    #[test]
    fn build_commands() {
        let cmd = build_command(Path::new("/b/app"), Some(2), true);
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "--build",
                "/b/app",
                "--parallel",
                "2",
                "--",
                "-d",
                "explain"
            ]
        );
    }
}
