//! Raw binary: bytes placed at a base address, and flat images with a fill byte.

use std::io::{self, Write};

use crate::diagnostic::{Location, ParseError, ParseErrorKind};
use crate::image::{MemoryImage, ADDRESS_SPACE};
use crate::input::{InputData, InputFormat};

/// Places `bytes` at `base`. Fails if they would run past 4 GiB.
pub fn read(bytes: &[u8], base: u32, name: &str) -> Result<InputData, ParseError> {
    if base as u64 + bytes.len() as u64 > ADDRESS_SPACE {
        return Err(ParseError {
            location: Location {
                file: name.to_string(),
                line: 0,
                column: 0,
            },
            kind: ParseErrorKind::PastAddressSpace {
                base,
                len: bytes.len() as u64,
            },
        });
    }
    let mut data = InputData::new(name, InputFormat::Binary { base });
    data.put(base, bytes, None);
    Ok(data)
}

/// Flat binary output options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Byte written in holes.
    pub fill: u8,
    /// Address range `[start, end)` of the file; `None` = lowest to highest used address.
    pub range: Option<(u32, u64)>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            fill: 0xFF,
            range: None,
        }
    }
}

/// Writes the bytes of `image` in `opts.range` (holes filled with `opts.fill`); data outside
/// the range is not written (crop the image first to get a warning count).
pub fn write<W: Write>(image: &MemoryImage, opts: &WriteOptions, mut out: W) -> io::Result<()> {
    let Some((lo, hi)) = opts.range.or_else(|| image.bounds()) else {
        return out.flush();
    };
    let fill = vec![opts.fill; 64 * 1024];
    let mut pos = lo as u64;
    let pad = |out: &mut W, n: u64| -> io::Result<()> {
        let mut left = n;
        while left > 0 {
            let k = left.min(fill.len() as u64) as usize;
            out.write_all(&fill[..k])?;
            left -= k as u64;
        }
        Ok(())
    };
    for seg in image.segments() {
        let a = (seg.start() as u64).max(pos);
        let b = seg.end().min(hi);
        if a >= b {
            continue;
        }
        pad(&mut out, a - pos)?;
        let from = (a - seg.start() as u64) as usize;
        let to = (b - seg.start() as u64) as usize;
        out.write_all(&seg.data()[from..to])?;
        pos = b;
    }
    if hi > pos {
        pad(&mut out, hi - pos)?;
    }
    out.flush()
}
