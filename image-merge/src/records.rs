//! The line loop shared by the text readers (Intel HEX and S-record).
//!
//! Both formats are one record per line behind a one-character record mark, and treat the
//! lines around the records alike: empty lines are skipped and counted in one warning, the
//! first non-empty line after the end record stops reading with a warning, a line without
//! the record mark is an error, records with a wrong checksum are either an error or, when
//! checksums are not verified, counted in one warning, and a missing end record is a
//! warning. [`RecordScanner`] does all of that and hands each reader only the record lines,
//! so a reader keeps nothing but its format's own decoding.
//!
//! The scanner moves from record to record and the reader asks it about the current one
//! (its text, number, errors at a column); nothing is returned by value per record, which
//! keeps the per-line work of the hot loop in registers.

use std::cell::Cell;
use std::io::Read;

use crate::diagnostic::WarningKind;
use crate::diagnostic::{show_line_start, Location, ParseError, ParseErrorKind, Warning};
use crate::hexdigits;
use crate::input::ReadError;
use crate::lines::LineReader;

/// How a format frames a record: the numbers [`RecordScanner::decode`] checks.
pub(crate) struct Framing {
    /// Characters before the hex digits (the record mark, and S-record's type digit).
    pub skip: usize,
    /// The longest valid record, in characters.
    pub max_chars: usize,
    /// Record bytes that the byte count (the first byte) does not count.
    pub uncounted: usize,
    /// The sum of all record bytes (mod 256) when the checksum is right.
    pub sum: u8,
}

/// Reads the record lines of a text input (see the module docs for what it checks).
pub(crate) struct RecordScanner<'n, R> {
    lines: LineReader<R>,
    mark: u8,
    /// The input's name in messages.
    name: &'n str,
    /// (first line, count) of the empty lines.
    blank: Option<(u64, u64)>,
    /// The line of the first content after the end record.
    after_end: Option<u64>,
    /// (first line, count) of the records accepted with a wrong checksum. A `Cell`, like
    /// `ended`, so that the record methods take `&self` while the reader holds the text.
    bad_sums: Cell<Option<(u64, u64)>>,
    /// The end record was read.
    ended: Cell<bool>,
}

impl<'n, R: Read> RecordScanner<'n, R> {
    /// A scanner of `src`, named `name` in messages, whose records start with `mark`.
    pub(crate) fn new(src: R, name: &'n str, mark: u8) -> Self {
        RecordScanner {
            lines: LineReader::new(src),
            mark,
            name,
            blank: None,
            after_end: None,
            bad_sums: Cell::new(None),
            ended: Cell::new(false),
        }
    }

    /// Moves to the next record line; `false` at the end of the input or at the first
    /// content after the end record (which is noted for a warning and not looked at
    /// further). A line that does not start with the record mark is an error at column 1.
    #[inline]
    pub(crate) fn next_record(&mut self) -> Result<bool, ReadError> {
        if self.after_end.is_some() {
            return Ok(false);
        }
        loop {
            let more = self.lines.advance().map_err(|source| ReadError::Io {
                path: self.name.to_string(),
                source,
            })?;
            if !more {
                return Ok(false);
            }
            let n = self.lines.number();
            let Some(first) = self.lines.first_byte() else {
                self.blank = Some(self.blank.map_or((n, 1), |(f, c)| (f, c + 1)));
                continue;
            };
            if self.ended.get() {
                self.after_end = Some(n);
                return Ok(false);
            }
            if first != self.mark {
                return Err(self.fail(
                    1,
                    ParseErrorKind::MissingStartCode {
                        expected: self.mark as char,
                        found: show_line_start(self.lines.text()),
                    },
                ));
            }
            return Ok(true);
        }
    }

    /// 1-based line number of the current record.
    #[inline]
    pub(crate) fn number(&self) -> u64 {
        self.lines.number()
    }

    /// The current record's line without its terminator (record mark included).
    #[inline]
    pub(crate) fn text(&self) -> &[u8] {
        self.lines.text()
    }

    /// Where `column` (1-based; 0 for the whole line) of the current record is.
    pub(crate) fn location(&self, column: usize) -> Location {
        self.location_at(self.number(), column)
    }

    fn location_at(&self, line: u64, column: usize) -> Location {
        Location {
            file: self.name.to_string(),
            line,
            column: column as u32,
        }
    }

    /// The error `kind` at `column` of the current record.
    #[cold]
    pub(crate) fn fail(&self, column: usize, kind: ParseErrorKind) -> ReadError {
        ReadError::Parse(ParseError {
            location: self.location(column),
            kind,
        })
    }

    /// Decodes the current record's bytes into `out` (which must hold
    /// `framing.max_chars / 2` bytes) and checks its framing: the line is at most
    /// `framing.max_chars` long and all hex digits, at least `min_bytes` bytes, the byte
    /// count (first byte) matches and so does the checksum (last byte). A wrong checksum is
    /// an error when `verify` is set; otherwise the record is accepted and counted for one
    /// warning per input. Returns the number of bytes.
    #[inline]
    pub(crate) fn decode(
        &self,
        framing: &Framing,
        min_bytes: usize,
        out: &mut [u8],
        verify: bool,
    ) -> Result<usize, ReadError> {
        let text = self.text();
        let skip = framing.skip;
        let digits = text.get(skip..).unwrap_or_default();
        if self.lines.overlong() || text.len() > framing.max_chars {
            if let Some((i, kind)) = hexdigits::first_invalid(digits) {
                return Err(self.fail(i + skip + 1, kind));
            }
            return Err(self.fail(
                framing.max_chars + 1,
                ParseErrorKind::LineTooLong {
                    max: framing.max_chars,
                },
            ));
        }
        let len = hexdigits::decode(digits, out).map_err(|(i, k)| self.fail(i + skip + 1, k))?;
        if len < min_bytes.max(framing.uncounted) {
            return Err(self.fail(
                text.len() + 1,
                ParseErrorKind::TooShort {
                    expected: min_bytes,
                    found: len,
                },
            ));
        }
        let count = out[0] as usize;
        if count != len - framing.uncounted {
            return Err(self.fail(
                skip + 1,
                ParseErrorKind::ByteCountMismatch {
                    declared: count,
                    actual: len - framing.uncounted,
                },
            ));
        }
        let sum = out[..len].iter().fold(0u8, |a, &b| a.wrapping_add(b));
        if sum != framing.sum {
            let found = out[len - 1];
            self.bad_checksum(
                found,
                found.wrapping_add(framing.sum.wrapping_sub(sum)),
                verify,
            )?;
        }
        Ok(len)
    }

    #[cold]
    fn bad_checksum(&self, found: u8, expected: u8, verify: bool) -> Result<(), ReadError> {
        if verify {
            return Err(self.fail(
                self.text().len() - 1,
                ParseErrorKind::ChecksumMismatch { found, expected },
            ));
        }
        let n = self.number();
        let seen = self.bad_sums.get();
        self.bad_sums
            .set(Some(seen.map_or((n, 1), |(f, c)| (f, c + 1))));
        Ok(())
    }

    /// Notes that the current record is the end record: later content is ignored with a
    /// warning.
    pub(crate) fn ends_input(&self) {
        self.ended.set(true);
    }

    /// The warnings about the lines around the records, in this order: content after the
    /// end record, records accepted with a wrong checksum, empty lines, no end record.
    pub(crate) fn finish(self, warnings: &mut Vec<Warning>) {
        let mut warn = |line: u64, column: usize, kind: WarningKind| {
            warnings.push(Warning {
                location: self.location_at(line, column),
                kind,
            })
        };
        if let Some(line) = self.after_end {
            warn(line, 1, WarningKind::DataAfterEof);
        }
        if let Some((first, count)) = self.bad_sums.get() {
            warn(first, 0, WarningKind::ChecksumsIgnored { count });
        }
        if let Some((first, count)) = self.blank {
            warn(first, 0, WarningKind::BlankLines { count });
        }
        if !self.ended.get() {
            // The last line read (the missing record would have followed it).
            warn(self.lines.number(), 0, WarningKind::MissingEof);
        }
    }
}
