//! Intel HEX / S-record / binary image reading, merging with exact overlap reports, and
//! writing: the library behind `hexmerge`, a drop-in for Zephyr's `mergehex.py`.
//!
//! Pipeline: [`input::read_inputs`] parses each input (in parallel threads) into an
//! [`InputData`] (data runs in file order, start records, located warnings);
//! [`merge::merge`] resolves them into one [`MemoryImage`] under an [`OverlapPolicy`] and a
//! [`StartPolicy`], reporting every overlapping range; [`output::write_file`] writes the
//! result atomically as Intel HEX, S-record or binary.
//!
//! Readers are strict: every malformed record is a [`ParseError`] naming the file, line and
//! column, what was expected and what was found. Tolerated oddities (missing EOF, content
//! after EOF, blank lines, a second start record, a non-zero address field on a non-data
//! record) are returned as [`Warning`]s; none is dropped silently.
//!
//! | malformed case | result |
//! | --- | --- |
//! | bad checksum, byte count ≠ payload, non-hex character, odd digit count | error |
//! | unknown record type, EOF with data, 02/04 not 2 bytes, 03/05 not 4 bytes | error |
//! | line without `:`, leading or trailing blank, lone CR line ends | error |
//! | blank lines | warning (skipped) |
//! | missing EOF | warning |
//! | content after EOF | warning (ignored) |
//! | two start records | warning; the start policy decides |
//! | an address written twice in one input | the overlap policy decides (default: error); reported with the lines of both records |
//!
//! Compatibility with Zephyr's `mergehex.py` (Python intelhex): with the default options the
//! output is byte-identical (16-byte records, upper case, LF, type-04 records only when data
//! lies above 64 KiB, start records dropped; empty input list: just the EOF record). Where
//! the two differ, it is on purpose: a failed merge leaves no output file (mergehex.py
//! leaves an empty one); two start records in one file are a warning, not an error (the
//! start policy decides); an address written twice inside one file follows the overlap
//! policy (mergehex.py always fails); a missing EOF record or content after it is reported
//! as a warning (intelhex accepts both silently); lone CR line ends are rejected; a type-02
//! record's data wraps inside its 64 KiB segment and type-04 data wraps at 4 GiB, as the
//! Intel specification says (intelhex never wraps; only hostile input is affected).
//!
//! ```
//! use image_merge::{intel_hex, merge, MergeOptions, OverlapPolicy};
//!
//! let boot = intel_hex::read(&b":0400000001020304F2\n:00000001FF\n"[..], "boot.hex")?;
//! let app = intel_hex::read(&b":020004000506EF\n:00000001FF\n"[..], "app.hex")?;
//! let merged = merge(vec![boot, app], &MergeOptions::default())?;
//! let mut out = Vec::new();
//! intel_hex::write(&merged.image, &Default::default(), &mut out)?;
//! assert_eq!(out, b":06000000010203040506E5\n:00000001FF\n");
//!
//! // The same byte twice is an overlap under the default policy, as in mergehex.py.
//! let a = intel_hex::read(&b":0100000001FE\n:00000001FF\n"[..], "a.hex")?;
//! let b = intel_hex::read(&b":0100000001FE\n:00000001FF\n"[..], "b.hex")?;
//! let err = merge(vec![a, b], &MergeOptions::default()).unwrap_err();
//! assert!(err.to_string().contains("a.hex and b.hex overlap at 0x00000000-0x00000000 (1 byte, identical contents)"));
//! # let _ = OverlapPolicy::Identical;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod binary;
pub mod diagnostic;
mod hexdigits;
pub mod image;
pub mod input;
pub mod intel_hex;
mod lines;
pub mod merge;
pub mod output;
pub mod overlap;
mod records;
pub mod report;
mod sink;
mod source_lines;
pub mod srec;
pub mod start;

pub use diagnostic::{Location, ParseError, ParseErrorKind, Warning, WarningKind};
pub use image::{MemoryImage, Segment};
pub use input::{
    read_input, read_inputs, read_inputs_with, InputData, InputFormat, InputSpec, ReadError,
    ReadOptions,
};
pub use merge::{merge, MergeError, MergeOptions, Merged};
pub use output::{write_file, OutputFormat, WriteError};
pub use overlap::{Overlap, OverlapLines, OverlapPolicy, OverlapReport};
pub use start::{StartAddress, StartPolicy};
