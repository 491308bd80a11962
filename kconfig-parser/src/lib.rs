//! Kconfig language parser and evaluator with Kconfiglib's semantics:
//! `.config`, `autoconf.h` and minimal configurations byte-identical to
//! Kconfiglib's (the reference tool of Zephyr and of this crate's goldens).
//!
//! Layers:
//! * [`macros`]: the preprocessor (`$(…)` variables and functions, built-ins,
//!   host functions through [`HostFunctions`], replay tables
//!   [`ReplayFunctions`] for Zephyr's devicetree functions).
//! * [`lexer`] (nom lexemes) + [`parser`]: [`load`] follows `source`
//!   statements (globs, `rsource`, optional sources, absolute paths outside
//!   `$srctree`) and returns a located [`Kconfig`] tree ([`ast`]) with
//!   interned symbols ([`symbol`]) and an expression arena ([`expr`]);
//!   [`printer`] prints it back. A second thread reads sourced files ahead
//!   of the parser (`LoadOptions::read_ahead`); the tree is the same with
//!   or without it.
//! * [`eval`]: [`Config`] finalizes the tree like Kconfiglib (dependency
//!   propagation, implicit submenus, choices), loads configuration files and
//!   computes values lazily; after a change through the API
//!   ([`Config::set_value`] and friends) only the values that really change
//!   are recomputed; writers for `.config`, `autoconf.h` and the minimal
//!   configuration; dependency-loop detection.
//! * [`generate`]: one run (fragments in order, outputs, dumps);
//!   [`zephyr`]: Zephyr's policy checks; [`explain`]: why a symbol has its
//!   value; [`dump`]: per-symbol/choice state as JSON.
//! * [`kconfig_py`]: Zephyr's `scripts/kconfig/kconfig.py` (`kconfig
//!   zephyr`): same command line, decisions, messages and files, native
//!   devicetree functions, a cache that answers unchanged re-runs, and the
//!   interpreter shim ([`kconfig_py::shim`]) that puts it into an
//!   unmodified Zephyr build (`-DPython3_EXECUTABLE=`; everything that is
//!   not kconfig.py, menuconfig included, runs in the real Python).
//! * [`tools`]: Kconfiglib's tools (`olddefconfig`, `oldconfig`,
//!   `savedefconfig`, `all*config`, `listnewconfig`, `setconfig`) with
//!   their messages and files byte for byte.
//!
//! ```no_run
//! use kconfig_parser::generate::{generate, Fragment, GenOptions};
//! let mut opts = kconfig_parser::LoadOptions::new("Kconfig");
//! opts.srctree = Some("zephyr".into());
//! let kc = kconfig_parser::load(opts)?;
//! let frag = Fragment { name: "prj.conf".into(), text: std::fs::read_to_string("prj.conf")? };
//! let out = generate(&kc, &[frag], &GenOptions::default())?;
//! std::fs::write(".config", out.config)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod ast;
pub mod devicetree;
pub mod dump;
pub mod error;
pub mod eval;
pub mod explain;
pub mod expr;
pub mod fuzzing;
pub mod generate;
pub mod glob;
pub mod kconfig_py;
pub mod lexer;
pub mod macros;
pub mod menuconfig;
pub mod output;
pub mod parser;
pub mod printer;
mod readahead;
pub mod symbol;
pub mod tools;
pub mod zephyr;

pub use ast::{Kconfig, Loc, Node, NodeId, NodeKind, Type};
pub use error::{LoadError, LoadErrorKind};
pub use eval::{AssignWarnings, Config};
pub use expr::{CmpOp, Expr, ExprArena, ExprId};
pub use macros::{HostFunctions, ReplayFunctions};
pub use parser::{load, parse_expression, LoadOptions};
pub use symbol::{SymId, SymbolTable};
