//! A machine-readable account of a merge: what came from where.

use serde::Serialize;

use crate::merge::{InputSummary, Merged, Provenance};
use crate::overlap::Overlap;
use crate::start::StartAddress;

/// One contiguous output range.
#[derive(Debug, Clone, Serialize)]
pub struct Range {
    /// First address.
    pub start: u32,
    /// Last address (inclusive).
    pub end: u32,
    /// Bytes.
    pub bytes: u64,
}

/// The output side of the report.
#[derive(Debug, Clone, Serialize)]
pub struct OutputSummary {
    /// Where it was written.
    pub path: String,
    /// Data bytes.
    pub data_bytes: u64,
    /// Contiguous ranges.
    pub segments: Vec<Range>,
    /// Start address written, if any.
    pub start_address: Option<StartAddress>,
    /// Input whose start address was kept.
    pub start_from: Option<usize>,
}

/// The report (`hexmerge --report json`).
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// The inputs, in order.
    pub inputs: &'a [InputSummary],
    /// The output.
    pub output: OutputSummary,
    /// Which input each output range came from.
    pub provenance: &'a [Provenance],
    /// Overlaps resolved by the policy.
    pub overlaps: &'a [Overlap],
    /// Input warnings, formatted.
    pub warnings: Vec<String>,
}

impl<'a> Report<'a> {
    /// Builds the report of `merged` written to `path`.
    pub fn new(merged: &'a Merged, path: &str) -> Report<'a> {
        Report {
            inputs: &merged.inputs,
            output: OutputSummary {
                path: path.to_string(),
                data_bytes: merged.image.len(),
                segments: merged
                    .image
                    .segments()
                    .iter()
                    .map(|s| Range {
                        start: s.start(),
                        end: (s.end() - 1) as u32,
                        bytes: s.data().len() as u64,
                    })
                    .collect(),
                start_address: merged.image.start_address(),
                start_from: merged.start_from,
            },
            provenance: &merged.provenance,
            overlaps: &merged.overlaps,
            warnings: merged.warnings.iter().map(|w| w.to_string()).collect(),
        }
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serialises")
    }
}
