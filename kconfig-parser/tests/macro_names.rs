//! `$(…)` references are expanded inside every word before it becomes a
//! token: names after `config`/`menuconfig`/`configdefault`/`choice`, symbol
//! references in expressions and `select`, and unquoted or quoted `source`
//! paths (the NCS image templates build names as `$(image)_BUILD_STRATEGY`).

use kconfig_parser::{load, Config, LoadOptions};

fn load_tree(files: &[(&str, &str)]) -> Result<kconfig_parser::Kconfig, kconfig_parser::LoadError> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let mut o = LoadOptions::new("Kconfig");
    o.base_dir = Some(dir.path().to_path_buf());
    load(o)
}

const TEMPLATE: &str = "\
choice $(image)_BUILD_STRATEGY
\tprompt \"$(image) build strategy\"
\tdefault $(image)_BUILD_STRATEGY_FROM_SOURCE

config $(image)_BUILD_STRATEGY_USE_HEX_FILE
\tbool \"use a hex file\"

config $(image)_BUILD_STRATEGY_FROM_SOURCE
\tbool \"build from source\"

endchoice

menuconfig $(image)_OPTIONS
\tbool \"$(image) options\"
\tdefault y

config $(image)_LEVEL
\tint \"level\"
\tdepends on $(image)_OPTIONS && $(image)_BUILD_STRATEGY_FROM_SOURCE
\tdefault 3

configdefault $(image)_LEVEL
\tdefault 7 if $(image)_NEVER
";

#[test]
fn macros_expand_in_entry_names_expressions_and_source_paths() {
    let root = "\
dir := sub
image := MCUBOOT
source $(dir)/Kconfig.template
image := APP
rsource \"$(dir)/Kconfig.template\"
choice $(image)_BUILD_STRATEGY
\tdefault $(image)_BUILD_STRATEGY_USE_HEX_FILE
endchoice
";
    let kc = load_tree(&[("Kconfig", root), ("sub/Kconfig.template", TEMPLATE)])
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<_> = kc
        .choices
        .iter()
        .map(|c| c.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        ["MCUBOOT_BUILD_STRATEGY", "APP_BUILD_STRATEGY"],
        "the re-opened APP choice must be the same named choice"
    );
    for name in [
        "MCUBOOT_BUILD_STRATEGY_FROM_SOURCE",
        "MCUBOOT_OPTIONS",
        "MCUBOOT_LEVEL",
        "APP_BUILD_STRATEGY_USE_HEX_FILE",
    ] {
        assert!(kc.symbols.lookup(name).is_some(), "{name} not defined");
    }
    assert!(kc.symbols.lookup("$").is_none());
    let mut cfg = Config::new(&kc);
    let text = cfg.config_text("");
    for line in [
        "CONFIG_MCUBOOT_BUILD_STRATEGY_FROM_SOURCE=y\n",
        "CONFIG_MCUBOOT_LEVEL=3\n",
        // The APP choice's first default (from the root file, after the
        // template) loses to the template's own default.
        "CONFIG_APP_BUILD_STRATEGY_FROM_SOURCE=y\n",
        "CONFIG_APP_LEVEL=3\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn blank_expansion_of_a_name_is_a_located_error() {
    let err = load_tree(&[("Kconfig", "choice $(EMPTY)\nendchoice\n")]).unwrap_err();
    assert_eq!((err.line, err.column), (1, 8), "{err}");
    assert!(err.to_string().contains("blank"), "{err}");
}
