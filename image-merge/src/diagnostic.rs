//! Located parse errors and warnings of the readers.
//!
//! Every error names the file, the 1-based line and column, what was expected and what was
//! found. Warnings are returned as data (never printed by the library) so that a front end
//! decides how to show them; none is ever dropped silently.

use std::fmt;

/// Where in an input something was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The input's name as given by the caller (usually its path).
    pub file: String,
    /// 1-based line number (for binary inputs: 0).
    pub line: u64,
    /// 1-based column (character offset in the line), 0 when the whole line is meant.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}

/// Describes what starts a line that lacks its record mark.
pub(crate) fn show_line_start(text: &[u8]) -> String {
    if text.starts_with(b"\xEF\xBB\xBF") {
        "a UTF-8 byte-order mark (save the file without one)".into()
    } else {
        show_byte(text[0])
    }
}

/// Shows a byte of the input readably in messages.
pub(crate) fn show_byte(b: u8) -> String {
    match b {
        b'\r' => "a carriage return (lone CR line ends are not supported)".into(),
        b'\t' => "a tab".into(),
        b' ' => "a space".into(),
        0x21..=0x7E => format!("'{}'", b as char),
        _ => format!("byte 0x{b:02X}"),
    }
}

/// What is wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// The line does not start with the record mark.
    #[error("expected '{expected}' at the start of the record, found {found}")]
    MissingStartCode {
        /// `:` or `S`.
        expected: char,
        /// What was there.
        found: String,
    },
    /// A character that is not a hex digit inside a record.
    #[error("expected a hex digit, found {found}")]
    InvalidCharacter {
        /// What was there.
        found: String,
    },
    /// An odd number of hex digits.
    #[error("expected another hex digit: the record has an odd number of hex digits")]
    OddDigitCount,
    /// Fewer bytes than the record's fixed fields.
    #[error("record too short: expected at least {expected} bytes, found {found}")]
    TooShort {
        /// Minimum bytes.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// A line longer than any valid record.
    #[error("expected at most {max} characters in a record, the line is longer")]
    LineTooLong {
        /// Maximal valid length in characters.
        max: usize,
    },
    /// The byte-count field disagrees with the bytes present.
    #[error("expected byte count {actual} (the data bytes present), found {declared}; fix the count or the payload")]
    ByteCountMismatch {
        /// What the count field says.
        declared: usize,
        /// What the record holds.
        actual: usize,
    },
    /// The checksum does not match.
    #[error("checksum mismatch: expected 0x{expected:02X}, found 0x{found:02X}")]
    ChecksumMismatch {
        /// Checksum in the file.
        found: u8,
        /// Checksum computed from the record.
        expected: u8,
    },
    /// A record type this format does not define.
    #[error("unknown record type {found}, expected one of {expected}")]
    UnknownRecordType {
        /// The type as written (e.g. "06" or "S4").
        found: String,
        /// The valid types.
        expected: &'static str,
    },
    /// A record of a known type with the wrong payload length.
    #[error("expected {expected} data bytes in {record}, found {found}")]
    BadPayloadLength {
        /// Record name.
        record: &'static str,
        /// Required number of bytes.
        expected: usize,
        /// Number present.
        found: usize,
    },
    /// Raw binary that does not fit below 4 GiB at its base address.
    #[error("{len} bytes at base 0x{base:08X} run past the 4 GiB address space; use a lower base address")]
    PastAddressSpace {
        /// Base address.
        base: u32,
        /// File size.
        len: u64,
    },
    /// An S5/S6 record count that disagrees with the number of data records.
    #[error("record count: expected {counted} (the data records read), found {declared}")]
    CountMismatch {
        /// Count in the file.
        declared: u32,
        /// Data records read.
        counted: u32,
    },
}

/// A malformed input record, with its location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct ParseError {
    /// Where.
    pub location: Location,
    /// What.
    pub kind: ParseErrorKind,
}

/// Something suspicious but tolerated in an input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WarningKind {
    /// The file has no end-of-file / termination record.
    MissingEof,
    /// Non-empty content after the end-of-file record; it was ignored.
    DataAfterEof,
    /// Empty lines were skipped (the location is the first one).
    BlankLines {
        /// How many.
        count: u64,
    },
    /// More than one start address record in one file.
    DuplicateStart {
        /// The start address of this record.
        address: String,
    },
    /// A non-data record whose address field is not 0000.
    NonZeroAddressField {
        /// The value found.
        value: u16,
    },
    /// Records with a wrong checksum accepted because checksums were not verified (the
    /// location is the first one).
    ChecksumsIgnored {
        /// How many.
        count: u64,
    },
    /// Bytes dropped by an address range on output.
    Cropped {
        /// How many.
        bytes: u64,
    },
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarningKind::MissingEof => write!(
                f,
                "no end record (Intel HEX type 01, S-record S7/S8/S9): file truncated?"
            ),
            WarningKind::DataAfterEof => {
                write!(f, "content after the end record is ignored")
            }
            WarningKind::BlankLines { count } => write!(f, "{count} blank line(s) skipped"),
            WarningKind::DuplicateStart { address } => write!(
                f,
                "another start address record ({address}); the start policy decides which counts"
            ),
            WarningKind::NonZeroAddressField { value } => write!(
                f,
                "address field of a non-data record is 0x{value:04X}, expected 0000 (ignored)"
            ),
            WarningKind::ChecksumsIgnored { count } => write!(
                f,
                "{count} record(s) with a wrong checksum accepted (checksums not verified)"
            ),
            WarningKind::Cropped { bytes } => {
                write!(f, "{bytes} byte(s) outside the output range dropped")
            }
        }
    }
}

/// A located warning.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What.
    pub kind: WarningKind,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: warning: {}", self.location, self.kind)
    }
}
