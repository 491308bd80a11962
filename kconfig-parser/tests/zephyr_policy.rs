//! Zephyr's policy checks and the `why` explanation on a small tree built
//! to trigger each check once.

use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::zephyr::Severity;
use kconfig_parser::{load, LoadOptions};

const KCONFIG: &str = r#"
config A
	bool "a"
	depends on B && C

config B
	bool "b"

config C
	bool

config P
	bool
	default y

config NEVER
	bool

choice CH
	prompt "ch"

config X
	bool "x"
	depends on NEVER

config Z
	bool "z"

endchoice

config D
	bool "d"
	select DEPRECATED

config DEPRECATED
	bool

config WARN_DEPRECATED
	bool
	default y
"#;

const FRAGMENT: &str =
    "CONFIG_A=y\nCONFIG_B=y\nCONFIG_P=y\nCONFIG_X=y\nCONFIG_D=y\nCONFIG_UNDEF=y\nCONFIG_B=y\n";

fn run(explain: &[&str]) -> kconfig_parser::generate::Outputs {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Kconfig"), KCONFIG).unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.base_dir = Some(dir.path().to_path_buf());
    let kc = load(o).unwrap();
    let g = GenOptions {
        zephyr: true,
        explain: explain.iter().map(|s| s.to_string()).collect(),
        ..GenOptions::default()
    };
    let frag = Fragment {
        name: "prj.conf".into(),
        text: FRAGMENT.into(),
    };
    generate(&kc, &[frag], &g).unwrap()
}

#[test]
fn zephyr_policy_reports_each_problem() {
    let out = run(&[]);
    // Undefined assignment warns; the repeated CONFIG_B does not.
    assert_eq!(
        out.warnings,
        ["prj.conf:6: warning: attempt to assign the value 'y' to the undefined symbol UNDEF"]
    );
    let by_sym = |name: &str| {
        out.policy
            .iter()
            .filter(|m| m.symbol == name)
            .collect::<Vec<_>>()
    };
    let p = by_sym("P");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].severity, Severity::Error);
    assert!(p[0].text.contains("has no prompt"), "{}", p[0]);
    let a = by_sym("A");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].severity, Severity::Warning);
    assert!(
        a[0].text
            .contains("was assigned the value 'y' but got the value 'n'")
            && a[0]
                .text
                .contains("Check these unsatisfied dependencies: C (=n)."),
        "{}",
        a[0]
    );
    let x = by_sym("X");
    assert_eq!(x.len(), 1);
    assert!(x[0].text.contains("but Z (defined at"), "{}", x[0]);
    let d = by_sym("D");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].text, "Deprecated symbol D is enabled.");
    assert_eq!(out.policy.len(), 4, "{:#?}", out.policy);
}

#[test]
fn why_names_the_unsatisfied_dependency() {
    let out = run(&["A", "UNKNOWN"]);
    let a = &out.explanations[0];
    assert!(a.starts_with("A (defined at Kconfig:2)\n"), "{a}");
    assert!(a.contains("user value \"y\" (did not take)"), "{a}");
    assert!(a.contains("direct dependencies: B && C (=n)"), "{a}");
    assert!(a.contains("unsatisfied: C (=n)"), "{a}");
    assert!(out.explanations[1].contains("UNKNOWN (undefined)"));
}
