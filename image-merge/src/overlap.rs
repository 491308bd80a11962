//! Overlap policies and overlap reports.
//!
//! An overlap is an address written more than once, by two inputs or twice by the same one.
//! For each address the writes are taken in order (inputs in the given order, records in
//! file order), and every write is compared with the write just before it to the same
//! address. The report groups such (earlier input, later input) pairs into maximal ranges
//! of consecutive addresses, each with its byte count, how many bytes differ and the first
//! differing address. An overlap inside one input read from a text file also names the
//! lines of the two records that wrote its first address, so that they can be found.

use std::fmt;

/// What to do when an address is written more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OverlapPolicy {
    /// Any overlap is an error, even with identical bytes (mergehex.py's default).
    #[default]
    Error,
    /// Identical bytes may overlap; different bytes are an error.
    #[value(alias = "error-on-diff")]
    Identical,
    /// The first write wins (mergehex.py `--overlap ignore`).
    #[value(alias = "ignore")]
    First,
    /// The last write wins (mergehex.py `--overlap replace`).
    #[value(alias = "replace")]
    Last,
}

/// One range of addresses written by `first` and then again by `second`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Overlap {
    /// Index of the earlier input (in the order given to the merge).
    pub first_input: usize,
    /// Its name.
    pub first: String,
    /// Index of the later input (equal to `first_input` for an overlap inside one input).
    pub second_input: usize,
    /// Its name.
    pub second: String,
    /// First address of the range.
    pub start: u32,
    /// Last address of the range (inclusive).
    pub end: u32,
    /// Number of bytes in the range.
    pub bytes: u64,
    /// How many of them differ between the two writes.
    pub differing: u64,
    /// The lowest differing address, if any.
    pub first_difference: Option<u32>,
    /// For an overlap inside one input read from a text file: the lines of the records
    /// that wrote `start` first and again (`None` for overlaps between inputs and for
    /// inputs without lines, such as raw binary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<OverlapLines>,
}

/// The input lines of the two records behind an overlap inside one input, at the first
/// address of the overlapping range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OverlapLines {
    /// Line of the record that wrote the address first.
    pub first: u64,
    /// Line of the record that wrote it again.
    pub repeated: u64,
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first_input == self.second_input {
            write!(
                f,
                "{} writes 0x{:08X}-0x{:08X} twice",
                self.first, self.start, self.end
            )?;
        } else {
            write!(
                f,
                "{} and {} overlap at 0x{:08X}-0x{:08X}",
                self.first, self.second, self.start, self.end
            )?;
        }
        write!(
            f,
            " ({} byte{}, ",
            self.bytes,
            if self.bytes == 1 { "" } else { "s" }
        )?;
        match self.first_difference {
            None => write!(f, "identical contents)")?,
            Some(a) => write!(
                f,
                "{} differ, first difference at 0x{a:08X})",
                self.differing
            )?,
        }
        if let Some(lines) = self.lines {
            write!(
                f,
                "; first written on line {}, again on line {}",
                lines.first, lines.repeated
            )?;
        }
        Ok(())
    }
}

/// The overlaps that made a merge fail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OverlapReport {
    /// The policy in force.
    pub policy: OverlapPolicy,
    /// The offending ranges, ascending by address.
    pub overlaps: Vec<Overlap>,
}

/// How many ranges the report's `Display` lists before "and N more".
pub const REPORT_CAP: usize = 20;

impl fmt::Display for OverlapReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.overlaps.len();
        let what = match self.policy {
            OverlapPolicy::Identical => "with different contents",
            _ => "",
        };
        write!(
            f,
            "{n} overlapping range{}{}{what} (overlap policy '{}'):",
            if n == 1 { "" } else { "s" },
            if what.is_empty() { "" } else { " " },
            match self.policy {
                OverlapPolicy::Error => "error",
                OverlapPolicy::Identical => "identical",
                OverlapPolicy::First => "first",
                OverlapPolicy::Last => "last",
            }
        )?;
        for o in self.overlaps.iter().take(REPORT_CAP) {
            write!(f, "\n  {o}")?;
        }
        if n > REPORT_CAP {
            write!(f, "\n  and {} more", n - REPORT_CAP)?;
        }
        Ok(())
    }
}
