//! One evaluation run the way Kconfiglib's tools do it: load fragments in
//! order (the first replacing all user values, the rest merged), then render
//! `.config`, `autoconf.h` and the minimal configuration.

use crate::ast::Kconfig;
use crate::eval::Config;

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
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            prefix: "CONFIG_".into(),
            config_header: String::new(),
            autoconf_header: String::new(),
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
                    return Err(format!("Dependency loop: {l}"));
                }
                cfg.prefix = opts.prefix.clone();
                let mut messages = Vec::new();
                for (i, f) in fragments.iter().enumerate() {
                    messages.push(cfg.load_config(&f.text, &f.name, i == 0));
                }
                let config = cfg.config_text(&opts.config_header);
                let autoconf = cfg.autoconf_text(&opts.autoconf_header);
                let min_config = cfg.min_config_text(&opts.config_header);
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
                })
            })
            .map_err(|e| format!("cannot start the evaluation thread: {e}"))?
            .join()
            .map_err(|_| "evaluation thread panicked".to_string())?
    })
}
