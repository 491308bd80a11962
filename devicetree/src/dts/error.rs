//! Errors of the DTS reader and of the tree's lookups and value conversions.

use std::fmt;
use std::sync::Arc;

use super::PropType;

/// A place in a DTS source: the file as the input names it (after `#line`
/// markers, the original file cpp read), the 1-based line and the 1-based
/// column (in bytes).
///
/// Nodes and properties carry the location where they were (last) defined;
/// every error about bad input carries the location of the offending token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file name as given to the reader, by an `/include/`, or by a cpp
    /// line marker.
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column (byte offset in the line plus one).
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Everything that can go wrong reading a DTS file, looking a node up, or
/// converting a property value.
///
/// Errors about the input carry the [`Location`] of the offending token and
/// say what was expected. New variants may be added, hence
/// `#[non_exhaustive]`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input does not follow the DTS grammar at this point.
    #[error("{location}: expected {expected}, found {found}")]
    Syntax {
        /// Where the unexpected token starts.
        location: Location,
        /// What the grammar allows here.
        expected: String,
        /// What the input has instead.
        found: String,
    },
    /// A string, character literal or `/* */` comment that never ends.
    #[error("{location}: unterminated {what}: expected its closing {closing}")]
    Unterminated {
        /// Where it starts.
        location: Location,
        /// "string", "character literal" or "comment".
        what: &'static str,
        /// The closing delimiter that is missing.
        closing: &'static str,
    },
    /// An integer literal or the result of an expression does not fit.
    #[error("{location}: integer overflow: {detail}")]
    Overflow {
        /// Where the literal or expression starts.
        location: Location,
        /// What did not fit where.
        detail: String,
    },
    /// `/` or `%` by zero in an expression.
    #[error("{location}: division by zero in an expression")]
    DivisionByZero {
        /// Where the divisor starts.
        location: Location,
    },
    /// `/bits/` with a width other than 8, 16, 32 or 64.
    #[error("{location}: expected 8, 16, 32 or 64 after /bits/, found {width}")]
    BadBits {
        /// Where the width is.
        location: Location,
        /// The width given.
        width: u64,
    },
    /// A `&label` reference to a label no node has.
    #[error("{location}: no node has the label '{label}'")]
    UnknownLabel {
        /// Where the reference is.
        location: Location,
        /// The label referenced.
        label: String,
    },
    /// A `&{/path}` reference (or an alias value) naming a node that does not exist.
    #[error("{location}: no node at '{path}': '{component}' does not exist")]
    UnknownPath {
        /// Where the reference is.
        location: Location,
        /// The full path referenced.
        path: String,
        /// The first component that is missing.
        component: String,
    },
    /// The same label on two different things.
    #[error("{location}: label '{label}' {second} is already {first} (at {other}); labels must be unique")]
    DuplicateLabel {
        /// Where the second definition is.
        location: Location,
        /// The label.
        label: String,
        /// Where the first definition is.
        other: Location,
        /// What carries it first ("on node /a").
        first: String,
        /// What carries it second ("on property 'x' of /b").
        second: String,
    },
    /// A node defined twice inside the same pair of braces.
    #[error(
        "{location}: node '{path}' is defined twice in the same block; merge the two definitions"
    )]
    DuplicateNode {
        /// Where the second definition is.
        location: Location,
        /// The node's path.
        path: String,
    },
    /// A bad `phandle` property (wrong length, 0 or 0xffffffff, duplicated,
    /// or a reference to another node).
    #[error("{location}: bad phandle on {path}: {detail}")]
    BadPhandle {
        /// Where the property is.
        location: Location,
        /// The node's path.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A bad property in `/aliases` (name characters, or a value that is not a
    /// path to an existing node).
    #[error("{location}: bad alias '{alias}': {detail}")]
    BadAlias {
        /// Where the alias property is.
        location: Location,
        /// The alias name.
        alias: String,
        /// What is wrong.
        detail: String,
    },
    /// An `/include/`d or `/incbin/`d file that cannot be found or read.
    #[error("{location}: cannot read '{file}': {reason}")]
    Include {
        /// Where the directive is.
        location: Location,
        /// The file named by the directive.
        file: String,
        /// Why it could not be read (or where it was searched).
        reason: String,
    },
    /// A file that `/include/`s itself, directly or through others.
    #[error("{location}: recursive /include/ of '{file}'")]
    RecursiveInclude {
        /// Where the directive is.
        location: Location,
        /// The file included again.
        file: String,
    },
    /// Nesting deeper than the reader allows (nodes, parentheses, includes).
    #[error("{location}: {what} nested deeper than {limit} levels")]
    TooDeep {
        /// Where the limit was exceeded.
        location: Location,
        /// What is nested.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The top file could not be read.
    #[error("cannot read '{path}': {source}")]
    Io {
        /// The path given to [`Tree::from_file`](super::Tree::from_file).
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// [`Tree::get_node`](super::Tree::get_node) found no such node.
    #[error("no node '{path}': {detail}")]
    NoSuchNode {
        /// The path or alias path looked up.
        path: String,
        /// Which component is missing, or that the alias is unknown.
        detail: String,
    },
    /// A property conversion was asked of a property whose type does not
    /// allow it (dtlib's checks on `to_num`, `to_string`, ...).
    #[error("{location}: expected property '{name}'{} to be assigned with {expected}, but it is of type {found:?}", on(.node))]
    WrongType {
        /// Where the property was last assigned.
        location: Location,
        /// The property's name.
        name: String,
        /// The path of the node that has it (empty when the conversion was
        /// not given the tree).
        node: String,
        /// The syntax the conversion needs.
        expected: &'static str,
        /// The property's actual type.
        found: PropType,
    },
    /// A string value that is not valid UTF-8.
    #[error("{location}: value of property '{name}'{} is not valid UTF-8", on(.node))]
    NotUtf8 {
        /// Where the property was last assigned.
        location: Location,
        /// The property's name.
        name: String,
        /// The path of the node that has it.
        node: String,
    },
    /// A phandle or path value that points to no node.
    #[error("{location}: property '{name}' on {node} points to no node ({detail})")]
    Dangling {
        /// Where the property was last assigned.
        location: Location,
        /// The property's name.
        name: String,
        /// The path of the node that has it.
        node: String,
        /// The phandle or path that has no node.
        detail: String,
    },
}

/// " on /path" for messages, or nothing when the path is not known.
fn on(node: &str) -> String {
    if node.is_empty() {
        String::new()
    } else {
        format!(" on {node}")
    }
}
