//! Which input line wrote each byte of a data run read from a text file.
//!
//! An overlap inside one input is reported with the lines of the two records involved,
//! so the map is kept for every run the text readers produce. It must cost next to nothing
//! on the hot path and in memory, so it is stored as steps: a step says "from this byte
//! offset on, records of this many bytes follow each other on consecutive lines". A
//! well-formed file (records of one length, one per line) needs a new step only where the
//! pattern breaks: a short record, a line in between (an extended address record, a blank
//! line), or a jump in the addresses (which starts a new run anyway).

/// From `offset` on, records of `len` bytes on consecutive lines starting at `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    offset: u64,
    line: u64,
    len: u64,
}

/// The line of every byte of a run (see the module docs). Built by appending records in
/// file order, each right after the previous one in the run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SourceLines {
    steps: Vec<Step>,
    /// Line and length of the last record appended.
    last_line: u64,
    last_len: u64,
    /// Bytes mapped so far.
    end: u64,
}

impl SourceLines {
    /// An empty map.
    pub(crate) fn new() -> SourceLines {
        SourceLines::default()
    }

    /// Appends a record of `len` (> 0) bytes read from `line`.
    #[inline]
    pub(crate) fn push(&mut self, len: usize, line: u64) {
        let len = len as u64;
        let continues = self.steps.last().is_some_and(|s| {
            s.len == len && self.last_len == len && self.last_line.checked_add(1) == Some(line)
        });
        if !continues {
            self.steps.push(Step {
                offset: self.end,
                line,
                len,
            });
        }
        self.last_line = line;
        self.last_len = len;
        self.end += len;
    }

    /// The line of the record that wrote the byte at `offset` in the run, `None` past the
    /// bytes mapped.
    pub(crate) fn line_at(&self, offset: u64) -> Option<u64> {
        if offset >= self.end {
            return None;
        }
        let i = self.steps.partition_point(|s| s.offset <= offset);
        let step = self.steps[i.checked_sub(1)?];
        Some(step.line + (offset - step.offset) / step.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain model: one entry per byte.
    fn check(records: &[(usize, u64)]) {
        let mut map = SourceLines::new();
        let mut model = Vec::new();
        for &(len, line) in records {
            map.push(len, line);
            model.extend(std::iter::repeat_n(line, len));
        }
        for (offset, &line) in model.iter().enumerate() {
            assert_eq!(map.line_at(offset as u64), Some(line), "offset {offset}");
        }
        assert_eq!(map.line_at(model.len() as u64), None);
    }

    #[test]
    fn regular_records_take_one_step() {
        let records: Vec<(usize, u64)> = (0..1000).map(|i| (16, 3 + i)).collect();
        check(&records);
        let mut map = SourceLines::new();
        for (len, line) in records {
            map.push(len, line);
        }
        assert_eq!(map.steps.len(), 1);
    }

    #[test]
    fn breaks_in_the_pattern_start_steps() {
        // A short record, a line in between, a longer record, the same line twice (a
        // record split by a segment wrap), lines going backwards.
        check(&[
            (16, 2),
            (16, 3),
            (5, 4),
            (16, 5),
            (16, 7),
            (16, 8),
            (32, 9),
            (32, 10),
            (3, 11),
            (13, 11),
            (16, 12),
            (1, 1),
            (1, 2),
        ]);
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_byte_model(
            records in proptest::collection::vec((1usize..40, 0u64..3), 0..60),
        ) {
            let mut line = 1;
            let records: Vec<(usize, u64)> = records
                .into_iter()
                .map(|(len, step)| {
                    line += step;
                    (len, line)
                })
                .collect();
            check(&records);
        }
    }
}
