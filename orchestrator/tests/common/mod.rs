//! Helpers shared by the orchestrator's integration tests: tool probes, the
//! example project's location, and booting a HEX file in QEMU.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The bootloader + application example of the repository.
pub fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/bootloader-app")
}

/// True when every named command is on `PATH`; otherwise prints a notice naming
/// the missing ones (so a skipped test is visible) and returns false.
pub fn tools_present(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|tool| {
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()
                .map(|s| !s.success())
                .unwrap_or(true)
        })
        .collect();
    if missing.is_empty() {
        true
    } else {
        eprintln!(
            "SKIPPED {test}: missing {} (scripts/deps installs them)",
            missing.join(", ")
        );
        false
    }
}

/// Runs a command, panicking with its output when it fails.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// What a QEMU run printed on its serial port and how it ended.
pub struct Boot {
    /// QEMU's exit status (`None` when it was killed after the time limit).
    pub status: Option<i32>,
    /// Everything the guest wrote to its UART.
    pub serial: String,
}

/// Boots an Intel HEX file on QEMU's `mps2-an385` (Cortex-M3) with semihosting
/// enabled, as the example expects, and kills QEMU after `limit`.
pub fn boot_hex(hex: &Path, limit: Duration) -> Boot {
    let mut child = Command::new("qemu-system-arm")
        .args([
            "-M",
            "mps2-an385",
            "-nographic",
            "-monitor",
            "none",
            "-semihosting-config",
            "enable=on,target=native",
            "-device",
        ])
        .arg(format!("loader,file={}", hex.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu-system-arm");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for qemu") {
            break status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut serial = String::new();
    child
        .stdout
        .take()
        .expect("qemu stdout")
        .read_to_string(&mut serial)
        .expect("read qemu output");
    let mut err = String::new();
    let _ = child
        .stderr
        .take()
        .expect("qemu stderr")
        .read_to_string(&mut err);
    serial.push_str(&err);
    Boot { status, serial }
}

/// Copies the example project into a fresh temporary directory, so a test can
/// edit its manifest and layout.
pub fn copy_example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_dir(&example_dir(), &tmp.path().join("app"));
    tmp
}

/// Copies the named directories of `examples/` into a fresh temporary
/// directory under the same names (for examples that refer to each other).
pub fn copy_examples(names: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for name in names {
        copy_dir(&example_dir().join("..").join(name), &tmp.path().join(name));
    }
    tmp
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The result of one `multibuild` run.
pub struct Run {
    /// Exit status code.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs the `multibuild` binary with `args` and extra environment `env`.
pub fn multibuild(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_multibuild"));
    cmd.args(args)
        .env_remove("VERBOSE")
        .env_remove("CMAKE_BUILD_PARALLEL_LEVEL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run multibuild");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Combines HEX files with `srec_cat` (the test's own merger; overlapping
/// inputs make it fail).
pub fn srec_merge(out: &Path, inputs: &[PathBuf]) {
    let mut cmd = Command::new("srec_cat");
    for input in inputs {
        cmd.arg(input).arg("-Intel");
    }
    cmd.arg("-o").arg(out).arg("-Intel");
    run(&mut cmd);
}
