//! `multibuild build` on a plain Zephyr application (no images.toml),
//! checked against Zephyr's own sysbuild in the real workspace: MCUboot +
//! `samples/hello_world` on `qemu_cortex_m0` (ECDSA P-256).
//!
//! One reference configure (`cmake -S share/sysbuild`, stock kconfig.py)
//! and one multibuild build are shared by every assertion: each image's
//! `.config` and forced `.config.sysbuild`, sysbuild's own `.config`, the
//! merged HEX booting in QEMU, and a no-op rebuild configuring nothing.
//! Mistakes are checked to fail before any image is configured. Skips with
//! a NOTICE without the workspace (CI has it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use orchestrator::vars::Define;
use orchestrator::zephyr::run::{self, ZephyrOptions};
use orchestrator::zephyr::ZephyrError;
use test_support::workspace::have_tool;
use test_support::zephyr::{
    kconfig_binary, python, qemu_until, run as run_cmd, workspace, Workspace,
};

fn root(name: &str) -> PathBuf {
    let p = test_support::repo_root()
        .join("target/multibuild-zephyr-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn modules(ws: &Workspace, names: &[&str]) -> String {
    names
        .iter()
        .map(|m| ws.module(m).display().to_string())
        .collect::<Vec<_>>()
        .join(";")
}

/// The environment a build of the workspace needs (Debian's Arm GCC).
fn env(ws: &Workspace) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = std::env::vars().collect();
    env.insert("ZEPHYR_BASE".into(), ws.zephyr().display().to_string());
    env.insert("ZEPHYR_TOOLCHAIN_VARIANT".into(), "cross-compile".into());
    env.insert("CROSS_COMPILE".into(), "/usr/bin/arm-none-eabi-".into());
    env
}

fn options(
    ws: &Workspace,
    app: &Path,
    build: &Path,
    board: &str,
    defines: &[String],
) -> ZephyrOptions {
    ZephyrOptions {
        app_dir: app.to_path_buf(),
        build_dir: build.to_path_buf(),
        board: Some(board.to_string()),
        zephyr_base: None,
        defines: defines
            .iter()
            .map(|d| d.parse::<Define>().unwrap())
            .collect(),
        python: python(),
        kconfig: kconfig_binary(),
        jobs: 2,
        env: env(ws),
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn mcuboot_hello_world_like_sysbuild_and_boots() {
    let Some(ws) = workspace() else { return };
    if !have_tool("multibuild_zephyr", "qemu-system-arm")
        || !have_tool("multibuild_zephyr", "cmake")
    {
        return;
    }
    let dir = root("mcuboot-hello");
    let app = ws.zephyr().join("samples/hello_world");
    let defines = [
        "SB_CONFIG_BOOTLOADER_MCUBOOT=y".to_string(),
        "SB_CONFIG_BOOT_SIGNATURE_TYPE_ECDSA_P256=y".to_string(),
        format!(
            "ZEPHYR_MODULES={}",
            modules(&ws, &["cmsis_6", "hal_nordic", "mcuboot", "mbedtls"])
        ),
    ];

    // The reference: Zephyr's sysbuild configure, stock Python.
    let reference = dir.join("sysbuild");
    let py = python();
    let mut c = ws.cmake();
    let path = format!(
        "{}:{}",
        py.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.env("PATH", path)
        .arg("-GNinja")
        .arg("-S")
        .arg(ws.zephyr().join("share/sysbuild"))
        .arg("-B")
        .arg(&reference)
        .arg(format!("-DAPP_DIR={}", app.display()))
        .arg("-DBOARD=qemu_cortex_m0")
        .arg(format!("-DPython3_EXECUTABLE={}", py.display()));
    for d in &defines {
        c.arg(format!("-D{d}"));
    }
    run_cmd(&mut c);

    // multibuild.
    let build = dir.join("multibuild");
    let opts = options(&ws, &app, &build, "qemu_cortex_m0", &defines);
    let plan = run::prepare(&opts).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = plan.images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["hello_world", "mcuboot"]);
    let report = run::build(&plan, &opts).unwrap_or_else(|e| panic!("{e}"));
    print!("{}", report.table());

    assert_eq!(
        read(&reference.join("zephyr/.config")),
        read(&build.join("zephyr/.config")),
        "sysbuild's own .config"
    );
    for image in ["mcuboot", "hello_world"] {
        for file in ["zephyr/.config.sysbuild", "zephyr/.config"] {
            assert_eq!(
                read(&reference.join(image).join(file)),
                read(&build.join(image).join(file)),
                "{image}/{file} differs from sysbuild's"
            );
        }
    }
    let order: Vec<&str> = report.images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(order, ["mcuboot", "hello_world"], "flash order");
    assert!(report.images[1]
        .hex
        .as_ref()
        .is_some_and(|h| h.ends_with("hello_world/zephyr/zephyr.signed.hex")));
    let merged = report.merged.clone().expect("merged.hex");
    assert_eq!(merged, build.join("merged.hex"));

    let out = qemu_until(
        &[
            "-cpu",
            "cortex-m0",
            "-machine",
            "microbit",
            "-nographic",
            "-vga",
            "none",
            "-device",
            &format!("loader,file={}", merged.display()),
            "-serial",
            "mon:stdio",
        ],
        "Hello World!",
        Duration::from_secs(60),
    );
    for expect in [
        "Booting MCUboot",
        "Jumping to the first image slot",
        "Hello World!",
    ] {
        assert!(out.contains(expect), "QEMU output lacks {expect:?}:\n{out}");
    }

    // A no-op rebuild configures nothing and leaves merged.hex alone.
    let before = std::fs::metadata(&merged).unwrap().modified().unwrap();
    let plan = run::prepare(&opts).unwrap_or_else(|e| panic!("{e}"));
    let again = run::build(&plan, &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        again.images.iter().all(|i| !i.configured),
        "{}",
        again.table()
    );
    assert_eq!(
        before,
        std::fs::metadata(&merged).unwrap().modified().unwrap()
    );
}

/// A copy of hello_world with `sysbuild.conf` holding `conf`.
fn app_with_sysbuild_conf(ws: &Workspace, dir: &Path, conf: &str) -> PathBuf {
    let app = dir.join("hello_world");
    std::fs::create_dir_all(app.join("src")).unwrap();
    let src = ws.zephyr().join("samples/hello_world");
    for f in ["CMakeLists.txt", "prj.conf", "src/main.c"] {
        std::fs::copy(src.join(f), app.join(f)).unwrap();
    }
    std::fs::write(app.join("sysbuild.conf"), conf).unwrap();
    app
}

#[test]
fn mistakes_fail_before_any_configure() {
    let Some(ws) = workspace() else { return };
    let dir = root("mistakes");
    let app = ws.zephyr().join("samples/hello_world");
    let mods = format!(
        "ZEPHYR_MODULES={}",
        modules(&ws, &["cmsis_6", "hal_nordic", "mcuboot", "mbedtls"])
    );
    let no_image_configured = |build: &Path| {
        for image in ["hello_world", "mcuboot"] {
            assert!(
                !build.join(image).join("CMakeCache.txt").exists(),
                "{image} was configured"
            );
        }
    };

    let build = dir.join("prefix");
    let opts = options(
        &ws,
        &app,
        &build,
        "qemu_cortex_m0",
        &[
            mods.clone(),
            "SB_CONFIG_BOOTLOADER_MCUBOOT=y".into(),
            "mcuboo_CONF_FILE=x.conf".into(),
        ],
    );
    match run::prepare(&opts) {
        Err(e @ ZephyrError::UnknownImagePrefix { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("mcuboo") && msg.contains("hello_world, mcuboot"),
                "{msg}"
            );
        }
        other => panic!("expected an unknown image prefix, got {other:?}"),
    }
    no_image_configured(&build);

    let build = dir.join("board");
    let opts = options(
        &ws,
        &app,
        &build,
        "qemu_cortex_m00",
        std::slice::from_ref(&mods),
    );
    match run::prepare(&opts) {
        Err(e @ ZephyrError::Board { .. }) => assert!(e.to_string().contains("qemu_cortex_m00")),
        other => panic!("expected an unknown board, got {other:?}"),
    }
    no_image_configured(&build);

    let typo = app_with_sysbuild_conf(&ws, &dir, "SB_CONFIG_BOOTLOADER_MCUBOOOT=y\n");
    let build = dir.join("typo");
    let opts = options(
        &ws,
        &typo,
        &build,
        "qemu_cortex_m0",
        std::slice::from_ref(&mods),
    );
    match run::prepare(&opts) {
        Err(e @ ZephyrError::SysbuildKconfig { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("sysbuild.conf") && msg.contains("BOOTLOADER_MCUBOOOT"),
                "{msg}"
            );
        }
        other => panic!("expected a sysbuild.conf error, got {other:?}"),
    }
    no_image_configured(&build);

    // The same file without the typo selects MCUboot (sysbuild.conf is read).
    let ok = app_with_sysbuild_conf(&ws, &dir.join("ok"), "SB_CONFIG_BOOTLOADER_MCUBOOT=y\n");
    let opts = options(&ws, &ok, &dir.join("ok-build"), "qemu_cortex_m0", &[mods]);
    let plan = run::prepare(&opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.images.len(), 2);
}
