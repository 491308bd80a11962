//! The interpreter shim that lets an unmodified Zephyr tree use
//! `kconfig zephyr`.
//!
//! Zephyr's CMake runs every Python step through one interpreter, chosen
//! with `-DPython3_EXECUTABLE=`. The shim is a small POSIX shell script
//! given there: when its first argument is a path ending in
//! `/scripts/kconfig/kconfig.py` it runs `kconfig zephyr` with the other
//! arguments (same working directory, same environment); anything else
//! (CMake's interpreter probes, the devicetree scripts, menuconfig and the
//! other Kconfig targets, which need Kconfiglib itself) goes to the real
//! interpreter unchanged. Both paths are written into the script, so it
//! works the same from CMake, from Ninja's re-runs and from a shell.
//!
//! ```sh
//! kconfig zephyr-shim --python "$VENV/bin/python3" --out shim/python3
//! cmake -GNinja -S app -B build -DBOARD=... -DPython3_EXECUTABLE=$PWD/shim/python3
//! ```
//!
//! Sysbuild's images do not inherit `Python3_EXECUTABLE`: they look for
//! `python`, then `python3`, on `PATH`. For sysbuild, write the shim under
//! both names into one directory and put it first on `PATH` (as activating
//! a virtual environment puts its `bin/` there).

use std::path::Path;

/// The suffix of the script the shim takes over.
pub const KCONFIG_PY: &str = "/scripts/kconfig/kconfig.py";

/// Quotes `s` for a POSIX shell (single quotes; a quote inside is closed,
/// escaped and reopened).
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The text of the shim for the real interpreter `python` and the
/// `kconfig` executable `kconfig`.
pub fn script(python: &Path, kconfig: &Path) -> String {
    format!(
        "#!/bin/sh\n\
         # Python interpreter shim for Zephyr builds (written by `kconfig zephyr-shim`):\n\
         # scripts/kconfig/kconfig.py runs as `kconfig zephyr`, everything else in\n\
         # the real interpreter.\n\
         case \"$1\" in\n\
         \x20 *{KCONFIG_PY}) shift; exec {} zephyr \"$@\" ;;\n\
         esac\n\
         exec {} \"$@\"\n",
        sh_quote(&kconfig.to_string_lossy()),
        sh_quote(&python.to_string_lossy()),
    )
}

/// Writes the shim to `out` (atomically, executable).
pub fn write(out: &Path, python: &Path, kconfig: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    crate::output::write_atomic(out, script(python, kconfig).as_bytes())?;
    std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o755))
}
