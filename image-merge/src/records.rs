//! The line loop shared by the text readers (Intel HEX and S-record).
//!
//! Both formats are one record per line behind a one-character record mark, and treat the
//! lines around the records alike: empty lines are skipped and counted in one warning, the
//! first non-empty line after the end record stops reading with a warning, a line without
//! the record mark is an error, records with a wrong checksum are either an error or, when
//! checksums are not verified, counted in one warning, and a missing end record is a
//! warning. [`RecordScanner`] does all of that and hands each reader only the record lines,
//! so a reader keeps nothing but its format's own decoding.

use std::io::Read;

use crate::diagnostic::WarningKind;
use crate::diagnostic::{show_line_start, Location, ParseError, ParseErrorKind, Warning};
use crate::hexdigits;
use crate::input::ReadError;
use crate::lines::LineReader;

/// What the scanner notes between records (kept apart from the line buffer so that a
/// [`Record`] can borrow both at once).
struct Tally<'n> {
    /// The input's name in messages.
    name: &'n str,
    /// Number of the last line read.
    last_line: u64,
    /// (first line, count) of the empty lines.
    blank: Option<(u64, u64)>,
    /// (first line, count) of the records accepted with a wrong checksum.
    bad_sums: Option<(u64, u64)>,
    /// The end record was read.
    ended: bool,
    /// The line of the first content after the end record.
    after_end: Option<u64>,
}

impl Tally<'_> {
    fn location(&self, line: u64, column: usize) -> Location {
        Location {
            file: self.name.to_string(),
            line,
            column: column as u32,
        }
    }

    fn fail(&self, line: u64, column: usize, kind: ParseErrorKind) -> ReadError {
        ReadError::Parse(ParseError {
            location: self.location(line, column),
            kind,
        })
    }
}

/// How a format frames a record: the numbers [`Record::decode`] checks.
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
    tally: Tally<'n>,
}

/// One record line: non-empty and starting with the record mark.
pub(crate) struct Record<'a, 'n> {
    /// 1-based line number.
    pub number: u64,
    /// The line without its terminator (record mark included).
    pub text: &'a [u8],
    overlong: bool,
    tally: &'a mut Tally<'n>,
}

impl<'n, R: Read> RecordScanner<'n, R> {
    /// A scanner of `src`, named `name` in messages, whose records start with `mark`.
    pub(crate) fn new(src: R, name: &'n str, mark: u8) -> Self {
        RecordScanner {
            lines: LineReader::new(src),
            mark,
            tally: Tally {
                name,
                last_line: 0,
                blank: None,
                bad_sums: None,
                ended: false,
                after_end: None,
            },
        }
    }

    /// The next record line; `None` at the end of the input or at the first content after
    /// the end record (which is noted for a warning and not looked at further).
    ///
    /// A line that does not start with the record mark is an error at its column 1.
    #[inline]
    pub(crate) fn next_record(&mut self) -> Result<Option<Record<'_, 'n>>, ReadError> {
        let tally = &mut self.tally;
        if tally.after_end.is_some() {
            return Ok(None);
        }
        loop {
            let span = self.lines.next_span().map_err(|source| ReadError::Io {
                path: tally.name.to_string(),
                source,
            })?;
            let Some(span) = span else {
                return Ok(None);
            };
            let n = span.number;
            tally.last_line = n;
            if span.is_empty() {
                tally.blank = Some(tally.blank.map_or((n, 1), |(f, c)| (f, c + 1)));
                continue;
            }
            if tally.ended {
                tally.after_end = Some(n);
                return Ok(None);
            }
            let text = self.lines.text(span);
            if text[0] != self.mark {
                return Err(tally.fail(
                    n,
                    1,
                    ParseErrorKind::MissingStartCode {
                        expected: self.mark as char,
                        found: show_line_start(text),
                    },
                ));
            }
            return Ok(Some(Record {
                number: n,
                text,
                overlong: span.overlong,
                tally,
            }));
        }
    }

    /// The warnings about the lines around the records, in this order: content after the
    /// end record, records accepted with a wrong checksum, empty lines, no end record.
    pub(crate) fn finish(self, warnings: &mut Vec<Warning>) {
        let t = &self.tally;
        let mut warn = |line: u64, column: usize, kind: WarningKind| {
            warnings.push(Warning {
                location: t.location(line, column),
                kind,
            })
        };
        if let Some(line) = t.after_end {
            warn(line, 1, WarningKind::DataAfterEof);
        }
        if let Some((first, count)) = t.bad_sums {
            warn(first, 0, WarningKind::ChecksumsIgnored { count });
        }
        if let Some((first, count)) = t.blank {
            warn(first, 0, WarningKind::BlankLines { count });
        }
        if !t.ended {
            warn(t.last_line, 0, WarningKind::MissingEof);
        }
    }
}

impl Record<'_, '_> {
    /// Where `column` (1-based; 0 for the whole line) of this record is.
    pub(crate) fn location(&self, column: usize) -> Location {
        self.tally.location(self.number, column)
    }

    /// The error `kind` at `column` of this record.
    pub(crate) fn fail(&self, column: usize, kind: ParseErrorKind) -> ReadError {
        self.tally.fail(self.number, column, kind)
    }

    /// Decodes the record's bytes into `out` (which must hold `framing.max_chars / 2`
    /// bytes) and checks its framing: the line is at most `framing.max_chars` long and all
    /// hex digits, at least `min_bytes` bytes, the byte count (first byte) matches and so
    /// does the checksum (last byte). A wrong checksum is an error when `verify` is set;
    /// otherwise the record is accepted and counted for one warning per input. Returns the
    /// number of bytes.
    #[inline]
    pub(crate) fn decode(
        &mut self,
        framing: &Framing,
        min_bytes: usize,
        out: &mut [u8],
        verify: bool,
    ) -> Result<usize, ReadError> {
        let skip = framing.skip;
        let digits = self.text.get(skip..).unwrap_or_default();
        if self.overlong || self.text.len() > framing.max_chars {
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
        let len =
            hexdigits::decode(digits, out).map_err(|(i, kind)| self.fail(i + skip + 1, kind))?;
        if len < min_bytes.max(framing.uncounted) {
            return Err(self.fail(
                self.text.len() + 1,
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
    fn bad_checksum(&mut self, found: u8, expected: u8, verify: bool) -> Result<(), ReadError> {
        if verify {
            return Err(self.fail(
                self.text.len() - 1,
                ParseErrorKind::ChecksumMismatch { found, expected },
            ));
        }
        let n = self.number;
        let t = &mut self.tally;
        t.bad_sums = Some(t.bad_sums.map_or((n, 1), |(f, c)| (f, c + 1)));
        Ok(())
    }

    /// Notes that this is the end record: later content is ignored with a warning.
    pub(crate) fn ends_input(&mut self) {
        self.tally.ended = true;
    }
}
