//! Positions in input files, for error messages that name file, line and column.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in an input file. `line` and `column` are 1-based; `column`
/// counts characters, not bytes. A location with `line == 0` names only the
/// file (for errors about the file as a whole, such as a failed read).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The file, as the user named it (not canonicalised).
    pub file: PathBuf,
    /// 1-based line, or 0 when the error concerns the whole file.
    pub line: usize,
    /// 1-based column in characters, or 0 with `line == 0`.
    pub column: usize,
}

impl Location {
    /// A location for the whole file.
    pub fn file(file: &Path) -> Self {
        Location {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
        }
    }

    /// The location of byte `offset` in `text` (the content of `file`). An
    /// offset past the end, or inside a multi-byte character, is clamped to the
    /// nearest character boundary before it, so any offset gives a location.
    pub fn at_offset(file: &Path, text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: file.to_path_buf(),
            line,
            column,
        }
    }
}

/// Line starts of a text, for turning many byte offsets into locations
/// without rescanning the text each time.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The location of byte `offset` in `file`, as [`Location::at_offset`] gives it.
    pub fn location(&self, file: &Path, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        Location {
            file: file.to_path_buf(),
            line,
            column: self.text[start..offset].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "a = 1\nbé = 2\n";
        let f = Path::new("images.toml");
        assert_eq!(
            Location::at_offset(f, text, 0).to_string(),
            "images.toml:1:1"
        );
        assert_eq!(
            Location::at_offset(f, text, 6).to_string(),
            "images.toml:2:1"
        );
        // `=` after the two-character key `bé` (3 bytes) is column 4.
        assert_eq!(
            Location::at_offset(f, text, 10).to_string(),
            "images.toml:2:4"
        );
        assert_eq!(Location::file(f).to_string(), "images.toml");
    }

    proptest! {
        #[test]
        fn line_index_agrees_with_the_direct_computation(text in "\\PC{0,40}(\n\\PC{0,10}){0,4}", offset in 0usize..200) {
            let f = Path::new("f");
            prop_assert_eq!(LineIndex::new(&text).location(f, offset), Location::at_offset(f, &text, offset));
        }

        #[test]
        fn any_offset_gives_a_location_inside_the_text(text in "\\PC{0,40}(\n\\PC{0,10}){0,4}", offset in 0usize..200) {
            let loc = Location::at_offset(Path::new("f"), &text, offset);
            prop_assert!(loc.line >= 1 && loc.line <= text.matches('\n').count() + 1);
            prop_assert!(loc.column >= 1);
        }
    }
}
