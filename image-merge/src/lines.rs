//! Buffered line splitting for the text formats.
//!
//! Reads the input in large chunks (memory stays at one buffer whatever the file size) and
//! hands out lines without their terminator: `\n` ends a line, one `\r` right before it is
//! removed (so LF and CRLF files read the same). A lone `\r` stays in the line, where the
//! record parsers reject it with a located error. Lines longer than [`MAX_LINE`] are cut and
//! flagged, so a file without newlines cannot make the buffer grow without bound.

use std::io::{self, Read};

/// Longest line handed out whole; longer ones are flagged (no valid record comes close).
pub(crate) const MAX_LINE: usize = 4096;
const CHUNK: usize = 1 << 20;

/// Reads lines one at a time: [`LineReader::advance`] moves to the next line, whose number,
/// text and overlong flag the accessors give until the next call. (Nothing is returned by
/// value on the hot path, so that no line descriptor is copied around per line.)
pub(crate) struct LineReader<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    line_no: u64,
    skip_rest_of_line: bool,
    /// The current line: where its text is in `buf`, and whether it was cut.
    line_start: usize,
    line_len: usize,
    overlong: bool,
}

impl<R: Read> LineReader<R> {
    pub(crate) fn new(src: R) -> Self {
        LineReader {
            src,
            buf: vec![0; CHUNK + MAX_LINE],
            pos: 0,
            end: 0,
            eof: false,
            line_no: 0,
            skip_rest_of_line: false,
            line_start: 0,
            line_len: 0,
            overlong: false,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end < self.buf.len() {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    // One read per refill is enough unless we still lack a full line.
                    if self.end >= MAX_LINE * 2 {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Moves to the next line; `false` at the end of the input. Borrowing nothing, it lets
    /// a caller skip lines in a loop and then take the text of the one it wants.
    #[inline]
    pub(crate) fn advance(&mut self) -> io::Result<bool> {
        // (start, len, overlong) of the line to return, found without holding a borrow.
        let (start, len, overlong) = loop {
            let avail = &self.buf[self.pos..self.end];
            if self.skip_rest_of_line {
                match memchr::memchr(b'\n', avail) {
                    Some(i) => {
                        self.pos += i + 1;
                        self.skip_rest_of_line = false;
                        continue;
                    }
                    None if self.eof => return Ok(false),
                    None => {
                        self.pos = self.end;
                        self.fill()?;
                        continue;
                    }
                }
            }
            if let Some(i) = memchr::memchr(b'\n', avail) {
                let s = self.pos;
                self.pos += i + 1;
                if i > MAX_LINE {
                    break (s, MAX_LINE, true);
                }
                break (s, i, false);
            }
            if avail.len() >= MAX_LINE {
                let s = self.pos;
                self.pos += MAX_LINE;
                self.skip_rest_of_line = true;
                break (s, MAX_LINE, true);
            }
            if self.eof {
                if avail.is_empty() {
                    return Ok(false);
                }
                let s = self.pos;
                self.pos = self.end;
                break (s, avail.len(), false);
            }
            self.fill()?;
        };
        self.line_no += 1;
        let cr = !overlong && len > 0 && self.buf[start + len - 1] == b'\r';
        self.line_start = start;
        self.line_len = len - cr as usize;
        self.overlong = overlong;
        Ok(true)
    }

    /// 1-based number of the current line.
    #[inline]
    pub(crate) fn number(&self) -> u64 {
        self.line_no
    }

    /// The current line was longer than [`MAX_LINE`]; its text is its first [`MAX_LINE`]
    /// bytes.
    #[inline]
    pub(crate) fn overlong(&self) -> bool {
        self.overlong
    }

    /// The first byte of the current line, `None` if it is empty.
    #[inline]
    pub(crate) fn first_byte(&self) -> Option<u8> {
        (self.line_len > 0).then(|| self.buf[self.line_start])
    }

    /// The text of the current line, without its line terminator.
    #[inline]
    pub(crate) fn text(&self) -> &[u8] {
        &self.buf[self.line_start..self.line_start + self.line_len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        let mut r = LineReader::new(input);
        let mut v = Vec::new();
        while r.advance().unwrap() {
            v.push((r.number(), r.text().to_vec(), r.overlong()));
        }
        v
    }

    #[test]
    fn splits_lf_crlf_and_keeps_lone_cr() {
        let v = all(b"a\r\nb\n\nc\rd\ne");
        let texts: Vec<&[u8]> = v.iter().map(|x| x.1.as_slice()).collect();
        assert_eq!(texts, vec![&b"a"[..], b"b", b"", b"c\rd", b"e"]);
        assert_eq!(v.last().unwrap().0, 5);
    }

    #[test]
    fn overlong_line_is_flagged_and_skipped() {
        let mut input = vec![b'x'; MAX_LINE * 3];
        input.extend_from_slice(b"\nok\n");
        let v = all(&input);
        assert_eq!(v.len(), 2);
        assert!(v[0].2);
        assert_eq!(v[1], (2, b"ok".to_vec(), false));
    }
}
