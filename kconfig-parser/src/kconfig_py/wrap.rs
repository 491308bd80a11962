//! Python's `textwrap.fill(text, width)` with its default settings, which
//! kconfig.py applies to every message it prints itself: the line breaks
//! are part of the output that must match byte for byte.
//!
//! The text is cut into chunks (runs of whitespace, and words split after
//! a hyphen that joins two letters on each side), then the chunks are laid
//! out greedily; a chunk longer than a whole line is cut, at its last
//! hyphen that fits when there is one. Whitespace at the end of every line
//! and at the start of every line but the first is dropped.

/// The whitespace characters textwrap splits on (ASCII only).
fn is_ws(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Python's `\w` (a letter, digit or underscore in any script).
fn is_word(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// textwrap's "letter": a `\w` that is not a decimal digit (`_` counts).
fn is_letter(c: char) -> bool {
    is_word(c) && !is_decimal(c)
}

fn is_decimal(c: char) -> bool {
    crate::eval::parse_int(c.encode_utf8(&mut [0; 4]), 10).is_some()
}

/// textwrap's "word punctuation": `\w` or one of `!"'&.,?`.
fn is_word_punct(c: char) -> bool {
    is_word(c) || matches!(c, '!' | '"' | '\'' | '&' | '.' | ',' | '?')
}

/// Python's `str.expandtabs(8)`.
fn expand_tabs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut col = 0usize;
    for c in text.chars() {
        match c {
            '\t' => {
                let n = 8 - col % 8;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// Cuts `t` (whitespace already turned into spaces) into textwrap's chunks.
fn chunks(t: &[char]) -> Vec<&[char]> {
    let at = |i: usize| t.get(i).copied();
    let letter_at = |i: Option<usize>| i.and_then(at).is_some_and(is_letter);
    // Runs of at least two '-' at `i` followed by a word character.
    let em_dash_at = |i: usize| {
        let mut j = i;
        while at(j) == Some('-') {
            j += 1;
        }
        j - i >= 2 && at(j).is_some_and(is_word)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let start = i;
        if is_ws(t[i]) {
            while i < t.len() && is_ws(t[i]) {
                i += 1;
            }
        } else if i > 0 && is_word_punct(t[i - 1]) && em_dash_at(i) {
            while at(i) == Some('-') {
                i += 1;
            }
        } else {
            // A word: the shortest run of non-space characters (at least
            // one) followed by a joining hyphen (taken along), the end of
            // the word, or an em-dash after word punctuation.
            let mut j = i + 1;
            loop {
                let hyphen = at(j) == Some('-')
                    && ((letter_at(j.checked_sub(2)) && letter_at(j.checked_sub(1)))
                        || (letter_at(j.checked_sub(3))
                            && j >= 2
                            && t[j - 2] == '-'
                            && letter_at(j.checked_sub(1))))
                    && letter_at(Some(j + 1))
                    && (letter_at(Some(j + 2))
                        || (at(j + 2) == Some('-') && letter_at(Some(j + 3))));
                if hyphen {
                    j += 1;
                    break;
                }
                if at(j).is_none_or(is_ws) {
                    break;
                }
                if is_word_punct(t[j - 1]) && em_dash_at(j) {
                    break;
                }
                j += 1;
            }
            i = j;
        }
        out.push(&t[start..i]);
    }
    out
}

fn is_blank(chunk: &[char]) -> bool {
    chunk.iter().all(|&c| crate::eval::py_is_space(c))
}

/// `textwrap.fill(text, width)` with Python's defaults.
pub fn fill(text: &str, width: usize) -> String {
    let t: Vec<char> = expand_tabs(text)
        .chars()
        .map(|c| if is_ws(c) { ' ' } else { c })
        .collect();
    let mut pending: Vec<Vec<char>> = chunks(&t).into_iter().map(<[char]>::to_vec).collect();
    pending.reverse();
    let mut lines: Vec<String> = Vec::new();
    while !pending.is_empty() {
        let mut line: Vec<Vec<char>> = Vec::new();
        let mut len = 0;
        if !lines.is_empty() && pending.last().is_some_and(|c| is_blank(c)) {
            pending.pop();
        }
        while let Some(c) = pending.last() {
            if len + c.len() > width {
                break;
            }
            len += c.len();
            line.extend(pending.pop());
        }
        if let Some(c) = pending.last_mut().filter(|c| c.len() > width) {
            // A chunk longer than a line: cut it to fill this one, after
            // its last hyphen that fits (one not at its very start).
            let space = if width < 1 { 1 } else { width - len };
            let mut end = space;
            if c.len() > space {
                if let Some(h) = c[..space.min(c.len())].iter().rposition(|&x| x == '-') {
                    if h > 0 && c[..h].iter().any(|&x| x != '-') {
                        end = h + 1;
                    }
                }
            }
            let end = end.min(c.len());
            let head: Vec<char> = c.drain(..end).collect();
            line.push(head);
        }
        if line.last().is_some_and(|c| is_blank(c)) {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(line.concat().into_iter().collect());
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn short_text_is_one_line() {
        assert_eq!(fill("warning: a  b", 100), "warning: a  b");
    }

    #[test]
    fn newlines_become_spaces_and_lines_break_at_width() {
        let text = "aaaa bbbb\ncccc dddd";
        assert_eq!(fill(text, 9), "aaaa bbbb\ncccc dddd");
        assert_eq!(fill(text, 10), "aaaa bbbb\ncccc dddd");
        assert_eq!(fill(text, 14), "aaaa bbbb cccc\ndddd");
    }

    #[test]
    fn long_word_is_cut_after_a_hyphen() {
        assert_eq!(fill("abc-defgh-ijk", 8), "abc-\ndefgh-\nijk");
        assert_eq!(fill("abcdefghij", 4), "abcd\nefgh\nij");
    }
}
