//! Load errors: every one names the file, line and column, shows the line
//! and says what was expected.

use std::fmt;

/// What kind of failure stopped loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// Malformed statement or expression.
    Syntax,
    /// Macro expansion failed (`$(error-if)`, unknown replay call, recursion).
    Macro,
    /// A `source`/`rsource` pattern matched no file.
    MissingSource,
    /// A file sources itself (directly or indirectly).
    RecursiveSource,
    /// Sourcing or block nesting is deeper than the bound.
    TooDeep,
    /// A block (`menu`, `if`, `choice`) is not closed at the end of its file.
    Unterminated,
    /// A file could not be read.
    Io,
}

/// A located load error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// Kind.
    pub kind: LoadErrorKind,
    /// File name as reported (relative to `$srctree` when inside it).
    pub file: String,
    /// 1-based line (0 when not applicable).
    pub line: u32,
    /// 1-based column (0 when not applicable).
    pub column: u32,
    /// The offending line's text (may be empty).
    pub text: String,
    /// What went wrong and what was expected.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: error: {}", self.file, self.message)?;
        } else if self.column == 0 {
            write!(f, "{}:{}: error: {}", self.file, self.line, self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: error: {}",
                self.file, self.line, self.column, self.message
            )?;
        }
        if !self.text.is_empty() {
            let text = self.text.trim_end_matches('\n');
            write!(f, "\n  | {text}")?;
            if self.column > 0 {
                let pad: String = text
                    .chars()
                    .take(self.column as usize - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n  | {pad}^")?;
            }
        }
        Ok(())
    }
}
