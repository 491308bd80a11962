//! Kconfig language parser and evaluator (Kconfiglib-compatible `.config` /
//! `autoconf.h` output).
//!
//! Layers:
//! * [`macros`]: the preprocessor (`$(…)` variables and functions, host
//!   functions through [`HostFunctions`], replay tables).
//! * [`lexer`] + [`parser`]: a nom-based line tokenizer and the statement
//!   parser; [`load`] follows `source` statements and returns a located
//!   [`Kconfig`] tree ([`ast`]) with interned symbols ([`symbol`]) and an
//!   expression arena ([`expr`]).

pub mod ast;
pub mod dump;
pub mod error;
pub mod eval;
pub mod explain;
pub mod expr;
pub mod fuzzing;
pub mod generate;
pub mod glob;
pub mod lexer;
pub mod macros;
pub mod output;
pub mod parser;
pub mod printer;
pub mod symbol;
pub mod zephyr;

pub use ast::{Kconfig, Loc, Node, NodeId, NodeKind, Type};
pub use error::{LoadError, LoadErrorKind};
pub use eval::Config;
pub use expr::{CmpOp, Expr, ExprArena, ExprId};
pub use macros::{HostFunctions, ReplayFunctions};
pub use parser::{load, parse_expression, LoadOptions};
pub use symbol::{SymId, SymbolTable};
