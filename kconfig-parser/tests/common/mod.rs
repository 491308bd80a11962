//! Helpers shared by this crate's integration tests: corpus location and
//! loading of the goldens' `env.json`.
#![allow(dead_code)]

use kconfig_parser::{HostFunctions, LoadOptions, ReplayFunctions};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// `tests/corpus/kconfig/` of the repository.
pub fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("corpus")
        .join("kconfig")
        .canonicalize()
        .expect("tests/corpus/kconfig exists")
}

pub fn read_json(p: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The user functions of Kconfiglib's test suite, as described in the
/// golden's env.json (`add`, `one`, `one-or-more`, `location`).
pub struct TestFunctions;

impl HostFunctions for TestFunctions {
    fn arity(&self, name: &str) -> Option<(usize, Option<usize>)> {
        match name {
            "add" => Some((0, None)),
            "one" => Some((1, Some(1))),
            "one-or-more" => Some((1, None)),
            "location" => Some((0, Some(0))),
            _ => None,
        }
    }

    fn call(
        &mut self,
        name: &str,
        args: &[String],
        file: &str,
        line: u32,
    ) -> Result<String, String> {
        Ok(match name {
            "add" => args
                .iter()
                .map(|a| a.trim().parse::<i64>().map_err(|e| e.to_string()))
                .sum::<Result<i64, String>>()?
                .to_string(),
            "one" => format!("one{}{}", args[0], args[0]),
            "one-or-more" => format!("{} + {}", args[0], args[1..].join(",")),
            _ => format!("{file}:{line}"),
        })
    }
}

/// Load options for a kconfiglib-golden case directory.
pub fn kconfiglib_options(case: &str) -> (LoadOptions, Value) {
    let dir = corpus().join("kconfiglib-golden").join(case);
    let env_json = read_json(&dir.join("env.json"));
    let mut env: HashMap<String, String> = HashMap::new();
    if let Some(m) = env_json["env"].as_object() {
        for (k, v) in m {
            env.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    let mut o = LoadOptions::new(env_json["kconfig"].as_str().expect("kconfig"));
    o.base_dir = Some(corpus());
    o.env = env;
    if !env_json["functions"].is_null() {
        o.host = Some(Box::new(TestFunctions));
    }
    (o, env_json)
}

/// Every case directory of kconfiglib-golden.
pub fn kconfiglib_cases() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(corpus().join("kconfiglib-golden"))
        .expect("kconfiglib-golden")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Replaces the Zephyr golden placeholders.
pub fn zephyr_subst(board: &str, s: &str) -> String {
    let z = corpus().join("zephyr");
    let b = corpus()
        .join("zephyr-golden")
        .join(board)
        .join("Kconfig-generated");
    s.replace("$ZEPHYR_BASE", &z.to_string_lossy())
        .replace("$KCONFIG_BINARY_DIR", &b.to_string_lossy())
}

/// The configuration fragments of a Zephyr golden, in merge order.
#[allow(dead_code)]
pub fn zephyr_fragments(board: &str, env_json: &Value) -> Vec<kconfig_parser::generate::Fragment> {
    env_json["fragments"]
        .as_array()
        .expect("fragments")
        .iter()
        .map(|f| {
            let name = zephyr_subst(board, f.as_str().unwrap());
            let text = std::fs::read_to_string(&name).unwrap();
            kconfig_parser::generate::Fragment { name, text }
        })
        .collect()
}

/// Load options for a Zephyr golden (env, srctree, replay table).
pub fn zephyr_options(board: &str) -> (LoadOptions, Value) {
    let dir = corpus().join("zephyr-golden").join(board);
    let env_json = read_json(&dir.join("env.json"));
    let mut env = HashMap::new();
    for (k, v) in env_json["env"].as_object().expect("env") {
        env.insert(
            k.clone(),
            zephyr_subst(board, v.as_str().unwrap_or_default()),
        );
    }
    let mut o = LoadOptions::new(zephyr_subst(board, env_json["kconfig"].as_str().unwrap()));
    o.srctree = Some(zephyr_subst(board, env_json["srctree"].as_str().unwrap()).into());
    o.env = env;
    let trace = std::fs::read_to_string(dir.join("expected").join("functions_trace.json"))
        .expect("functions_trace.json");
    o.host = Some(Box::new(
        ReplayFunctions::from_json(&trace).expect("replay table"),
    ));
    (o, env_json)
}

/// The Zephyr workspace (`zephyr/`, `modules/`) for tests that need real
/// Zephyr sources: `$ZEPHYR_WORKSPACE` when set, else `../shared/zephyr-workspace`
/// unpacked once into `target/zephyr-workspace` (under a lock, so that test
/// binaries running at the same time unpack it once). `None`, with a
/// visible notice, when neither exists.
#[allow(dead_code)]
pub fn zephyr_workspace(test: &str) -> Option<PathBuf> {
    if let Some(ws) = std::env::var_os("ZEPHYR_WORKSPACE") {
        return Some(PathBuf::from(ws));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let unpack = root.join("../shared/zephyr-workspace/unpack.sh");
    if !unpack.exists() {
        eprintln!(
            "NOTICE: {test} skipped: no Zephyr workspace (set ZEPHYR_WORKSPACE, or provide ../shared/zephyr-workspace)"
        );
        return None;
    }
    let dest = root.join("target/zephyr-workspace");
    std::fs::create_dir_all(root.join("target")).expect("create target/");
    let status = std::process::Command::new("flock")
        .arg(root.join("target/zephyr-workspace.lock"))
        .arg("sh")
        .arg(&unpack)
        .arg(&dest)
        .status()
        .expect("run flock sh unpack.sh (util-linux)");
    assert!(status.success(), "unpacking the Zephyr workspace failed");
    Some(dest)
}
