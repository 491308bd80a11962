//! Attribute semantics beyond Kconfiglib 14.1: `depends on A if B`
//! (Linux 6.19 / Kconfiglib forks), the position of an `option env`
//! default among `default` lines, and Linux 6.18 `transitional` symbols.

use kconfig_parser::{load, Config, Kconfig, LoadError, LoadOptions};

fn load_tree(text: &str, env: &[(&str, &str)]) -> Result<Kconfig, LoadError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Kconfig"), text).unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.base_dir = Some(dir.path().to_path_buf());
    for (k, v) in env {
        o.env.insert(k.to_string(), v.to_string());
    }
    load(o)
}

/// `.config` text after loading `user` as the configuration.
fn evaluate(kc: &Kconfig, user: &str) -> String {
    let mut cfg = Config::new(kc);
    cfg.load_config(user, "user.config", true);
    cfg.config_text("")
}

const MODULES: &str = "config MODULES\n\tbool \"modules\"\n\tdefault y\n\toption modules\n";

#[test]
fn depends_on_a_if_b_is_a_unless_b_is_n() {
    let text = format!(
        "{MODULES}config A\n\ttristate \"a\"\nconfig B\n\ttristate \"b\"\n\
         config C\n\ttristate \"c\"\n\tdepends on A if B\n\tdefault y\n"
    );
    let kc = load_tree(&text, &[]).unwrap();
    // (A, B) -> C's line: B = n lifts the dependency; otherwise C is capped
    // by A (with A = n, C is invisible and not written at all).
    for (a, b, c) in [
        ("n", "n", "CONFIG_C=y"),
        ("n", "y", ""),
        ("m", "y", "CONFIG_C=m"),
        ("y", "y", "CONFIG_C=y"),
        // B = m is not n, so C depends on A alone (Linux builds
        // `A || (B == n)`; `A || !B` would let C be m here).
        ("n", "m", ""),
        ("m", "m", "CONFIG_C=m"),
    ] {
        let user = format!("CONFIG_A={a}\nCONFIG_B={b}\n")
            .replace("CONFIG_A=n", "# CONFIG_A is not set")
            .replace("CONFIG_B=n", "# CONFIG_B is not set");
        let out = evaluate(&kc, &user);
        let got = out.lines().find(|l| l.contains("CONFIG_C")).unwrap_or("");
        assert_eq!(got, c, "A={a} B={b}\n{out}");
    }
}

#[test]
fn option_env_default_sits_where_the_option_line_is() {
    let text = "config X\n\tbool \"x\"\n\
                config S\n\tstring\n\tdefault \"first\" if X\n\toption env=\"S\"\n\tdefault \"last\"\n\
                config T\n\tstring \"t\"\n\tdefault T_USED\n\n\
                config T_USED\n\tbool\n\tdefault y if S = \"from-env\"\n\tdefault y if S = \"first\"\n";
    let kc = load_tree(text, &[("S", "from-env")]).unwrap();
    let mut cfg = Config::new(&kc);
    let s = kc.symbols.lookup("S").unwrap();
    // X = n: the first default is off, so the environment value (between
    // the two default lines) wins over "last".
    assert_eq!(&*cfg.sym_str(s), "from-env");
    cfg.load_config("CONFIG_X=y\n", "user.config", true);
    assert_eq!(&*cfg.sym_str(s), "first");
    // Without the variable, "last" is the active default.
    let kc = load_tree(text, &[]).unwrap();
    let mut cfg = Config::new(&kc);
    let s = kc.symbols.lookup("S").unwrap();
    assert_eq!(&*cfg.sym_str(s), "last");
    // The option is printed back at its place.
    let printed = kconfig_parser::printer::print(&load_tree(text, &[("S", "v")]).unwrap());
    let i_first = printed.find("default \"first\"").unwrap();
    let i_env = printed.find("option env=\"S\"").unwrap();
    let i_last = printed.find("default \"last\"").unwrap();
    assert!(i_first < i_env && i_env < i_last, "{printed}");
    assert!(!printed.contains("default \"v\""), "{printed}");
}

const TRANSITIONAL: &str = "config NEW_BOOL\n\tbool \"new bool\"\n\tdefault OLD_BOOL\n\
config OLD_BOOL\n\tbool\n\ttransitional\n\thelp\n\t  Old name of NEW_BOOL.\n\
config NEW_INT\n\tint \"new int\"\n\tdefault OLD_INT\n\
config OLD_INT\n\tint\n\ttransitional\n\
config NEW_STRING\n\tstring \"new string\"\n\tdefault OLD_STRING\n\
config OLD_STRING\n\tstring\n\ttransitional\n";

#[test]
fn transitional_symbols_pass_old_values_on_and_are_never_written() {
    let kc = load_tree(TRANSITIONAL, &[]).unwrap();
    let old = "CONFIG_OLD_BOOL=y\nCONFIG_OLD_INT=42\nCONFIG_OLD_STRING=\"kept\"\n";
    let out = evaluate(&kc, old);
    assert_eq!(
        out,
        "CONFIG_NEW_BOOL=y\nCONFIG_NEW_INT=42\nCONFIG_NEW_STRING=\"kept\"\n"
    );
    // A value given for the new name wins over the old one.
    let out = evaluate(&kc, &format!("{old}# CONFIG_NEW_BOOL is not set\n"));
    assert!(out.starts_with("# CONFIG_NEW_BOOL is not set\n"), "{out}");
    // Without an old value: the transitional symbols are n / empty.
    let out = evaluate(&kc, "");
    assert_eq!(
        out,
        "# CONFIG_NEW_BOOL is not set\nCONFIG_NEW_INT=\nCONFIG_NEW_STRING=\"\"\n"
    );
    let mut cfg = Config::new(&kc);
    cfg.load_config(old, "old.config", true);
    let auto = cfg.autoconf_text("");
    assert!(!auto.contains("OLD_"), "{auto}");
    assert!(!cfg.min_config_text("").contains("OLD_"));
}

#[test]
fn transitional_symbols_reject_everything_but_type_and_help() {
    for (text, line, what) in [
        (
            "config OLD\n\tbool \"old\"\n\ttransitional\n",
            2,
            "cannot have a prompt",
        ),
        (
            "config OLD\n\tbool\n\ttransitional\n\tdefault y\n",
            4,
            "cannot have defaults",
        ),
        (
            "config OLD\n\ttransitional\n\tbool\n\tselect X\n",
            4,
            "cannot have selects",
        ),
        (
            "config OLD\n\tint\n\ttransitional\n\trange 0 1\n",
            4,
            "cannot have ranges",
        ),
        (
            "config OLD\n\tbool\n\tdepends on X\n\ttransitional\n",
            3,
            "cannot have dependencies",
        ),
        (
            "config OLD\n\ttransitional\n\thelp\n\t  no type\n",
            1,
            "has no type",
        ),
        (
            "choice\n\tbool \"c\"\n\ttransitional\nendchoice\n",
            1,
            "only valid for symbols",
        ),
    ] {
        let err = load_tree(text, &[]).expect_err(text);
        assert_eq!(
            (err.file.as_str(), err.line),
            ("Kconfig", line),
            "{text:?}: {err}"
        );
        assert!(err.to_string().contains(what), "{text:?}: {err}");
    }
}
