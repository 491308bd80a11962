//! Bad input gives located errors that say what was expected.

use kconfig_parser::{load, LoadErrorKind, LoadOptions};

fn load_text(files: &[(&str, &str)]) -> Result<kconfig_parser::Kconfig, kconfig_parser::LoadError> {
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

#[test]
fn syntax_errors_name_file_line_column_and_expectation() {
    let cases: &[(&str, u32, u32, &str)] = &[
        (
            "config A\n\tbool \"a\"\n\tdepends on B &&\n",
            3,
            17,
            "malformed expression",
        ),
        (
            "config A\n\tdepends B\n",
            2,
            10,
            "expected 'on' after 'depends'",
        ),
        (
            "config A\n\tbool \"unterminated\n",
            2,
            7,
            "unterminated string",
        ),
        ("menu \"m\"\nconfig A\n\tbool\n", 3, 0, "expected 'endmenu'"),
        ("endif\n", 1, 1, "no corresponding 'if'"),
        ("config\n", 1, 7, "missing or bad symbol name"),
        ("config A\n\tbool \"a\" if (B\n", 2, 16, "expected ')'"),
        ("config A\n\tselect \"B\"\n", 2, 9, "non-constant"),
        ("config A\n\toption bogus\n", 2, 9, "unrecognized option"),
        ("X ?= 1\n", 1, 3, "macro assignment"),
        ("config A\n\tbool \"a\" $\n", 2, 11, "expected end of line"),
        ("A := $(error-if,y,stop here)\n", 1, 0, "stop here"),
        ("A := $(undefined\n", 1, 0, "missing end parenthesis"),
    ];
    for (text, line, col, expected) in cases {
        let err = load_text(&[("Kconfig", text)]).expect_err(text);
        assert_eq!(err.file, "Kconfig", "{text:?}: {err}");
        assert_eq!(err.line, *line, "{text:?}: {err}");
        if *col > 0 {
            assert_eq!(err.column, *col, "{text:?}: {err}");
        }
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }
}

#[test]
fn missing_source_names_the_sourcing_file() {
    let err = load_text(&[
        ("Kconfig", "source \"sub/Kconfig\"\n"),
        ("sub/Kconfig", "\n\nrsource \"missing\"\n"),
    ])
    .unwrap_err();
    assert_eq!(err.kind, LoadErrorKind::MissingSource);
    assert_eq!((err.file.as_str(), err.line), ("sub/Kconfig", 3));
    assert!(err.message.contains("'sub/missing' not found"), "{err}");
}

#[test]
fn source_cycles_and_depth_are_bounded() {
    let err = load_text(&[
        ("Kconfig", "source \"a\"\n"),
        ("a", "source \"b\"\n"),
        ("b", "source \"a\"\n"),
    ])
    .unwrap_err();
    assert_eq!(err.kind, LoadErrorKind::RecursiveSource);
    assert!(err.message.contains("Kconfig:1\na:1\nb:1"), "{err}");
    // A long non-cyclic chain stops at the bound instead of overflowing.
    let mut files: Vec<(String, String)> = vec![("Kconfig".into(), "source \"f0\"\n".into())];
    for i in 0..150 {
        files.push((format!("f{i}"), format!("source \"f{}\"\n", i + 1)));
    }
    files.push(("f150".into(), "config A\n\tbool\n".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let err = load_text(&refs).unwrap_err();
    assert_eq!(err.kind, LoadErrorKind::TooDeep, "{err}");
    // Deep nesting of blocks and parentheses too.
    let deep_ifs = "if A\n".repeat(5000);
    assert_eq!(
        load_text(&[("Kconfig", &deep_ifs)]).unwrap_err().kind,
        LoadErrorKind::TooDeep
    );
    let deep_expr = format!("config A\n\tdepends on {}B\n", "(".repeat(5000));
    assert!(load_text(&[("Kconfig", &deep_expr)]).is_err());
    let deep_not = format!("config A\n\tdepends on {}B\n", "!".repeat(5000));
    assert!(load_text(&[("Kconfig", &deep_not)]).is_err());
}
