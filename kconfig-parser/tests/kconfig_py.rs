//! `kconfig_py`: the cache of re-runs gives what a full run gives after any
//! change of its inputs, and the message wrapping is Python's `textwrap`.
//! (The comparison with kconfig.py itself, in real Zephyr builds, is the
//! workspace's `tests/zephyr_kconfig.rs`.)

use kconfig_parser::kconfig_py::{run, wrap, Args, CacheUse, Context, Functions, Run, Stream};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

struct Tree {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn tree() -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    write(
        &dir.join("Kconfig"),
        "mainmenu \"Test\"\n\
         config A\n\tbool \"A\"\n\tdefault y\n\
         config N\n\tint \"N\"\n\tdefault 3\n\
         config E\n\tstring\n\tdefault \"$(MY_VAR)\"\n\
         osource \"sub/*/Kconfig\"\n\
         osource \"opt/Kconfig\"\n",
    );
    write(
        &dir.join("sub/x/Kconfig"),
        "config X\n\tbool \"X\"\n\tdefault A\n",
    );
    write(&dir.join("prj.conf"), "CONFIG_N=5\n");
    std::fs::create_dir_all(dir.join("out")).unwrap();
    Tree { _tmp: tmp, dir }
}

fn args(handwritten: bool, inputs: &[&str]) -> Args {
    let mut a: Vec<String> = vec!["--zephyr-base=/nonexistent".into()];
    if handwritten {
        a.push("--handwritten-input-configs".into());
    }
    for s in [
        "Kconfig",
        "out/.config",
        "out/autoconf.h",
        "out/sources.txt",
    ] {
        a.push(s.into());
    }
    a.extend(inputs.iter().map(|s| s.to_string()));
    Args::parse(a).unwrap()
}

fn go(t: &Tree, a: &Args, env: &[(&str, &str)], cache: bool) -> Run {
    let mut e: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    e.insert("srctree".into(), t.dir.to_string_lossy().into_owned());
    run(
        a,
        Context {
            env: e,
            cwd: t.dir.clone(),
            functions: Functions::Native,
            cache,
        },
    )
}

fn outputs(t: &Tree) -> Vec<String> {
    ["out/.config", "out/autoconf.h", "out/sources.txt"]
        .iter()
        .map(|f| std::fs::read_to_string(t.dir.join(f)).unwrap())
        .collect()
}

/// Runs with the cache, then again without it: the files must be the same.
fn cached_equals_cold(t: &Tree, a: &Args, env: &[(&str, &str)]) -> (CacheUse, Vec<String>) {
    let r = go(t, a, env, true);
    assert_eq!(r.status, 0, "{}", r.text(Stream::Stderr));
    let cached = outputs(t);
    let r2 = go(t, a, env, false);
    assert_eq!(r2.status, 0);
    assert_eq!(outputs(t), cached, "cache gave other files than a full run");
    (r.cache, cached)
}

#[test]
fn unchanged_rerun_is_a_hit_and_prints_the_same() {
    let t = tree();
    let a = args(true, &["prj.conf"]);
    let first = go(&t, &a, &[], true);
    assert_eq!(first.status, 0, "{}", first.text(Stream::Stderr));
    assert_eq!(first.cache, CacheUse::Miss);
    let before = outputs(&t);
    let second = go(&t, &a, &[], true);
    assert_eq!(second.cache, CacheUse::Hit);
    assert_eq!(outputs(&t), before);
    // Same messages, except that nothing changed on disk this time.
    let norm = |r: &Run| {
        r.text(Stream::Stdout)
            .replace("Configuration saved to", "No change to configuration in")
            .replace("Kconfig header saved to", "No change to Kconfig header in")
    };
    assert_eq!(norm(&second), norm(&first));
    assert!(second
        .text(Stream::Stdout)
        .contains("No change to configuration in 'out/.config'"));
    // CMake's next run (the .config as input) was evaluated in advance.
    let next = go(&t, &args(false, &["out/.config"]), &[], true);
    assert_eq!(next.cache, CacheUse::Hit);
    assert_eq!(outputs(&t), before);
}

#[test]
fn any_changed_input_gives_the_full_result() {
    let t = tree();
    let a = args(true, &["prj.conf"]);
    let (_, base) = cached_equals_cold(&t, &a, &[]);
    assert_eq!(go(&t, &a, &[], true).cache, CacheUse::Hit);

    // A Kconfig file's content.
    write(
        &t.dir.join("sub/x/Kconfig"),
        "config X\n\tbool \"X\"\n\tdefault n\n",
    );
    let (u, changed) = cached_equals_cold(&t, &a, &[]);
    assert_eq!(u, CacheUse::Miss);
    assert_ne!(changed, base);
    assert_eq!(go(&t, &a, &[], true).cache, CacheUse::Hit);

    // A new file matched by a glob.
    write(
        &t.dir.join("sub/y/Kconfig"),
        "config Y\n\tbool \"Y\"\n\tdefault y\n",
    );
    let (u, out) = cached_equals_cold(&t, &a, &[]);
    assert_eq!(u, CacheUse::Miss);
    assert!(out[0].contains("CONFIG_Y=y"));
    assert_eq!(go(&t, &a, &[], true).cache, CacheUse::Hit);

    // A missing optional source appears.
    write(
        &t.dir.join("opt/Kconfig"),
        "config O\n\tbool \"O\"\n\tdefault y\n",
    );
    let (u, out) = cached_equals_cold(&t, &a, &[]);
    assert_eq!(u, CacheUse::Miss);
    assert!(out[0].contains("CONFIG_O=y"));
    assert_eq!(go(&t, &a, &[], true).cache, CacheUse::Hit);

    // The environment.
    let (u, out) = cached_equals_cold(&t, &a, &[("MY_VAR", "hello")]);
    assert_eq!(u, CacheUse::Miss);
    assert!(out[0].contains("CONFIG_E=\"hello\""));

    // A configuration file.
    write(&t.dir.join("prj.conf"), "CONFIG_N=6\n");
    let (u, out) = cached_equals_cold(&t, &a, &[("MY_VAR", "hello")]);
    assert_eq!(u, CacheUse::Miss);
    assert!(out[0].contains("CONFIG_N=6"));

    // A file deleted.
    std::fs::remove_file(t.dir.join("opt/Kconfig")).unwrap();
    let (u, out) = cached_equals_cold(&t, &a, &[("MY_VAR", "hello")]);
    assert_eq!(u, CacheUse::Miss);
    assert!(!out[0].contains("CONFIG_O"));
}

/// Past the two-second window, file status is trusted: a `touch` costs a
/// read and stays a hit; a same-size edit with its modification time put
/// back is still seen (the change time moved).
#[test]
fn status_then_content_decide() {
    let t = tree();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let a = args(true, &["prj.conf"]);
    let (u, base) = cached_equals_cold(&t, &a, &[]);
    assert_eq!(u, CacheUse::Miss);
    assert_eq!(go(&t, &a, &[], true).cache, CacheUse::Hit);

    let f = t.dir.join("sub/x/Kconfig");
    let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&f).unwrap();
    file.set_modified(std::time::SystemTime::now()).unwrap();
    drop(file);
    assert_eq!(go(&t, &a, &[], true).cache, CacheUse::Hit, "touch only");

    write(&f, "config X\n\tbool \"X\"\n\tdefault n\n"); // same size as "default A"
    let file = std::fs::OpenOptions::new().write(true).open(&f).unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    let (u, out) = cached_equals_cold(&t, &a, &[]);
    assert_eq!(u, CacheUse::Miss);
    assert_ne!(out, base);
}

#[test]
fn wrapping_matches_python_textwrap() {
    let texts = [
        "warning: CPU_CORTEX_M (defined at arch/arm/core/Kconfig:6) is assigned in a configuration file, but is not directly\nuser-configurable (has no prompt). It gets its value indirectly from other\nsymbols. See http://docs.zephyrproject.org/latest/kconfig.html#CONFIG_CPU_CORTEX_M and/or\nlook up CPU_CORTEX_M in the menuconfig/guiconfig interface. The Application\nDevelopment Primer, Setting Configuration Values, and Kconfig - Tips and Best\nPractices sections of the manual might be helpful too.",
        "warning: a-very-long-hyphenated-word-that-goes-on-and-on-and-on-beyond-the-width-of-a-single-line-of-text-surely and more",
        "x /a/very/long/path/without/any/hyphens/that/is/much/longer/than/one/hundred/columns/of/text/so/it/must/be/cut/somewhere/Kconfig:12",
        "tabs\tand\u{b}vertical\u{c}feeds and  double  spaces -- em-dash--between words; A-B-C x-y e-mail co-op 3-4 ab-12",
        "non-ASCII: größe-änderung ünïcödé-wörds — and ١٢٣-٤٥٦ digits, plus trailing space   ",
        "",
    ];
    let Ok(out) = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sys, textwrap\n\
             for t in json.load(sys.stdin):\n\
             \x20   print(json.dumps([textwrap.fill(t, w) for w in (100, 30, 7, 1)]))",
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(serde_json::to_string(&texts).unwrap().as_bytes())?;
            c.wait_with_output()
        })
    else {
        eprintln!("NOTICE: skipping: no python3 to compare textwrap with");
        return;
    };
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), texts.len(), "python3 output");
    for (t, line) in texts.iter().zip(lines) {
        let want: Vec<String> = serde_json::from_str(line).unwrap();
        let got: Vec<String> = [100, 30, 7, 1].iter().map(|&w| wrap::fill(t, w)).collect();
        assert_eq!(got, want, "{t:?}");
    }
}

#[test]
fn command_line_as_argparse_takes_it() {
    let a = Args::parse([
        "--zephyr-base",
        "/z",
        "K",
        "--forced-input-configs",
        "c",
        "h",
        "l",
        "a.conf",
        "b.conf",
    ])
    .unwrap();
    assert_eq!(a.zephyr_base.as_deref(), Some("/z"));
    assert!(a.forced_input_configs && !a.handwritten_input_configs);
    assert_eq!(a.configs_in, ["a.conf", "b.conf"]);
    let e = Args::parse(["K", "c", "h", "l"]).unwrap_err();
    assert!(
        e.ends_with("the following arguments are required: configs_in"),
        "{e}"
    );
    let e = Args::parse(["--zephyr", "K", "c", "h", "l", "x"]).unwrap_err();
    assert!(e.ends_with("unrecognized arguments: --zephyr"), "{e}");
}
