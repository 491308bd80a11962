//! The real Zephyr workspace for tests and benches: where it is, the Python
//! environment its build needs, Zephyr's own CMake configure, and QEMU.
//!
//! The workspace is `$ZEPHYR_WORKSPACE` when set, else
//! `../shared/zephyr-workspace` unpacked (with its `unpack.sh`) into
//! `target/zephyr-workspace`; when neither exists, [`workspace`] prints a
//! notice and returns `None` (the test then skips). The Python environment
//! is `target/zephyr-venv`, made by `scripts/deps` from the workspace's
//! `requirements.txt`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A Zephyr workspace: `zephyr/` and `modules/`.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root.
    pub root: PathBuf,
}

impl Workspace {
    /// `ZEPHYR_BASE`.
    pub fn zephyr(&self) -> PathBuf {
        self.root.join("zephyr")
    }

    /// A module directory (`cmsis_6`, `hal_nordic`, `mcuboot`, `mbedtls`).
    pub fn module(&self, name: &str) -> PathBuf {
        self.root.join("modules").join(name)
    }

    /// A `cmake` command with the environment a build of this workspace
    /// needs (Debian's Arm GCC through Zephyr's `cross-compile` variant).
    pub fn cmake(&self) -> Command {
        let mut c = Command::new("cmake");
        c.env("ZEPHYR_BASE", self.zephyr())
            .env("ZEPHYR_TOOLCHAIN_VARIANT", "cross-compile")
            .env("CROSS_COMPILE", "/usr/bin/arm-none-eabi-");
        c
    }
}

/// The workspace, or `None` (with a visible notice) when there is none
/// (found or unpacked by [`crate::workspace::zephyr_workspace`]).
pub fn workspace() -> Option<Workspace> {
    crate::workspace::zephyr_workspace("zephyr_kconfig").map(|root| Workspace { root })
}

/// A lock held while the directory exists (`mkdir` is atomic).
struct DirLock(PathBuf);

impl DirLock {
    fn take(path: &Path) -> DirLock {
        if let Some(p) = path.parent() {
            let _ = std::fs::create_dir_all(p);
        }
        let start = Instant::now();
        while std::fs::create_dir(path).is_err() {
            if start.elapsed() > Duration::from_secs(600) {
                // A lock left by a killed run.
                let _ = std::fs::remove_dir(path);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        DirLock(path.to_path_buf())
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// The Python interpreter of `target/zephyr-venv` (made by `scripts/deps`
/// when missing), or `$ZEPHYR_PYTHON`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ZEPHYR_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = crate::repo_root().join("target").join("zephyr-venv");
    let py = venv.join("bin").join("python3");
    if !py.is_file() {
        let lock = crate::repo_root().join("target").join("zephyr-venv.lock");
        let _guard = DirLock::take(&lock);
        if !py.is_file() {
            let st = Command::new(crate::repo_root().join("scripts").join("deps"))
                .arg("zephyr-venv")
                .status()
                .expect("run scripts/deps zephyr-venv");
            assert!(st.success(), "scripts/deps zephyr-venv failed");
        }
    }
    py
}

/// The `kconfig` binary of this workspace, built in the test's own profile
/// (the root package's tests cannot name another package's binaries).
pub fn kconfig_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let lock = profile_dir.join("kconfig-build.lock");
    let _guard = DirLock::take(&lock);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut c = Command::new(cargo);
    c.args(["build", "-q", "-p", "kconfig-parser", "--bin", "kconfig"])
        .current_dir(crate::repo_root());
    if release {
        c.arg("--release");
    }
    let st = c.status().expect("run cargo build");
    assert!(st.success(), "cargo build of kconfig failed");
    profile_dir.join("kconfig")
}

/// A script that records every kconfig.py invocation (arguments, working
/// directory, environment) under `dir/<n>/` and then runs the real
/// interpreter: a stock build that can be replayed.
pub fn write_recording_python(path: &Path, python: &Path, dir: &Path) {
    let q = |p: &Path| format!("'{}'", p.to_string_lossy().replace('\'', r"'\''"));
    let text = format!(
        "#!/bin/sh\n\
         case \"$1\" in\n\
         \x20 */scripts/kconfig/kconfig.py)\n\
         \x20   d={dir}; mkdir -p \"$d\"; n=$(ls \"$d\" | wc -l); mkdir \"$d/$n\"\n\
         \x20   pwd > \"$d/$n/cwd\"; env -0 > \"$d/$n/env\"; printf '%s\\0' \"$@\" > \"$d/$n/args\" ;;\n\
         esac\n\
         exec {python} \"$@\"\n",
        dir = q(dir),
        python = q(python),
    );
    std::fs::write(path, text).expect("write the recording interpreter");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// One recorded kconfig.py invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Arguments after the interpreter (the script path first).
    pub args: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// The whole environment.
    pub env: Vec<(String, String)>,
}

/// The invocations recorded by [`write_recording_python`] in `dir`, in order.
pub fn recorded(dir: &Path) -> Vec<Invocation> {
    let mut out = Vec::new();
    for n in 0.. {
        let d = dir.join(n.to_string());
        if !d.is_dir() {
            break;
        }
        let split = |f: &str| -> Vec<String> {
            std::fs::read_to_string(d.join(f))
                .expect("recorded file")
                .split('\0')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        out.push(Invocation {
            args: split("args"),
            cwd: PathBuf::from(
                std::fs::read_to_string(d.join("cwd"))
                    .expect("recorded cwd")
                    .trim_end(),
            ),
            env: split("env")
                .into_iter()
                .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.into(), v.into())))
                .collect(),
        });
    }
    out
}

impl Invocation {
    /// A command running `program` (then `pre` arguments) with this
    /// invocation's arguments after the script, working directory and
    /// environment; `extra` arguments are appended.
    pub fn command(&self, program: &Path, pre: &[&str], extra: &[String]) -> Command {
        let mut c = Command::new(program);
        c.args(pre)
            .args(&self.args[1..])
            .args(extra)
            .current_dir(&self.cwd)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }
}

/// Runs a command, panicking with its output when it fails; returns stdout
/// and stderr together.
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

/// Runs QEMU until its output contains `expect` or `limit` passes, then
/// stops it; returns everything it printed.
pub fn qemu_until(args: &[&str], expect: &str, limit: Duration) -> String {
    let mut child = Command::new("qemu-system-arm")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu-system-arm");
    let mut stdout = child.stdout.take().expect("qemu stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut seen = Vec::new();
    while start.elapsed() < limit {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(b) => seen.extend(b),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(_) => break,
        }
        if String::from_utf8_lossy(&seen).contains(expect) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    String::from_utf8_lossy(&seen).into_owned()
}

/// `NAME:TYPE=VALUE` of a CMakeCache.txt.
pub fn cmake_cache_value(build: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(build.join("CMakeCache.txt")).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.split(':').next() == Some(name)).then(|| v.to_string())
    })
}
