//! Table-driven hex decoding and encoding shared by the text formats.

use crate::diagnostic::{show_byte, ParseErrorKind};

/// Value of each ASCII hex digit (either case), 0xFF for every other byte.
static DECODE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Value of each pair of ASCII characters read as a little-endian `u16` (first character
/// in the low byte): the byte they encode, or 0x100 if either is not a hex digit. One
/// lookup per byte keeps the decoding loop branch-free.
static PAIRS: [u16; 65536] = {
    let mut t = [0x100u16; 65536];
    let mut i = 0;
    while i < 65536 {
        let hi = DECODE[i & 0xFF];
        let lo = DECODE[i >> 8];
        if hi != 0xFF && lo != 0xFF {
            t[i] = ((hi as u16) << 4) | lo as u16;
        }
        i += 1;
    }
    t
};

/// Upper-case digit pair of each byte value.
pub(crate) static ENCODE: [[u8; 2]; 256] = {
    let digits = b"0123456789ABCDEF";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [digits[i >> 4], digits[i & 15]];
        i += 1;
    }
    t
};

/// Decodes `digits` (an even or odd number of characters) into `out`.
///
/// Returns the number of bytes written, or the 0-based index of the offending character
/// and what is wrong with it. An invalid character is reported before an odd digit count.
/// `out` must hold `digits.len() / 2` bytes.
pub(crate) fn decode(digits: &[u8], out: &mut [u8]) -> Result<usize, (usize, ParseErrorKind)> {
    let pairs = digits.chunks_exact(2);
    let odd = pairs.remainder();
    let n = digits.len() / 2;
    let mut bad = 0u16;
    for (o, p) in out[..n].iter_mut().zip(pairs) {
        let v = PAIRS[u16::from_le_bytes([p[0], p[1]]) as usize];
        bad |= v;
        *o = v as u8;
    }
    if bad & 0x100 != 0 || !odd.is_empty() {
        return Err(diagnose(digits));
    }
    Ok(n)
}

/// The exact error of a digit string that did not decode: the first invalid character,
/// else the odd digit count.
fn diagnose(digits: &[u8]) -> (usize, ParseErrorKind) {
    first_invalid(digits).unwrap_or((digits.len(), ParseErrorKind::OddDigitCount))
}

/// Index and description of the first non-hex character in `digits`, if any.
pub(crate) fn first_invalid(digits: &[u8]) -> Option<(usize, ParseErrorKind)> {
    digits
        .iter()
        .position(|&c| DECODE[c as usize] == 0xFF)
        .map(|i| (i, invalid(digits[i])))
}

fn invalid(c: u8) -> ParseErrorKind {
    ParseErrorKind::InvalidCharacter {
        found: show_byte(c),
    }
}

/// Appends the upper-case hex digits of `b` to `out` at `*at`.
#[inline(always)]
pub(crate) fn put(out: &mut [u8], at: &mut usize, b: u8) {
    out[*at..*at + 2].copy_from_slice(&ENCODE[b as usize]);
    *at += 2;
}
