//! `kconfig zephyr` inside real Zephyr builds, against Zephyr's own
//! kconfig.py run by Zephyr's own CMake in the same build directory:
//!
//! * `samples/hello_world` on `mps2/an385`: configured stock (the
//!   interpreter records each kconfig.py run), then again from scratch with
//!   the shim as `Python3_EXECUTABLE`; `.config`, `autoconf.h` and the
//!   sources list byte-identical; a CMake re-run (the cached path) gives the
//!   same files; the build boots in QEMU and prints `Hello World!`;
//! * the recorded kconfig.py run replayed with extra fragments: one that
//!   makes kconfig.py stop (promptless assignment), one whose Kconfiglib
//!   warnings abort, one whose warnings are only printed (with the
//!   fragment-reader quirks): same exit status, same stderr, same files;
//! * the DTS roots derived from kconfig.py's environment give the bindings
//!   directories CMake passes to gen_edt.py;
//! * sysbuild MCUboot + hello_world on `qemu_cortex_m0`: the three Kconfig
//!   runs' outputs byte-identical, and the signed image boots through
//!   MCUboot on QEMU's `microbit`.
//!
//! Skips (with a notice) when there is no Zephyr workspace.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use test_support::zephyr::*;

/// The outputs of one Kconfig run in a build directory.
fn kconfig_outputs(zephyr_dir: &Path) -> Vec<(String, Vec<u8>)> {
    read_all(&[
        zephyr_dir.join(".config"),
        zephyr_dir.join("include/generated/zephyr/autoconf.h"),
        zephyr_dir.join("kconfig/sources.txt"),
    ])
}

fn read_all(paths: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    paths
        .iter()
        .map(|p| {
            let b = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.to_string_lossy().into_owned(), b)
        })
        .collect()
}

fn assert_same(what: &str, stock: &[(String, Vec<u8>)], ours: &[(String, Vec<u8>)]) {
    for ((name, a), (_, b)) in stock.iter().zip(ours) {
        if a != b {
            let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
            let first = a
                .lines()
                .zip(b.lines())
                .enumerate()
                .find(|(_, (x, y))| x != y)
                .map(|(i, (x, y))| format!("line {}: stock {x:?}, ours {y:?}", i + 1))
                .unwrap_or_else(|| "one is a prefix of the other".into());
            panic!("{what}: {name} differs from kconfig.py's: {first}");
        }
    }
}

fn fresh_dir(p: &Path) {
    let _ = std::fs::remove_dir_all(p);
    std::fs::create_dir_all(p).unwrap();
}

fn build_root(name: &str) -> PathBuf {
    test_support::repo_root()
        .join("target")
        .join("zephyr-kconfig-tests")
        .join(name)
}

/// Runs `cmd`, returning (status, stdout, stderr).
fn output(mut cmd: Command) -> (i32, String, String) {
    let o = cmd.output().expect("run");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn hello_world_mps2_an385() {
    let Some(ws) = workspace() else { return };
    let python = python();
    let kconfig = kconfig_binary();
    let root = build_root("hello");
    fresh_dir(&root);
    let build = root.join("build");
    let rec = root.join("recorded");
    let recording = root.join("python-recording");
    write_recording_python(&recording, &python, &rec);
    let shim = root.join("python-shim");
    run(Command::new(&kconfig)
        .args(["zephyr-shim", "--python"])
        .arg(&python)
        .arg("--out")
        .arg(&shim));
    let configure = |py: &Path| {
        let mut c = ws.cmake();
        c.args(["-GNinja", "-S"])
            .arg(ws.zephyr().join("samples/hello_world"))
            .arg("-B")
            .arg(&build)
            .arg("-DBOARD=mps2/an385")
            .arg(format!(
                "-DZEPHYR_MODULES={}",
                ws.module("cmsis_6").display()
            ))
            .arg(format!("-DPython3_EXECUTABLE={}", py.display()));
        run(&mut c)
    };

    // Stock.
    configure(&recording);
    let stock = kconfig_outputs(&build.join("zephyr"));
    let runs = recorded(&rec);
    assert_eq!(runs.len(), 1, "one kconfig.py run in a fresh configure");
    let inv = &runs[0];
    assert!(inv.args.iter().any(|a| a == "--handwritten-input-configs"));

    // The DTS roots seen from kconfig.py's environment give gen_edt.py's
    // --bindings-dirs (CMake caches them as CACHED_DTS_ROOT_BINDINGS).
    let env: HashMap<String, String> = inv.env.iter().cloned().collect();
    let dt = kconfig_parser::kconfig_py::devicetree_inputs::from_env(&env, &inv.cwd)
        .unwrap()
        .expect("EDT_PICKLE names the devicetree");
    let ours: Vec<String> = dt
        .bindings_dirs()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let cmake = cmake_cache_value(&build, "CACHED_DTS_ROOT_BINDINGS").expect("bindings dirs");
    assert_eq!(ours.join(";"), cmake, "bindings directories");

    fragments_like_kconfig_py(inv, &python, &kconfig, &root);

    // With the shim, from scratch in the same directory (the sources list
    // names files of the build directory).
    let _ = std::fs::remove_dir_all(&build);
    configure(&shim);
    assert_same(
        "hello_world (shim)",
        &stock,
        &kconfig_outputs(&build.join("zephyr")),
    );
    assert!(
        build.join("zephyr/kconfig/kconfig-zephyr.cache").is_file(),
        "the shim ran kconfig zephyr"
    );
    // A CMake re-run: kconfig.py's input is the .config now (answered from
    // the cache).
    configure(&shim);
    assert_same(
        "hello_world (shim, re-run)",
        &stock,
        &kconfig_outputs(&build.join("zephyr")),
    );

    run(Command::new("ninja").arg("-C").arg(&build));
    let elf = build.join("zephyr/zephyr.elf");
    let serial = qemu_until(
        &[
            "-cpu",
            "cortex-m3",
            "-machine",
            "mps2-an385",
            "-nographic",
            "-vga",
            "none",
            "-serial",
            "mon:stdio",
            "-kernel",
            elf.to_str().unwrap(),
        ],
        "Hello World!",
        Duration::from_secs(60),
    );
    assert!(serial.contains("Hello World!"), "QEMU printed: {serial}");
}

/// Replays the recorded kconfig.py run with one more fragment, through
/// kconfig.py and through `kconfig zephyr`: same status, same stderr, same
/// outputs.
fn fragments_like_kconfig_py(inv: &Invocation, python: &Path, kconfig: &Path, root: &Path) {
    let args = kconfig_parser::kconfig_py::Args::parse(inv.args[1..].iter().cloned()).unwrap();
    let zephyr_dir = inv
        .cwd
        .join(&args.config_out)
        .parent()
        .unwrap()
        .to_path_buf();
    let cases = [
        (
            "promptless",
            // Two promptless assignments: kconfig.py stops at the first.
            "CONFIG_CPU_CORTEX_M=y\nCONFIG_ARCH_HAS_USERSPACE=y\n",
            1,
        ),
        (
            "aborts",
            // Kconfiglib's warnings: an assignment to the undefined "BOOT_BANNER "
            // (the name ends at '='), a malformed line, an invalid bool.
            "CONFIG_BOOT_BANNER =y\nCONFIG_PRINTK\nCONFIG_PRINTK=maybe\n",
            1,
        ),
        (
            "warns",
            // Only printed: a value that does not take (unmet dependency),
            // an unset with text after "is not set", an int in non-ASCII
            // digits (valid for Python's int(), kept as written).
            "CONFIG_FPU=y\n# CONFIG_PRINTK is not set, as planned\nCONFIG_MAIN_STACK_SIZE=\u{661}\u{660}\u{662}\u{664}\n",
            0,
        ),
    ];
    for (name, text, status) in cases {
        let frag = root.join(format!("{name}.conf"));
        std::fs::write(&frag, text).unwrap();
        let extra = [frag.to_string_lossy().into_owned()];
        for f in [".config", "include/generated/zephyr/autoconf.h"] {
            let _ = std::fs::remove_file(zephyr_dir.join(f));
        }
        let stock = output(inv.command(python, &[&inv.args[0]], &extra));
        let stock_files = (status == 0).then(|| kconfig_outputs(&zephyr_dir));
        for f in [".config", "include/generated/zephyr/autoconf.h"] {
            let _ = std::fs::remove_file(zephyr_dir.join(f));
        }
        let ours = output(inv.command(kconfig, &["zephyr"], &extra));
        assert_eq!(ours.0, stock.0, "{name}: exit status (stderr: {})", ours.2);
        assert_eq!(stock.0, status, "{name}: kconfig.py's exit status");
        assert_eq!(ours.2, stock.2, "{name}: stderr");
        assert_eq!(ours.1, stock.1, "{name}: stdout");
        if let Some(stock_files) = stock_files {
            assert_same(name, &stock_files, &kconfig_outputs(&zephyr_dir));
        }
    }
}

#[test]
fn sysbuild_mcuboot_hello_world_qemu_cortex_m0() {
    let Some(ws) = workspace() else { return };
    let python = python();
    let kconfig = kconfig_binary();
    let root = build_root("sysbuild");
    fresh_dir(&root);
    let build = root.join("build");
    // Sysbuild's images look their interpreter up on PATH (`python`, then
    // `python3`): the shim goes first on PATH under both names, as the
    // virtual environment's bin/ does for the stock build.
    let shim_bin = root.join("shim-bin");
    std::fs::create_dir_all(&shim_bin).unwrap();
    for name in ["python", "python3"] {
        run(Command::new(&kconfig)
            .args(["zephyr-shim", "--python"])
            .arg(&python)
            .arg("--out")
            .arg(shim_bin.join(name)));
    }
    let shim = shim_bin.join("python3");
    let venv_bin = python.parent().unwrap().to_path_buf();
    let path_with = |dir: &Path| {
        let mut p = std::ffi::OsString::from(dir);
        p.push(":");
        p.push(std::env::var_os("PATH").unwrap_or_default());
        p
    };
    let modules: Vec<String> = ["cmsis_6", "hal_nordic", "mcuboot", "mbedtls"]
        .iter()
        .map(|m| ws.module(m).to_string_lossy().into_owned())
        .collect();
    let configure = |py: &Path| {
        let mut c = ws.cmake();
        c.env("PATH", path_with(py.parent().unwrap()));
        c.args(["-GNinja", "-S"])
            .arg(ws.zephyr().join("share/sysbuild"))
            .arg("-B")
            .arg(&build)
            .arg(format!(
                "-DAPP_DIR={}",
                ws.zephyr().join("samples/hello_world").display()
            ))
            .arg("-DBOARD=qemu_cortex_m0")
            .arg("-DSB_CONFIG_BOOTLOADER_MCUBOOT=y")
            .arg("-DSB_CONFIG_BOOT_SIGNATURE_TYPE_ECDSA_P256=y")
            .arg(format!("-DZEPHYR_MODULES={}", modules.join(";")))
            .arg(format!("-DPython3_EXECUTABLE={}", py.display()));
        run(&mut c)
    };
    // Sysbuild's own Kconfig run, then each image's.
    let outputs = || {
        let mut v = vec![read_all(&[
            build.join("zephyr/.config"),
            build.join("_sysbuild/autoconf.h"),
            build.join("zephyr/kconfig/sources.txt"),
        ])];
        v.push(kconfig_outputs(&build.join("mcuboot/zephyr")));
        v.push(kconfig_outputs(&build.join("hello_world/zephyr")));
        v
    };
    configure(&venv_bin.join("python3"));
    let stock = outputs();
    let _ = std::fs::remove_dir_all(&build);
    configure(&shim);
    for (what, (s, o)) in ["sysbuild", "mcuboot", "hello_world"]
        .iter()
        .zip(stock.iter().zip(outputs()))
    {
        assert_same(what, s, &o);
    }
    assert!(
        build
            .join("mcuboot/zephyr/kconfig/kconfig-zephyr.cache")
            .is_file(),
        "the images ran kconfig zephyr"
    );
    run(Command::new("ninja").arg("-C").arg(&build));
    let merged = build.join("merged.hex");
    run(Command::new(&python)
        .arg(ws.zephyr().join("scripts/build/mergehex.py"))
        .arg("-o")
        .arg(&merged)
        .arg(build.join("mcuboot/zephyr/zephyr.hex"))
        .arg(build.join("hello_world/zephyr/zephyr.signed.hex")));
    let serial = qemu_until(
        &[
            "-cpu",
            "cortex-m0",
            "-machine",
            "microbit",
            "-nographic",
            "-vga",
            "none",
            "-serial",
            "mon:stdio",
            "-device",
            &format!("loader,file={}", merged.display()),
        ],
        "Hello World!",
        Duration::from_secs(90),
    );
    assert!(
        serial.contains("Booting MCUboot") && serial.contains("Hello World!"),
        "QEMU printed: {serial}"
    );
}
