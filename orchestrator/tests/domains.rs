//! Two memory domains, each with a prebuilt image: per-domain merged files,
//! the cross-domain `merged_domains.hex`, and an overlap between domains.
//! Every image is `use_hex`, so no tool is needed.

mod common;

use std::path::Path;

use common::multibuild;
use image_merge::{intel_hex, InputFormat, InputSpec, MemoryImage};

fn write_hex(path: &Path, address: u32, bytes: &[u8]) {
    let image = MemoryImage::from_bytes(
        bytes
            .iter()
            .enumerate()
            .map(|(i, b)| (address + i as u32, *b)),
    );
    let mut out = Vec::new();
    intel_hex::write(&image, &Default::default(), &mut out).unwrap();
    std::fs::write(path, out).unwrap();
}

fn read(path: &Path) -> Vec<(u32, Vec<u8>)> {
    let data = image_merge::read_input(&InputSpec {
        path: path.to_path_buf(),
        format: InputFormat::IntelHex,
    })
    .unwrap();
    data.runs
        .iter()
        .map(|r| (r.start(), r.data().to_vec()))
        .collect()
}

const MANIFEST: &str = r#"
[[domain]]
name = "APP"
[[domain]]
name = "NET"

[[image]]
name = "app"
source = "app"
kind = "main"
strategy = "use_hex"
hex = "app.hex"

[[image]]
name = "net"
source = "net"
domain = "NET"
strategy = "use_hex"
hex = "net.hex"
flash = ["app"]
"#;

fn app_dir(net_address: u32) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("images.toml"), MANIFEST).unwrap();
    std::fs::write(
        app.join("pm_static.yml"),
        "app:\n  address: 0x0\n  size: 0x1000\n",
    )
    .unwrap();
    std::fs::write(
        app.join("pm_static_NET.yml"),
        format!("net:\n  address: {net_address:#x}\n  size: 0x1000\n"),
    )
    .unwrap();
    write_hex(&app.join("app.hex"), 0x10, &[1, 2, 3, 4]);
    write_hex(&app.join("net.hex"), net_address + 0x20, &[5, 6]);
    tmp
}

#[test]
fn each_domain_and_all_domains_are_merged() {
    let tmp = app_dir(0x0100_0000);
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");
    let run = multibuild(
        &["build", app.to_str().unwrap(), "-B", b.to_str().unwrap()],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("app    prebuilt HEX"), "{}", run.stdout);
    assert_eq!(read(&b.join("merged.hex")), [(0x10, vec![1, 2, 3, 4])]);
    assert_eq!(read(&b.join("merged_NET.hex")), [(0x0100_0020, vec![5, 6])]);
    assert_eq!(
        read(&b.join("merged_domains.hex")),
        [(0x10, vec![1, 2, 3, 4]), (0x0100_0020, vec![5, 6])]
    );
    // Nothing is built from source, so the flash plan lists no build directory.
    let domains = std::fs::read_to_string(b.join("domains.yaml")).unwrap();
    assert!(domains.contains("domains: []"), "{domains}");
}

#[test]
fn domains_that_overlap_are_an_error() {
    let tmp = app_dir(0x0);
    let app = tmp.path().join("app");
    let b = tmp.path().join("build");
    // Both domains place data at 0x12..0x13.
    write_hex(&app.join("net.hex"), 0x12, &[9, 9]);
    let run = multibuild(
        &["build", app.to_str().unwrap(), "-B", b.to_str().unwrap()],
        &[],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("error: merging the domains:")
            && run
                .stderr
                .contains("domain APP and domain NET overlap at 0x00000012-0x00000013"),
        "{}",
        run.stderr
    );
    assert!(!b.join("merged_domains.hex").exists());
}
