//! Postings as text, safe inside a JavaScript string and small once gzipped.
//!
//! A term's postings are the sections it occurs in, each with the best field it occurs in there
//! (1 body, 2 section heading, 3 page title). They are written in two parts:
//!
//! - body hits: when the term is in more than one section in [`BITMAP_DENSITY`], a bitmap over
//!   all sections, `!` then six sections per base-64 digit (first section in the digit's
//!   highest bit, trailing empty digits left out); otherwise the gaps between sections
//!   (`section - previous - 1`, the first counted from -1) as numbers;
//! - then, if any, `.` and the heading and title hits: `gap * 2 + (1 if title)` as numbers.
//!
//! Numbers are written five bits per base-64 digit, low bits first; a digit ≥ 32 means more
//! digits follow. Common words (found in many sections) cost a bit per section, rare ones a
//! digit or two per section. The decoder in `themes/default/js/search.js` mirrors
//! [`decode_postings`].

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Body hits in more than 1 of this many sections are stored as a bitmap.
pub const BITMAP_DENSITY: usize = 8;

pub const BODY: u32 = 1;
pub const HEADING: u32 = 2;
pub const TITLE: u32 = 3;

/// Appends one term's postings: `hits` are `(section, field)` with ascending sections,
/// `sections` the number of sections in the index.
pub fn postings(hits: &[(u32, u32)], sections: usize, out: &mut String) {
    let body: Vec<u32> = hits.iter().filter(|h| h.1 == BODY).map(|h| h.0).collect();
    if body.len() * BITMAP_DENSITY > sections {
        push_bitmap(&body, out);
    } else {
        push_gaps(body.iter().map(|&s| (s, 0)), 1, out);
    }
    let marked: Vec<(u32, u32)> = hits
        .iter()
        .filter(|h| h.1 != BODY)
        .map(|&(s, f)| (s, u32::from(f == TITLE)))
        .collect();
    if !marked.is_empty() {
        out.push('.');
        push_gaps(marked.into_iter(), 2, out);
    }
}

/// Gaps between ascending sections, each times `scale` plus its flag.
fn push_gaps(hits: impl Iterator<Item = (u32, u32)>, scale: u64, out: &mut String) {
    let mut previous: i64 = -1;
    for (section, flag) in hits {
        let gap = (i64::from(section) - previous - 1) as u64;
        previous = i64::from(section);
        push_number(gap * scale + u64::from(flag), out);
    }
}

fn push_bitmap(sections: &[u32], out: &mut String) {
    let last = sections.last().map_or(0, |&s| s as usize / 6 + 1);
    let mut digits = vec![0u8; last];
    for &s in sections {
        digits[s as usize / 6] |= 32 >> (s % 6);
    }
    out.push('!');
    out.extend(digits.into_iter().map(|d| DIGITS[d as usize] as char));
}

fn push_number(mut n: u64, out: &mut String) {
    loop {
        let low = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(DIGITS[low] as char);
            return;
        }
        out.push(DIGITS[low + 32] as char);
    }
}

fn numbers(text: &str) -> Vec<u64> {
    let mut result = Vec::new();
    let (mut n, mut shift) = (0u64, 0u32);
    for c in text.bytes() {
        let digit = digit_value(c);
        n |= (digit & 31) << shift;
        if digit >= 32 {
            shift += 5;
        } else {
            result.push(n);
            (n, shift) = (0, 0);
        }
    }
    result
}

fn digit_value(c: u8) -> u64 {
    DIGITS
        .iter()
        .position(|&d| d == c)
        .expect("a base-64 digit") as u64
}

/// The inverse of [`postings`]: `(section, field)` sorted by section.
pub fn decode_postings(text: &str) -> Vec<(u32, u32)> {
    let (body, marked) = text.split_once('.').unwrap_or((text, ""));
    let mut hits = Vec::new();
    if let Some(bitmap) = body.strip_prefix('!') {
        for (i, c) in bitmap.bytes().enumerate() {
            let digit = digit_value(c);
            for bit in 0..6 {
                if digit & (32 >> bit) != 0 {
                    hits.push(((i * 6 + bit) as u32, BODY));
                }
            }
        }
    } else {
        let mut previous: i64 = -1;
        for gap in numbers(body) {
            previous += gap as i64 + 1;
            hits.push((previous as u32, BODY));
        }
    }
    let mut previous: i64 = -1;
    for n in numbers(marked) {
        previous += (n / 2) as i64 + 1;
        hits.push((previous as u32, if n % 2 == 1 { TITLE } else { HEADING }));
    }
    hits.sort_unstable();
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_terms_round_trip_as_gaps() {
        let hits = vec![
            (0, BODY),
            (1, TITLE),
            (2, HEADING),
            (40, BODY),
            (100_000, TITLE),
        ];
        let mut text = String::new();
        postings(&hits, 200_000, &mut text);
        assert_eq!(&text[..2], "An", "0 and 40 as gaps 0 and 39");
        assert!(text.contains('.'));
        assert_eq!(decode_postings(&text), hits);
    }

    #[test]
    fn dense_terms_round_trip_as_a_bitmap() {
        let hits: Vec<(u32, u32)> = (0..60).filter(|s| s % 3 != 1).map(|s| (s, BODY)).collect();
        let mut text = String::new();
        postings(&hits, 64, &mut text);
        assert!(text.starts_with('!'), "{text}");
        assert_eq!(text.len(), 1 + 10, "six sections per digit");
        assert_eq!(decode_postings(&text), hits);
        let mut with_heading = hits.clone();
        with_heading[5].1 = HEADING;
        let mut text = String::new();
        postings(&with_heading, 64, &mut text);
        assert_eq!(decode_postings(&text), with_heading);
    }
}
