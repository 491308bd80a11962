//! The `kconfig` binary: exit codes, outputs, and that a failed run leaves
//! no output behind.

mod common;

use std::process::Command;

fn kconfig() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kconfig"));
    c.env_clear().env("PATH", "/usr/bin:/bin");
    c
}

#[test]
fn parse_reports_counts_and_errors() {
    let corpus = common::corpus();
    let out = kconfig()
        .current_dir(&corpus)
        .args(["parse", "--kconfig", "kconfiglib-tests/Klocation"])
        .args([
            "--env",
            "TESTS_DIR_FROM_ENV=kconfiglib-tests",
            "--env",
            "SUB_DIR_FROM_ENV=sub",
        ])
        .args(["--env", "_SOURCED=_sourced", "--env", "_RSOURCED=_rsourced"])
        .args([
            "--env",
            "_GSOURCED=_gsourced",
            "--env",
            "_GRSOURCED=_grsourced",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("11 files read (7 distinct)"), "{stdout}");

    let out = kconfig()
        .current_dir(&corpus)
        .args(["parse", "--kconfig", "kconfiglib-tests/Kmissingsource"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("kconfiglib-tests/Kmissingsource:1: error: 'nonexistent' not found"),
        "{stderr}"
    );
}

#[test]
fn gen_writes_golden_outputs_and_nothing_on_error() {
    let corpus = common::corpus();
    let dir = tempfile::tempdir().unwrap();
    let golden = corpus
        .join("kconfiglib-golden")
        .join("Kchoice__modules_user_sel");
    let (cfg, hdr, min) = (
        dir.path().join(".config"),
        dir.path().join("autoconf.h"),
        dir.path().join("defconfig"),
    );
    let out = kconfig()
        .current_dir(&corpus)
        .args(["gen", "--kconfig", "kconfiglib-tests/Kchoice"])
        .arg("--fragment")
        .arg(golden.join("user.config"))
        .arg("--config-out")
        .arg(&cfg)
        .arg("--header-out")
        .arg(&hdr)
        .arg("--min-config-out")
        .arg(&min)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (mine, theirs) in [(&cfg, ".config"), (&hdr, "autoconf.h"), (&min, "defconfig")] {
        assert_eq!(
            std::fs::read(mine).unwrap(),
            std::fs::read(golden.join(theirs)).unwrap(),
            "{theirs}"
        );
    }
    // Warnings as errors: Kchoice has warnings, so nothing is written and
    // the existing files are untouched.
    std::fs::write(&cfg, "old").unwrap();
    let out = kconfig()
        .current_dir(&corpus)
        .args(["gen", "--kconfig", "kconfiglib-tests/Kchoice", "--werror"])
        .arg("--config-out")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "old");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn dump_and_why_print_state() {
    let corpus = common::corpus();
    let out = kconfig()
        .current_dir(&corpus)
        .args(["dump", "--json", "--kconfig", "kconfiglib-tests/Kimply"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let golden = common::read_json(&corpus.join("kconfiglib-golden/Kimply/symbols.json"));
    assert_eq!(
        v["symbols"]["IMPLIED_TRISTATE"]["str_value"],
        golden["IMPLIED_TRISTATE"]["str_value"]
    );
    let out = kconfig()
        .current_dir(&corpus)
        .args([
            "why",
            "CONFIG_IMPLIED_TRISTATE",
            "--kconfig",
            "kconfiglib-tests/Kimply",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("implied by:"));
}

/// The whole Zephyr qemu_x86 evaluation through the command line:
/// environment, replay table, two fragments, Zephyr policy, warnings as
/// errors; the three outputs are byte-identical to the golden.
#[test]
fn gen_zephyr_golden_through_the_cli() {
    let board = "qemu_x86";
    let dir = common::corpus().join("zephyr-golden").join(board);
    let env_json = common::read_json(&dir.join("env.json"));
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = kconfig();
    cmd.arg("gen")
        .arg("--kconfig")
        .arg(common::zephyr_subst(
            board,
            env_json["kconfig"].as_str().unwrap(),
        ))
        .arg("--srctree")
        .arg(common::zephyr_subst(
            board,
            env_json["srctree"].as_str().unwrap(),
        ))
        .arg("--replay")
        .arg(dir.join("expected/functions_trace.json"))
        .args(["--zephyr", "--werror"]);
    for (k, v) in env_json["env"].as_object().unwrap() {
        cmd.arg("--env").arg(format!(
            "{k}={}",
            common::zephyr_subst(board, v.as_str().unwrap())
        ));
    }
    for f in env_json["fragments"].as_array().unwrap() {
        cmd.arg("--fragment")
            .arg(common::zephyr_subst(board, f.as_str().unwrap()));
    }
    let files = [".config", "autoconf.h", "defconfig"];
    for (flag, f) in ["--config-out", "--header-out", "--min-config-out"]
        .iter()
        .zip(files)
    {
        cmd.arg(flag).arg(out_dir.path().join(f));
    }
    let sources = out_dir.path().join("sources.txt");
    cmd.arg("--sources-out").arg(&sources);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in files {
        assert_eq!(
            std::fs::read(out_dir.path().join(f)).unwrap(),
            std::fs::read(dir.join("expected").join(f)).unwrap(),
            "{f}"
        );
    }
    let srcs = std::fs::read_to_string(sources).unwrap();
    assert!(srcs.lines().count() > 4000);
}
