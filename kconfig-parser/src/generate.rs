//! One evaluation run the way Kconfiglib's tools do it: load fragments in
//! order (the first replacing all user values, the rest merged), then render
//! `.config`, `autoconf.h` and the minimal configuration.

use crate::ast::Kconfig;
use crate::eval::{AssignWarnings, Config};

/// A configuration fragment: the name used in messages and its text.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// Name shown in messages (as given on the command line).
    pub name: String,
    /// Contents.
    pub text: String,
}

/// Output texts of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs {
    /// `.config`.
    pub config: String,
    /// `autoconf.h`.
    pub autoconf: String,
    /// Minimal configuration (`defconfig`).
    pub min_config: String,
    /// "Loaded configuration …" / "Merged configuration …" messages.
    pub messages: Vec<String>,
    /// Parse and evaluation warnings in order.
    pub warnings: Vec<String>,
    /// Per-symbol state (when [`GenOptions::dump`] is set).
    pub symbols: Option<std::collections::BTreeMap<String, crate::dump::SymbolInfo>>,
    /// Per-choice state (when [`GenOptions::dump`] is set).
    pub choices: Option<Vec<crate::dump::ChoiceInfo>>,
    /// The menu tree (when [`GenOptions::dump`] is set).
    pub menu: Option<String>,
    /// Zephyr policy messages (when [`GenOptions::zephyr`] is set).
    pub policy: Vec<crate::zephyr::PolicyMessage>,
    /// Explanations of the symbols in [`GenOptions::explain`].
    pub explanations: Vec<String>,
}

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Symbol prefix (`CONFIG_`).
    pub prefix: String,
    /// Header of `.config` and the minimal configuration.
    pub config_header: String,
    /// Header of `autoconf.h`.
    pub autoconf_header: String,
    /// Also collect the per-symbol and per-choice state.
    pub dump: bool,
    /// Which assignments in the fragments draw a warning.
    pub assign_warnings: AssignWarnings,
    /// Report references to undefined symbols (env `KCONFIG_WARN_UNDEF=y`).
    pub warn_undef: bool,
    /// Apply Zephyr's policy ([`crate::zephyr`]): its warning switches while
    /// loading and its checks afterwards (reported in [`Outputs::policy`]).
    pub zephyr: bool,
    /// Symbols to explain ([`crate::explain`]), reported in
    /// [`Outputs::explanations`].
    pub explain: Vec<String>,
}

impl GenOptions {
    /// Kconfiglib's defaults, with the switches it reads from the
    /// environment (`CONFIG_`, `KCONFIG_CONFIG_HEADER`,
    /// `KCONFIG_AUTOHEADER_HEADER`, `KCONFIG_WARN_UNDEF_ASSIGN`, `KCONFIG_WARN_UNDEF`).
    pub fn from_env(env: &std::collections::HashMap<String, String>) -> Self {
        GenOptions {
            prefix: env
                .get("CONFIG_")
                .cloned()
                .unwrap_or_else(|| "CONFIG_".into()),
            config_header: env
                .get("KCONFIG_CONFIG_HEADER")
                .cloned()
                .unwrap_or_default(),
            autoconf_header: env
                .get("KCONFIG_AUTOHEADER_HEADER")
                .cloned()
                .unwrap_or_default(),
            assign_warnings: AssignWarnings {
                undefined: env.get("KCONFIG_WARN_UNDEF_ASSIGN").map(String::as_str) == Some("y"),
                ..AssignWarnings::default()
            },
            warn_undef: env.get("KCONFIG_WARN_UNDEF").map(String::as_str) == Some("y"),
            ..GenOptions::default()
        }
    }
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            prefix: "CONFIG_".into(),
            config_header: String::new(),
            autoconf_header: String::new(),
            dump: false,
            assign_warnings: AssignWarnings::default(),
            warn_undef: false,
            zephyr: false,
            explain: Vec::new(),
        }
    }
}

/// Evaluates `kc` with `fragments` and renders the outputs. Evaluation
/// recurses along dependency chains, so this runs on a thread with a large
/// stack.
pub fn generate(
    kc: &Kconfig,
    fragments: &[Fragment],
    opts: &GenOptions,
) -> Result<Outputs, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(scope, || {
                let mut cfg = Config::new(kc);
                if let Some(l) = cfg.dependency_loop() {
                    return Err(l);
                }
                cfg.prefix = opts.prefix.clone();
                cfg.assign_warnings = opts.assign_warnings;
                if opts.zephyr {
                    crate::zephyr::configure(&mut cfg);
                }
                if opts.warn_undef {
                    cfg.undef_warnings();
                }
                let mut messages = Vec::new();
                for (i, f) in fragments.iter().enumerate() {
                    messages.push(cfg.load_config(&f.text, &f.name, i == 0));
                }
                let config = cfg.config_text(&opts.config_header);
                let policy = if opts.zephyr {
                    crate::zephyr::check(&mut cfg)
                } else {
                    Vec::new()
                };
                let explanations = opts
                    .explain
                    .iter()
                    .map(|name| match kc.symbols.lookup(name) {
                        Some(s) => crate::explain::explain(&mut cfg, s),
                        None => format!("{name} (undefined): not referenced by any Kconfig file\n"),
                    })
                    .collect();
                let autoconf = cfg.autoconf_text(&opts.autoconf_header);
                let min_config = cfg.min_config_text(&opts.config_header);
                let (symbols, choices, menu) = if opts.dump {
                    (
                        Some(cfg.dump_symbols()),
                        Some(cfg.dump_choices()),
                        Some(cfg.menu_text()),
                    )
                } else {
                    (None, None, None)
                };
                if let Some(e) = cfg.loop_error.take() {
                    return Err(e);
                }
                let mut warnings: Vec<String> =
                    kc.warnings.iter().map(|w| w.text.clone()).collect();
                warnings.append(&mut cfg.warnings);
                Ok(Outputs {
                    config,
                    autoconf,
                    min_config,
                    messages,
                    warnings,
                    symbols,
                    choices,
                    menu,
                    policy,
                    explanations,
                })
            })
            .map_err(|e| format!("cannot start the evaluation thread: {e}"))?
            .join()
            .map_err(|_| "evaluation thread panicked".to_string())?
    })
}
