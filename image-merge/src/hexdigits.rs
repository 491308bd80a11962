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
    let mut n = 0;
    for (k, p) in pairs.enumerate() {
        let hi = DECODE[p[0] as usize];
        let lo = DECODE[p[1] as usize];
        if (hi | lo) & 0xF0 != 0 {
            let (i, c) = if hi & 0xF0 != 0 { (0, p[0]) } else { (1, p[1]) };
            return Err((2 * k + i, invalid(c)));
        }
        out[k] = (hi << 4) | lo;
        n = k + 1;
    }
    if let [c] = odd {
        if DECODE[*c as usize] == 0xFF {
            return Err((digits.len() - 1, invalid(*c)));
        }
        return Err((digits.len(), ParseErrorKind::OddDigitCount));
    }
    Ok(n)
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
