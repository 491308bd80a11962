//! The sparse memory image: what every reader produces and every writer consumes.
//!
//! Addresses are 32-bit (the Intel HEX i32hex / S3 address space). An image is a list of
//! segments kept sorted by address, pairwise disjoint and never adjacent (two segments that
//! touch are coalesced into one), so a writer can walk it once in ascending order and the
//! image of a given byte content has exactly one representation (`==` compares contents).

use crate::source_lines::SourceLines;
use crate::start::StartAddress;

/// One past the highest address: the size of the address space.
pub const ADDRESS_SPACE: u64 = 1 << 32;

/// A contiguous run of bytes at a fixed address.
///
/// Invariant (kept by every constructor in this crate): `data` is not empty and
/// `start + data.len() <= 2^32`.
///
/// A data run read from a text file also knows which line wrote each byte
/// ([`Segment::source_line`]), so that an address written twice in one input can be
/// reported with both lines. That is not part of the segment's value: `==` compares the
/// address and the bytes only, and the segments of a [`MemoryImage`] never carry lines.
#[derive(Debug, Clone)]
pub struct Segment {
    start: u32,
    data: Vec<u8>,
    lines: Option<Box<SourceLines>>,
}

impl PartialEq for Segment {
    fn eq(&self, other: &Segment) -> bool {
        self.start == other.start && self.data == other.data
    }
}

impl Eq for Segment {}

impl Segment {
    /// A segment of `data` at `start`; `None` if `data` is empty or runs past 4 GiB.
    pub fn new(start: u32, data: Vec<u8>) -> Option<Segment> {
        if data.is_empty() || start as u64 + data.len() as u64 > ADDRESS_SPACE {
            return None;
        }
        Some(Segment {
            start,
            data,
            lines: None,
        })
    }

    /// A segment read from a text file: `lines` maps its bytes to input lines.
    pub(crate) fn with_lines(start: u32, data: Vec<u8>, lines: SourceLines) -> Option<Segment> {
        let mut seg = Segment::new(start, data)?;
        seg.lines = Some(Box::new(lines));
        Some(seg)
    }

    /// The input line of the record that wrote the byte at `addr`, for a data run read from
    /// a text file (`None` for other segments and for addresses outside this one).
    pub fn source_line(&self, addr: u32) -> Option<u64> {
        let offset = (addr as u64).checked_sub(self.start as u64)?;
        self.lines.as_ref()?.line_at(offset)
    }

    /// First address.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// One past the last address (may be 2^32, hence `u64`).
    pub fn end(&self) -> u64 {
        self.start as u64 + self.data.len() as u64
    }

    /// The bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Consumes the segment, returning its bytes.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// Consumes the segment, returning its bytes and its line map, if any.
    pub(crate) fn into_data_and_lines(self) -> (Vec<u8>, Option<Box<SourceLines>>) {
        (self.data, self.lines)
    }

    /// Appends `bytes`, read from `line` when the segment has a line map.
    #[inline]
    pub(crate) fn extend(&mut self, bytes: &[u8], line: Option<u64>) {
        self.data.extend_from_slice(bytes);
        if let (Some(map), Some(line)) = (self.lines.as_mut(), line) {
            map.push(bytes.len(), line);
        }
    }
}

/// A sparse memory image plus an optional start (entry point) address.
///
/// Segments are sorted, disjoint and coalesced (see the module docs); two images are equal
/// exactly when they hold the same bytes at the same addresses and the same start address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryImage {
    segments: Vec<Segment>,
    start: Option<StartAddress>,
}

impl MemoryImage {
    /// An empty image without a start address.
    pub fn new() -> MemoryImage {
        MemoryImage::default()
    }

    /// Builds an image from segments in any order. Adjacent segments are coalesced.
    ///
    /// Returns the first overlapping address if two segments overlap (the caller decides
    /// what an overlap means: see [`crate::merge`](mod@crate::merge) for policies).
    pub fn from_segments(mut segments: Vec<Segment>) -> Result<MemoryImage, u32> {
        segments.sort_by_key(|s| s.start);
        let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
        for mut seg in segments {
            seg.lines = None;
            if let Some(last) = out.last_mut() {
                if last.end() > seg.start as u64 {
                    return Err(seg.start);
                }
                if last.end() == seg.start as u64 {
                    last.data.extend_from_slice(&seg.data);
                    continue;
                }
            }
            out.push(seg);
        }
        Ok(MemoryImage {
            segments: out,
            start: None,
        })
    }

    /// Builds an image from an address -> byte map (handy for tests and small tools).
    pub fn from_bytes<I: IntoIterator<Item = (u32, u8)>>(bytes: I) -> MemoryImage {
        let mut v: Vec<(u32, u8)> = bytes.into_iter().collect();
        v.sort_by_key(|&(a, _)| a);
        v.dedup_by_key(|&mut (a, _)| a);
        let mut img = MemoryImage::new();
        for (a, b) in v {
            img.push_back(a, &[b]);
        }
        img
    }

    /// The segments, ascending, disjoint, non-adjacent.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Consumes the image, returning its segments.
    pub fn into_segments(self) -> Vec<Segment> {
        self.segments
    }

    /// The start address, if any.
    pub fn start_address(&self) -> Option<StartAddress> {
        self.start
    }

    /// Sets or clears the start address.
    pub fn set_start_address(&mut self, start: Option<StartAddress>) {
        self.start = start;
    }

    /// Number of data bytes.
    pub fn len(&self) -> u64 {
        self.segments.iter().map(|s| s.data.len() as u64).sum()
    }

    /// True when the image holds no data bytes.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Lowest and one-past-highest address, `None` for an empty image.
    pub fn bounds(&self) -> Option<(u32, u64)> {
        Some((self.segments.first()?.start, self.segments.last()?.end()))
    }

    /// The byte at `addr`, if present.
    pub fn get(&self, addr: u32) -> Option<u8> {
        let i = self.segments.partition_point(|s| s.end() <= addr as u64);
        let s = self.segments.get(i)?;
        (s.start <= addr).then(|| s.data[(addr - s.start) as usize])
    }

    /// Iterates over every (address, byte), ascending.
    pub fn bytes(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        self.segments.iter().flat_map(|s| {
            s.data
                .iter()
                .enumerate()
                .map(move |(i, &b)| (s.start.wrapping_add(i as u32), b))
        })
    }

    /// Appends bytes at `addr`, which must not be below the current end of the image
    /// (used by builders that produce ascending data). Coalesces with the last segment.
    ///
    /// # Panics
    /// If `addr` is below the end of the last segment or the bytes run past 4 GiB: this is a
    /// builder misuse inside the crate, never reachable from input data.
    pub(crate) fn push_back(&mut self, addr: u32, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        assert!(addr as u64 + bytes.len() as u64 <= ADDRESS_SPACE);
        if let Some(last) = self.segments.last_mut() {
            assert!(last.end() <= addr as u64, "push_back below the image end");
            if last.end() == addr as u64 {
                last.data.extend_from_slice(bytes);
                return;
            }
        }
        self.segments.push(Segment {
            start: addr,
            data: bytes.to_vec(),
            lines: None,
        });
    }

    /// Appends a whole segment (moved, not copied, unless it touches the last one).
    pub(crate) fn push_segment(&mut self, mut seg: Segment) {
        seg.lines = None;
        if let Some(last) = self.segments.last_mut() {
            assert!(
                last.end() <= seg.start as u64,
                "push_segment below the image end"
            );
            if last.end() == seg.start as u64 {
                last.data.extend_from_slice(&seg.data);
                return;
            }
        }
        self.segments.push(seg);
    }

    /// Keeps only the bytes in `[lo, hi)`; returns how many bytes were dropped.
    pub fn crop(&mut self, lo: u32, hi: u64) -> u64 {
        let before = self.len();
        let segs = std::mem::take(&mut self.segments);
        for s in segs {
            let a = (s.start as u64).max(lo as u64);
            let b = s.end().min(hi);
            if a < b {
                let from = (a - s.start as u64) as usize;
                let to = (b - s.start as u64) as usize;
                let data = if from == 0 && to == s.data.len() {
                    s.data
                } else {
                    s.data[from..to].to_vec()
                };
                self.segments.push(Segment {
                    start: a as u32,
                    data,
                    lines: None,
                });
            }
        }
        before - self.len()
    }
}
