//! Proof that the example firmware itself is sound, independent of `multibuild`:
//! each image is configured and built with plain CMake, linked at the addresses
//! given as `PM_*` cache variables (the application with a hand-written
//! `autoconf.h`), the HEX files are combined with `srec_cat`
//! (the reference tool, used here only as the test's own merger), and the result
//! boots in QEMU and prints both lines.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{boot_hex, example_dir, run, srec_merge, tools_present};

const TOOLS: &[&str] = &[
    "cmake",
    "ninja",
    "arm-none-eabi-gcc",
    "srec_cat",
    "qemu-system-arm",
];

fn build_image(build: &Path, image: &str, layout: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = build.join(image);
    // The application's Kconfig output, as multibuild would generate it.
    let autoconf = build.join("autoconf.h");
    std::fs::write(
        &autoconf,
        "#define CONFIG_APP_MESSAGE \"hello from the application\"\n",
    )
    .unwrap();
    let mut configure = Command::new("cmake");
    configure
        .args(["-G", "Ninja", "-S"])
        .arg(example_dir().join(image))
        .arg("-B")
        .arg(&dir)
        .arg(format!("-DIMAGE_NAME={image}"))
        .arg(format!("-DAUTOCONF_H={}", autoconf.display()));
    for (name, value) in layout {
        configure.arg(format!("-D{name}={value}"));
    }
    run(&mut configure);
    run(Command::new("cmake").arg("--build").arg(&dir));
    dir.join("zephyr/zephyr.hex")
}

#[test]
fn three_images_at_moved_addresses_boot_in_qemu() {
    if !tools_present("three_images_at_moved_addresses_boot_in_qemu", TOOLS) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let layout = [
        ("PM_BOOTLOADER_ADDRESS", "0x0"),
        ("PM_BOOTLOADER_SIZE", "0x8000"),
        ("PM_APP_ADDRESS", "0x10000"),
        ("PM_APP_SIZE", "0x30000"),
        ("PM_EXTRA_ADDRESS", "0x40000"),
        ("PM_EXTRA_SIZE", "0x1000"),
    ];
    let hexes: Vec<_> = ["bootloader", "app", "extra"]
        .iter()
        .map(|image| build_image(tmp.path(), image, &layout))
        .collect();

    let merged = tmp.path().join("merged.hex");
    srec_merge(&merged, &hexes);
    let boot = boot_hex(&merged, Duration::from_secs(20));
    assert!(
        boot.serial
            .contains("BOOT: hello from the bootloader, jumping to app at 0x00010000\n"),
        "{}",
        boot.serial
    );
    assert!(
        boot.serial
            .contains("APP: hello from the application, VTOR=0x00010000\n"),
        "{}",
        boot.serial
    );
    assert!(
        boot.serial
            .contains("APP: extra image says: hello from the extra image\n"),
        "{}",
        boot.serial
    );
    assert_eq!(boot.status, Some(0), "{}", boot.serial);

    // The bootloader alone refuses to jump into erased flash and fails the run.
    let alone = boot_hex(&hexes[0], Duration::from_secs(20));
    assert!(
        alone
            .serial
            .contains("BOOT: no valid application image at 0x00010000"),
        "{}",
        alone.serial
    );
    assert_eq!(alone.status, Some(1), "{}", alone.serial);
}
