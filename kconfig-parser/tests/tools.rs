//! Kconfiglib's tools (`kconfig_parser::tools`) against the outputs PyPI
//! Kconfiglib 14.1.0's own scripts gave on the same trees and inputs,
//! recorded by `scripts/record-kconfig-tools` into
//! `tests/corpus/kconfig/tools/<case>/`: standard output, standard error,
//! exit status and every file left in the working directory, byte for byte.

mod common;

use common::*;
use kconfig_parser::tools::{run, CapturedIo, Tool, ToolOptions};
use kconfig_parser::{load, LoadOptions};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Runs one recorded case; the differences found, if any.
fn run_case(dir: &Path) -> Result<(), String> {
    let case = read_json(&dir.join("case.json"));
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    for l in ["busybox", "kconfiglib-tests", "kconfiglib-golden"] {
        std::os::unix::fs::symlink(corpus().join(l), tmp.path().join(l))
            .map_err(|e| e.to_string())?;
    }
    if let Some(c) = case["config"].as_str() {
        std::fs::copy(corpus().join(c), tmp.path().join(".config")).map_err(|e| e.to_string())?;
    }
    let mut env: HashMap<String, String> = HashMap::new();
    for (k, v) in case["env"].as_object().unwrap() {
        env.insert(k.clone(), v.as_str().unwrap().to_string());
    }
    let mut lo = LoadOptions::new(case["kconfig"].as_str().unwrap());
    lo.base_dir = Some(tmp.path().to_path_buf());
    lo.env = env.clone();
    let tool = Tool::from_name(case["tool"].as_str().unwrap()).unwrap();
    let mut opts = ToolOptions::from_env(&env, tmp.path().to_path_buf());
    for a in case["args"].as_array().unwrap() {
        match a.as_str().unwrap() {
            "-l" => opts.show_help = true,
            "--no-check-exists" => opts.check_exists = false,
            "--no-check-value" => opts.check_value = false,
            a => opts.assignments.push(a.to_string()),
        }
    }
    let mut io = CapturedIo::with_input(case["stdin"].as_str().unwrap());
    let kc = load(lo).map_err(|e| e.to_string())?;
    let status = match run(&kc, tool, &opts, &mut io) {
        Ok(()) => 0,
        Err(e) => {
            io.stderr.push_str(&format!("{e}\n"));
            1
        }
    };
    let mut errs = Vec::new();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    if read("stderr").contains("<python traceback: TypeError") {
        // Kconfiglib's oldconfig crashes on a choice member without a
        // prompt (Kdepcopy); up to there the dialogue is the same.
        return if io.stdout.starts_with(&read("stdout")) {
            Ok(())
        } else {
            Err(format!(
                "stdout:\n--- expected (until Python's crash)\n{}\n--- got\n{}",
                read("stdout"),
                io.stdout
            ))
        };
    }
    if read("status").trim() != status.to_string() {
        errs.push(format!(
            "status: expected {}, got {status}",
            read("status").trim()
        ));
    }
    if read("stdout") != io.stdout {
        errs.push(format!(
            "stdout:\n--- expected\n{}\n--- got\n{}",
            read("stdout"),
            io.stdout
        ));
    }
    let exp_err = read("stderr");
    // Where Python died at the end of input, what came before must match.
    let same = match exp_err.find("<python traceback: EOFError") {
        Some(at) => io.stderr.starts_with(&exp_err[..at]) && io.stderr.contains("end of input"),
        None => exp_err == io.stderr,
    };
    if !same {
        errs.push(format!(
            "stderr:\n--- expected\n{exp_err}\n--- got\n{}",
            io.stderr
        ));
    }
    let files = |d: &Path, skip_links: bool| -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        // git keeps no empty directory: a case that left no file has none.
        let Ok(entries) = std::fs::read_dir(d) else {
            return m;
        };
        for e in entries {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if skip_links && e.file_type().unwrap().is_symlink() {
                continue;
            }
            m.insert(name, std::fs::read_to_string(e.path()).unwrap());
        }
        m
    };
    let (exp, got) = (files(&dir.join("files"), false), files(tmp.path(), true));
    if exp.keys().collect::<Vec<_>>() != got.keys().collect::<Vec<_>>() {
        errs.push(format!(
            "files: expected {:?}, got {:?}",
            exp.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>()
        ));
    }
    for (name, text) in &exp {
        if got.get(name).is_some_and(|g| g != text) {
            errs.push(format!(
                "{name} differs:\n--- expected\n{text}\n--- got\n{}",
                got[name]
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

#[test]
fn tools_match_kconfiglib() {
    let root = corpus().join("tools");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    cases.sort();
    // TOOLS_CASE=substring runs only the matching cases (debugging).
    let only = std::env::var("TOOLS_CASE").ok();
    if let Some(o) = &only {
        cases.retain(|c| c.to_string_lossy().contains(o.as_str()));
    }
    assert!(
        only.is_some() || cases.len() > 300,
        "recorded cases missing under {}",
        root.display()
    );
    let mut failed = Vec::new();
    for c in &cases {
        if let Err(e) = run_case(c) {
            let name = c.file_name().unwrap().to_string_lossy().into_owned();
            failed.push(format!(
                "== {name}\n{}",
                e.chars()
                    .take(if only.is_some() { usize::MAX } else { 3000 })
                    .collect::<String>()
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} cases differ:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}
