//! End-to-end tests of `multibuild` on the example project with the real tools:
//! CMake + Ninja + Debian's arm-none-eabi GCC build the images, QEMU's
//! mps2-an385 boots the `merged.hex` multibuild writes. `srec_cat` (the
//! reference tool) cross-checks the merged content once.
//!
//! The example's layout is solved from its `pm.yml` files (the application's
//! preprocessed against its `autoconf.h`), and its application prints its
//! Kconfig greeting and the storage partition of its `pm_config.h`, so a boot
//! proves that Kconfig and the solver reached the firmware. Tests that need a
//! static-only project remove the `pm.yml` files and install
//! `layouts/static.yml` as `pm_static.yml`.
//!
//! Each test builds the tiny firmware a few times in one build directory
//! (about 0.5 s per full build), so the whole file runs in seconds.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{
    boot_hex, copy_example, copy_examples, example_dir, multibuild, srec_merge, tools_present, Run,
};

const TOOLS: &[&str] = &[
    "cmake",
    "ninja",
    "arm-none-eabi-gcc",
    "srec_cat",
    "qemu-system-arm",
];

const BOOT_LINE: &str = "BOOT: hello from the bootloader, jumping to app at ";
const APP_LINE: &str = "APP: hello from the application, VTOR=";
const STORAGE_LINE: &str = "APP: storage partition at ";

/// Turns the copied example into a static-only project: no `pm.yml`, the
/// whole layout in `pm_static.yml` (plus `extra_entries`).
fn make_static(app: &Path, extra_entries: &str) {
    for image in ["app", "bootloader", "extra"] {
        std::fs::remove_file(app.join(image).join("pm.yml")).unwrap();
    }
    let layout = std::fs::read_to_string(app.join("layouts/static.yml")).unwrap();
    std::fs::write(
        app.join("pm_static.yml"),
        format!("{layout}{extra_entries}"),
    )
    .unwrap();
}

fn build(app: &Path, build_dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "build",
        app.to_str().unwrap(),
        "-B",
        build_dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    multibuild(&args, &[])
}

fn assert_ok(run: &Run) {
    assert_eq!(
        run.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

/// The serial output shows the bootloader jumping to `app` and the
/// application running from there (its vector table at `app`).
fn assert_jumps_to(serial: &str, app: u32) {
    assert!(
        serial.contains(&format!("{BOOT_LINE}0x{app:08X}\n")),
        "{serial}"
    );
    assert!(
        serial.contains(&format!("{APP_LINE}0x{app:08X}\n")),
        "{serial}"
    );
}

/// The build used the bootloader as a prebuilt HEX: the summary says so and
/// the image was never configured.
fn assert_prebuilt_bootloader(run: &Run, build_dir: &Path) {
    assert!(
        run.stdout.contains("bootloader  prebuilt HEX"),
        "{}",
        run.stdout
    );
    assert!(
        !build_dir.join("bootloader").exists(),
        "a prebuilt image must not be configured"
    );
}

fn hex(build_dir: &Path, image: &str) -> PathBuf {
    build_dir.join(image).join("zephyr/zephyr.hex")
}

/// Boots `BUILD_DIR/merged.hex` and returns the serial output, asserting a
/// clean semihosting exit.
fn boot(build_dir: &Path) -> String {
    let boot = boot_hex(&build_dir.join("merged.hex"), Duration::from_secs(20));
    assert_eq!(boot.status, Some(0), "{}", boot.serial);
    boot.serial
}

/// The bytes of a HEX file as a flat binary from address 0, by `srec_cat`.
fn flat(hex: &Path, dir: &Path) -> Vec<u8> {
    let bin = dir.join("flat.bin");
    common::run(
        std::process::Command::new("srec_cat")
            .arg(hex)
            .arg("-Intel")
            .arg("-o")
            .arg(&bin)
            .arg("-Binary"),
    );
    std::fs::read(bin).unwrap()
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn example_builds_boots_rebuilds_nothing_and_follows_a_moved_partition() {
    if !tools_present("example_builds_boots_...", TOOLS) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");

    let run = build(&app, &b, &["-j", "2"]);
    assert_ok(&run);
    assert!(
        run.stdout.starts_with("image       result  configure"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains(&format!("{}", b.join("logs/app.log").display())));
    assert!(run
        .stdout
        .contains(&format!("merged: {}", b.join("merged.hex").display())));
    let serial = boot(&b);
    assert_jumps_to(&serial, 0x00008000);
    // prj.conf enables the storage partition (app/pm.yml, preprocessed
    // against autoconf.h); the solver puts it after the dynamic application,
    // at the end of the 4 MiB flash, and pm_config.h tells the application.
    assert!(
        serial.contains(&format!("{STORAGE_LINE}0x003FC000, size 0x00004000\n")),
        "{serial}"
    );
    // The layout step's files are in the build directory.
    let partitions = std::fs::read_to_string(b.join("partitions.yml")).unwrap();
    assert!(
        partitions.contains("storage:\n  address: 0x3fc000\n"),
        "{partitions}"
    );
    assert!(b.join("regions.yml").is_file());
    let pm_config = std::fs::read_to_string(b.join("pm.config")).unwrap();
    assert!(pm_config.contains("PM_APP_ADDRESS=0x8000\n"), "{pm_config}");
    let autoconf = b.join("app/multibuild/include/autoconf.h");
    assert!(std::fs::read_to_string(&autoconf)
        .unwrap()
        .contains("#define CONFIG_APP_MESSAGE \"hello from the application\"\n"));
    let pm_config_h = b.join("app/multibuild/include/pm_config.h");
    assert!(std::fs::read_to_string(&pm_config_h)
        .unwrap()
        .contains("#define PM_STORAGE_ADDRESS 0x3fc000\n"));

    // The merge holds exactly what the reference tool makes of the two HEX files.
    let reference = tmp.path().join("reference.hex");
    srec_merge(&reference, &[hex(&b, "bootloader"), hex(&b, "app")]);
    assert_eq!(
        flat(&b.join("merged.hex"), tmp.path()),
        flat(&reference, tmp.path())
    );

    // The flash plan: bootloader first (flash edge), both build directories.
    let domains = std::fs::read_to_string(b.join("domains.yaml")).unwrap();
    assert!(domains.contains("default: app\n"), "{domains}");
    assert!(
        domains.ends_with("flash_order:\n- bootloader\n- app\n"),
        "{domains}"
    );

    // A second build with unchanged inputs neither configures nor relinks.
    // The generated files are not rewritten either.
    let elf = b.join("app/zephyr/zephyr.elf");
    let watched = [
        elf.clone(),
        autoconf.clone(),
        pm_config_h.clone(),
        b.join("app/multibuild/.config"),
        b.join("partitions.yml"),
    ];
    let before: Vec<_> = watched.iter().map(|p| mtime(p)).collect();
    let run = build(&app, &b, &[]);
    assert_ok(&run);
    assert_eq!(
        run.stdout.matches("up to date").count(),
        2,
        "{}",
        run.stdout
    );
    let after: Vec<_> = watched.iter().map(|p| mtime(p)).collect();
    assert_eq!(after, before);

    // Fixing a larger bootloader slot in pm_static.yml moves the dynamic
    // application: both images are reconfigured and relinked (the bootloader
    // jumps to the new address); --explain shows why.
    std::fs::copy(app.join("layouts/moved.yml"), app.join("pm_static.yml")).unwrap();
    let run = build(&app, &b, &["--explain"]);
    assert_ok(&run);
    assert!(!run.stdout.contains("up to date"), "{}", run.stdout);
    let log = std::fs::read_to_string(b.join("logs/app.log")).unwrap();
    assert!(log.contains("ninja explain"), "{log}");
    let serial = boot(&b);
    assert_jumps_to(&serial, 0x00020000);
}

#[test]
fn third_image_with_a_routed_variable_then_removed_again() {
    if !tools_present(
        "third_image_with_a_routed_variable_then_removed_again",
        TOOLS,
    ) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");
    let manifest = std::fs::read_to_string(app.join("images.toml")).unwrap();
    // Its partition comes from extra/pm.yml (the end of flash).
    std::fs::write(
        app.join("images.toml"),
        format!("{manifest}\n[[image]]\nname = \"extra\"\nsource = \"extra\"\n"),
    )
    .unwrap();

    // `-Dextra_EXTRA_MESSAGE=...` reaches image `extra` as EXTRA_MESSAGE;
    // VERBOSE in the environment reaches every image's build.
    let b_str = b.to_str().unwrap();
    let run = multibuild(
        &[
            "build",
            app.to_str().unwrap(),
            "-B",
            b_str,
            "-Dextra_EXTRA_MESSAGE=routed by prefix",
        ],
        &[("VERBOSE", "1")],
    );
    assert_ok(&run);
    let log = std::fs::read_to_string(b.join("logs/extra.log")).unwrap();
    assert!(
        log.contains("arm-none-eabi-gcc"),
        "VERBOSE did not reach the build:\n{log}"
    );
    let serial = boot(&b);
    assert!(
        serial.contains("APP: extra image says: routed by prefix\n"),
        "{serial}"
    );
    // The storage partition moved down to make room for `extra`.
    assert!(
        serial.contains(&format!("{STORAGE_LINE}0x003FB000, size 0x00004000\n")),
        "{serial}"
    );

    // Without the third image and its partition, the application must not
    // keep the stale PM_EXTRA_* cache entries (multibuild removes them).
    std::fs::write(app.join("images.toml"), &manifest).unwrap();
    assert_ok(&build(&app, &b, &[]));
    let serial = boot(&b);
    assert!(
        serial.contains(&format!("{APP_LINE}0x00008000\n")),
        "{serial}"
    );
    assert!(!serial.contains("extra"), "{serial}");
}

#[test]
fn prebuilt_bootloader_is_used_as_hex() {
    if !tools_present("prebuilt_bootloader_is_used_as_hex", TOOLS) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    // A static-only project (no pm.yml: no solver run, as before the layout
    // step existed). Build once to obtain a bootloader HEX, then use it as a
    // prebuilt file.
    make_static(&app, "");
    let first = tmp.path().join("first");
    assert_ok(&build(&app, &first, &[]));
    assert!(!first.join("partitions.yml").exists());
    std::fs::create_dir_all(app.join("prebuilt")).unwrap();
    std::fs::copy(
        hex(&first, "bootloader"),
        app.join("prebuilt/bootloader.hex"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(app.join("images.toml")).unwrap();
    std::fs::write(
        app.join("images.toml"),
        manifest.replace(
            "kind = \"bootloader\"\n",
            "kind = \"bootloader\"\nstrategy = \"use_hex\"\nhex = \"prebuilt/bootloader.hex\"\n",
        ),
    )
    .unwrap();

    let b = tmp.path().join("build");
    let run = build(&app, &b, &[]);
    assert_ok(&run);
    assert_prebuilt_bootloader(&run, &b);
    let serial = boot(&b);
    assert_jumps_to(&serial, 0x00008000);
    // No solved layout, so no pm_config.h and no storage line.
    assert!(!serial.contains(STORAGE_LINE), "{serial}");

    // A prebuilt HEX that does not lie in its (moved) partition is refused,
    // and the previous merged.hex is left untouched.
    let before = std::fs::read(b.join("merged.hex")).unwrap();
    let layout = std::fs::read_to_string(app.join("pm_static.yml")).unwrap();
    let moved = layout.replace(
        "bootloader:\n  address: 0x0\n",
        "bootloader:\n  address: 0x100000\n",
    );
    assert_ne!(moved, layout);
    std::fs::write(app.join("pm_static.yml"), moved).unwrap();
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("error: image `bootloader`: ")
            && run
                .stderr
                .contains("outside its partition `bootloader` 0x00100000..0x00108000"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(b.join("merged.hex")).unwrap(), before);
}

#[test]
fn overlapping_images_fail_the_merge() {
    if !tools_present("overlapping_images_fail_the_merge", TOOLS) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");
    // `extra` gets a partition over the start of `app`: each HEX file lies in
    // its partition, but both write the same addresses.
    // (A static layout: the solver would never place them overlapping.)
    let manifest = std::fs::read_to_string(app.join("images.toml")).unwrap();
    std::fs::write(
        app.join("images.toml"),
        format!("{manifest}\n[[image]]\nname = \"extra\"\nsource = \"extra\"\n"),
    )
    .unwrap();
    make_static(&app, "extra:\n  address: 0x8000\n  size: 0x1000\n");
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "error: domain `APP`: images overlap where the layout does not nest their partitions"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("0x00008000-"), "{}", run.stderr);
    assert!(!b.join("merged.hex").exists());
}

#[test]
fn failing_image_is_named_with_its_log_and_keep_going_builds_the_rest() {
    if !tools_present(
        "failing_image_is_named_...",
        &["cmake", "ninja", "arm-none-eabi-gcc"],
    ) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let main_c = app.join("app/main.c");
    let source = std::fs::read_to_string(&main_c).unwrap();
    std::fs::write(&main_c, format!("{source}\n#error deliberately broken\n")).unwrap();
    let b = tmp.path().join("build");

    let run = build(&app, &b, &["-j", "1", "--keep-going"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("bootloader  built"), "{}", run.stdout);
    assert!(run.stdout.contains("app         FAILED"), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "error: image `app`: build failed; log: {}",
            b.join("logs/app.log").display()
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("deliberately broken"), "{}", run.stderr);
    assert!(hex(&b, "bootloader").is_file());
    // `-j 1` is the whole budget: each image's build got one job.
    let log = std::fs::read_to_string(b.join("logs/bootloader.log")).unwrap();
    assert!(log.contains("--parallel 1"), "{log}");
}

#[test]
fn configure_failure_stops_the_build_unless_keep_going() {
    if !tools_present(
        "configure_failure_stops_the_build_unless_keep_going",
        &["cmake", "ninja", "arm-none-eabi-gcc"],
    ) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let lists = app.join("app/CMakeLists.txt");
    let text = std::fs::read_to_string(&lists).unwrap();
    std::fs::write(
        &lists,
        text.replacen(
            "project(app C)",
            "project(app C)\nmessage(FATAL_ERROR \"broken on purpose\")",
            1,
        ),
    )
    .unwrap();
    let b = tmp.path().join("build");

    // The bootloader is configured first (configure edge); the app's failure
    // stops the run before any build starts.
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("bootloader  not started"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("app         FAILED"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("error: image `app`: configure failed; log: ")
            && run.stderr.contains("broken on purpose"),
        "{}",
        run.stderr
    );

    // With --keep-going the independent bootloader is still built; the failed
    // configure left no stamp, so the app is configured again.
    let run = build(&app, &b, &["--keep-going"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("bootloader  built   up to date"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("broken on purpose"), "{}", run.stderr);
    assert!(hex(&b, "bootloader").is_file());
}

#[test]
fn target_and_clean_work_on_an_existing_build() {
    if !tools_present(
        "target_and_clean_work_on_an_existing_build",
        &["cmake", "ninja", "arm-none-eabi-gcc"],
    ) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");
    let b_str = b.to_str().unwrap();
    assert_ok(&build(&app, &b, &[]));

    // `target` runs one image's target (here Ninja's `help` listing).
    let run = multibuild(&["target", "-B", b_str, "app", "help"], &[]);
    assert_ok(&run);
    assert!(run.stdout.contains("zephyr.elf"), "{}", run.stdout);
    let run = multibuild(&["target", "-B", b_str, "nope", "all"], &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("no image `nope` in this build; images: bootloader, app"),
        "{}",
        run.stderr
    );

    // `clean` removes build outputs and multibuild's outputs, keeps configuration.
    let run = multibuild(&["clean", "-B", b_str], &[]);
    assert_ok(&run);
    assert!(!b.join("merged.hex").exists() && !b.join("domains.yaml").exists());
    assert!(!b.join("app/zephyr/zephyr.elf").exists());
    assert!(b.join("app/build.ninja").is_file());
    // The next build rebuilds without configuring.
    let run = build(&app, &b, &[]);
    assert_ok(&run);
    assert_eq!(
        run.stdout.matches("up to date").count(),
        2,
        "{}",
        run.stdout
    );

    // `clean --pristine` removes the images' build directories too.
    assert_ok(&multibuild(&["clean", "-B", b_str, "--pristine"], &[]));
    assert!(!b.join("app").exists() && !b.join("bootloader").exists());
    assert!(!b.join("multibuild.json").exists());
}

#[test]
fn plan_errors_come_before_any_configure() {
    // Needs no tools: nothing may run.
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");
    let manifest = std::fs::read_to_string(app.join("images.toml")).unwrap();

    // use_hex with a missing file (in a fixed slot).
    std::fs::copy(app.join("layouts/static.yml"), app.join("pm_static.yml")).unwrap();
    std::fs::write(
        app.join("images.toml"),
        manifest.replace(
            "kind = \"bootloader\"\n",
            "kind = \"bootloader\"\nstrategy = \"use_hex\"\nhex = \"missing.hex\"\n",
        ),
    )
    .unwrap();
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("the prebuilt HEX file of image `bootloader` does not exist"),
        "{}",
        run.stderr
    );
    assert!(!b.exists(), "nothing may be created before the plan holds");

    // skip without a static partition (a skipped image's pm.yml is not used).
    std::fs::write(
        app.join("images.toml"),
        format!(
            "{manifest}\n[[image]]\nname = \"extra\"\nsource = \"extra\"\nstrategy = \"skip\"\n"
        ),
    )
    .unwrap();
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("image `extra` uses strategy `skip` but its partition is not fixed in"),
        "{}",
        run.stderr
    );
    std::fs::write(
        app.join("pm_static.yml"),
        "extra:\n  address: 0x3ff000\n  size: 0x1000\n",
    )
    .unwrap();
    let run = multibuild(&["plan", app.to_str().unwrap(), "--json"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["images"][2]["strategy"]["strategy"], "skip");
    // The reserved slot is kept: the storage partition goes below it.
    assert_eq!(
        plan["layouts"]["APP"]["partitions"]["extra"]["address"],
        0x3ff000
    );
    assert_eq!(
        plan["layouts"]["APP"]["partitions"]["storage"]["address"],
        0x3fb000
    );
    assert_eq!(plan["layouts"]["APP"]["source"]["kind"], "solved");
    assert!(plan["images"][1]["autoconf_h"]
        .as_str()
        .unwrap()
        .ends_with("app/multibuild/include/autoconf.h"));

    // A strategy symbol given with -D must find a static slot too.
    std::fs::remove_file(app.join("pm_static.yml")).unwrap();
    std::fs::write(app.join("images.toml"), &manifest).unwrap();
    let run = build(
        &app,
        &b,
        &["-DCONFIG_BOOTLOADER_BUILD_STRATEGY_SKIP_BUILD=y"],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("image `bootloader` uses strategy `skip` (chosen by CONFIG_BOOTLOADER_BUILD_STRATEGY_SKIP_BUILD in the main image's configuration) but its partition is not fixed"),
        "{}",
        run.stderr
    );
    // Kconfig errors name the input and line; so do pm.yml errors.
    let run = build(&app, &b, &["-DCONFIG_NO_SUCH_SYMBOL=y"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("image `app`: Kconfig warnings are errors")
            && run.stderr.contains("-DCONFIG_NO_SUCH_SYMBOL:1: warning: attempt to assign the value 'y' to the undefined symbol NO_SUCH_SYMBOL"),
        "{}",
        run.stderr
    );
    let pm = app.join("bootloader/pm.yml");
    std::fs::write(&pm, "bootloader:\n  size: 0x8000\n#if\n").unwrap();
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("error: image `bootloader`: {}:3", pm.display())),
        "{}",
        run.stderr
    );
    std::fs::write(
        &pm,
        "bootloader:\n  size: 0x800000\n  placement:\n    before: [app]\n",
    )
    .unwrap();
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: domain `APP`: partition placement failed"),
        "{}",
        run.stderr
    );

    // A dependency cycle prints its path.
    std::fs::write(
        app.join("images.toml"),
        manifest.replace(
            "kind = \"bootloader\"\n",
            "kind = \"bootloader\"\nconfigure = [\"app\"]\n",
        ),
    )
    .unwrap();
    let run = build(&app, &b, &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .starts_with("error: configure dependency cycle: app -> bootloader -> app"),
        "{}",
        run.stderr
    );
    assert!(!b.exists());
}

#[test]
fn plan_shows_routed_variables() {
    let run = multibuild(
        &[
            "plan",
            example_dir().to_str().unwrap(),
            "-DCMAKE_BUILD_TYPE=MinSizeRel",
            "-Dbootloader_GREETING=hi",
            "-DAPP_ONLY=1",
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = &run.stdout;
    assert!(text.contains("configure order: bootloader, app"), "{text}");
    let boot = &text[text.find("image bootloader").unwrap()..text.find("image app").unwrap()];
    assert!(
        boot.contains("var GREETING=hi (from -Dbootloader_GREETING)"),
        "{boot}"
    );
    assert!(
        boot.contains("var CMAKE_BUILD_TYPE=MinSizeRel (from shared -D)"),
        "{boot}"
    );
    assert!(!boot.contains("APP_ONLY"), "{boot}");
    let app = &text[text.find("image app").unwrap()..];
    assert!(
        app.contains("var APP_ONLY=1 (from -D (main image))"),
        "{app}"
    );
}

#[test]
fn kconfig_values_from_the_command_line_reach_the_firmware_and_the_layout() {
    if !tools_present(
        "kconfig_values_from_the_command_line_reach_the_firmware_and_the_layout",
        TOOLS,
    ) {
        return;
    }
    let tmp = copy_example();
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");

    // A plain -DCONFIG_X reaches the main image's Kconfig (after prj.conf, so
    // it wins); -Dapp_CONFIG_X is the same with the image named.
    let run = build(
        &app,
        &b,
        &[
            "-DCONFIG_APP_MESSAGE=\"configured on the command line\"",
            "-Dapp_CONFIG_APP_STORAGE_SIZE=0x8000",
        ],
    );
    assert_ok(&run);
    let serial = boot(&b);
    assert!(
        serial.contains("APP: configured on the command line, VTOR=0x00008000\n"),
        "{serial}"
    );
    // The storage size went through autoconf.h into app/pm.yml and the solver.
    assert!(
        serial.contains(&format!("{STORAGE_LINE}0x003F8000, size 0x00008000\n")),
        "{serial}"
    );
    let config = std::fs::read_to_string(b.join("app/multibuild/.config")).unwrap();
    assert!(
        config.contains("CONFIG_APP_STORAGE_SIZE=0x8000\n"),
        "{config}"
    );

    // Only the greeting changes: autoconf.h is rewritten and the application
    // recompiled (Ninja tracks the forced include), but no image is
    // configured again, since Kconfig values are not CMake arguments.
    let run = build(
        &app,
        &b,
        &[
            "-DCONFIG_APP_MESSAGE=\"changed without a configure\"",
            "-Dapp_CONFIG_APP_STORAGE_SIZE=0x8000",
        ],
    );
    assert_ok(&run);
    assert_eq!(
        run.stdout.matches("up to date").count(),
        2,
        "{}",
        run.stdout
    );
    let serial = boot(&b);
    assert!(
        serial.contains("APP: changed without a configure, VTOR=0x00008000\n"),
        "{serial}"
    );

    // An extra configuration file (relative to the application directory)
    // disables the storage partition: it disappears from the layout and the
    // firmware, and the application grows to the end of flash.
    std::fs::write(
        app.join("no-storage.conf"),
        "# CONFIG_APP_STORAGE is not set\n",
    )
    .unwrap();
    let run = build(&app, &b, &["-Dapp_EXTRA_CONF_FILE=no-storage.conf"]);
    assert_ok(&run);
    let serial = boot(&b);
    assert!(
        serial.contains(&format!("{APP_LINE}0x00008000\n")),
        "{serial}"
    );
    assert!(!serial.contains(STORAGE_LINE), "{serial}");
    let partitions = std::fs::read_to_string(b.join("partitions.yml")).unwrap();
    assert!(!partitions.contains("storage"), "{partitions}");
    let pm_config = std::fs::read_to_string(b.join("pm.config")).unwrap();
    assert!(
        pm_config.contains("PM_APP_END_ADDRESS=0x400000\n"),
        "{pm_config}"
    );
}

#[test]
fn kconfig_selects_the_prebuilt_bootloader() {
    if !tools_present("kconfig_selects_the_prebuilt_bootloader", TOOLS) {
        return;
    }
    let tmp = copy_examples(&["bootloader-app", "prebuilt-bootloader"]);
    let main_app = tmp.path().join("bootloader-app");
    let variant = tmp.path().join("prebuilt-bootloader");
    // A bootloader HEX from the main example becomes the variant's prebuilt file.
    let first = tmp.path().join("first");
    assert_ok(&build(&main_app, &first, &[]));
    std::fs::copy(hex(&first, "bootloader"), variant.join("bootloader.hex")).unwrap();

    // prebuilt.conf (EXTRA_CONF_FILE of the application) selects USE_HEX_FILE.
    let b = tmp.path().join("build");
    let plan = multibuild(
        &["plan", variant.to_str().unwrap(), "-B", b.to_str().unwrap()],
        &[],
    );
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert!(
        plan.stdout.contains(&format!(
            "strategy:  use_hex {} (from Kconfig BOOTLOADER_BUILD_STRATEGY_USE_HEX_FILE)",
            variant.join("bootloader.hex").display()
        )),
        "{}",
        plan.stdout
    );
    let run = build(&variant, &b, &[]);
    assert_ok(&run);
    assert_prebuilt_bootloader(&run, &b);
    let serial = boot(&b);
    assert_jumps_to(&serial, 0x00008000);

    // Dropping the extra file on the command line builds it from source again.
    let run = build(&variant, &b, &["-Dapp_EXTRA_CONF_FILE="]);
    assert_ok(&run);
    assert!(run.stdout.contains("bootloader  built"), "{}", run.stdout);
    assert!(hex(&b, "bootloader").is_file());
    let serial = boot(&b);
    assert!(
        serial.contains(&format!("{BOOT_LINE}0x00008000\n")),
        "{serial}"
    );

    // The same choice with -D on the main example (its pm_static.yml fixing
    // the bootloader's slot).
    std::fs::copy(
        main_app.join("layouts/static.yml"),
        main_app.join("pm_static.yml"),
    )
    .unwrap();
    let prebuilt = variant.join("bootloader.hex");
    let hex_file = format!("-DCONFIG_BOOTLOADER_HEX_FILE=\"{}\"", prebuilt.display());
    let b2 = tmp.path().join("build2");
    let run = build(
        &main_app,
        &b2,
        &[
            "-DCONFIG_BOOTLOADER_BUILD_STRATEGY_USE_HEX_FILE=y",
            &hex_file,
        ],
    );
    assert_ok(&run);
    assert!(
        run.stdout.contains("bootloader  prebuilt HEX"),
        "{}",
        run.stdout
    );
    let serial = boot(&b2);
    assert!(
        serial.contains(&format!("{APP_LINE}0x00008000\n")),
        "{serial}"
    );
}
