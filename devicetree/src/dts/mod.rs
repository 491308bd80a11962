//! The DTS language as dtc and Zephyr's dtlib read it, into one merged
//! [`Tree`], and back to text in the form Zephyr writes `zephyr.dts`.
//!
//! What is read: `/dts-v1/;` (and `/plugin/;`), `/memreserve/`, nodes with
//! unit addresses and labels, properties (empty, `< >` cells with `/bits/`,
//! integer expressions in parentheses, character literals, `&label` and
//! `&{/path}` phandle references, strings with C escapes, `[ ]` bytes, path
//! references, labels inside values, `/incbin/`), repeated definitions
//! merged, `&label { }` / `&{/path} { }` at the top level, `/delete-node/`,
//! `/delete-property/`, `/omit-if-no-ref/`, `/include/`, comments, and the
//! line markers cpp writes (`# 12 "board.dts" 1`), which set the file and
//! line that locations report afterwards.
//!
//! What the tree then has, with dtlib's semantics: phandles assigned to
//! every node referenced by a phandle (lowest free number first, in the
//! order references appear in a pre-order walk) and a `phandle` property on
//! each such node; path references turned into NUL-terminated paths;
//! `/aliases`; label and phandle tables; dtlib's property types and
//! conversions ([`Property::to_num`] and friends, checked the same way).
//!
//! Every error on bad input is an [`Error`] with the [`Location`] of the
//! offending token and what was expected there. No input makes the reader
//! panic or overflow its stack (nesting of nodes, expressions and includes
//! is limited); the size of the input is the caller's concern.
//!
//! ```
//! use devicetree::dts::{PropType, ReadOptions, Tree};
//!
//! let src = r#"/dts-v1/;
//! / {
//!     aliases { serial0 = &uart; };
//!     soc { uart: uart@1000 { reg = <0x1000 (4 * 0x100)>; }; };
//!     chosen { console = <&uart>; };
//! };
//! "#;
//! let tree = Tree::from_source(src, "board.dts", &ReadOptions::default())?;
//! let uart = tree.get_node("serial0")?;
//! assert_eq!(tree.path(uart), "/soc/uart@1000");
//! let reg = tree.node(uart).prop("reg").unwrap();
//! assert_eq!(reg.prop_type(), PropType::Nums);
//! assert_eq!(reg.to_nums()?, [0x1000, 0x400]);
//! let console = tree.node(tree.get_node("/chosen")?).prop("console").unwrap();
//! assert_eq!(console.to_node(&tree)?, uart);
//! assert!(tree.to_dts().contains("console = < &uart >;"));
//! # Ok::<(), devicetree::dts::Error>(())
//! ```

mod error;
mod lexer;
mod parser;
mod print;
mod resolve;
mod tree;

use std::path::{Path, PathBuf};

pub use error::{Error, Location};
pub use tree::{MemReserve, Node, NodeId, PropType, Property, Tree};

/// Options of the reader.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Directories searched for `/include/`d and `/incbin/`d files after the
    /// directory of the including file, in order.
    pub include_dirs: Vec<PathBuf>,
}

impl Tree {
    /// Reads and merges a DTS file. Locations name the file as `path` spells
    /// it (or as cpp line markers in it say).
    pub fn from_file(path: &Path, opts: &ReadOptions) -> Result<Tree, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::read(text, &path.to_string_lossy(), opts)
    }

    /// Reads and merges DTS text. `file_name` is what locations report, and
    /// `/include/` looks first in its directory (then in the include
    /// directories of `opts`).
    pub fn from_source(text: &str, file_name: &str, opts: &ReadOptions) -> Result<Tree, Error> {
        Self::read(text.to_owned(), file_name, opts)
    }

    fn read(text: String, file_name: &str, opts: &ReadOptions) -> Result<Tree, Error> {
        let mut p = parser::Parser::new(text, file_name, opts);
        p.parse()?;
        resolve::resolve(&mut p)?;
        Ok(p.tree)
    }

    /// The tree in the form Zephyr's dtlib prints it (`zephyr.dts`): each
    /// node preceded by `/* node '/path' defined in FILE:LINE */`, each
    /// property followed by an aligned `/* in FILE:LINE */`. File names are
    /// printed as the locations hold them (dtlib makes them relative to its
    /// working directory). Reading the output again gives the same tree.
    pub fn to_dts(&self) -> String {
        print::tree_to_dts(self)
    }
}

impl Property {
    /// The property as one DTS line as dtlib prints it (labels, name, value,
    /// `;`), without indentation or location comment; long values span
    /// several lines.
    pub fn to_dts(&self) -> String {
        print::prop_to_string(self)
    }
}
