//! Postings as text: variable-length base-64 digits, safe inside a JavaScript string.
//!
//! Each posting `(doc, field)` becomes one number, `(gap - 1) * 4 + field`, where `gap` is the
//! distance from the previous doc of the same term (the first counts from -1). Numbers are
//! written five bits per digit, low bits first; a digit ≥ 32 means "more digits follow". A term
//! found in consecutive sections thus costs one character per section.

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the postings (ascending doc numbers, field 1..=3) to `out`.
pub fn postings(hits: impl Iterator<Item = (u32, u32)>, out: &mut String) {
    let mut previous: i64 = -1;
    for (doc, field) in hits {
        let gap = i64::from(doc) - previous;
        debug_assert!(gap >= 1 && (1..=3).contains(&field));
        previous = i64::from(doc);
        push_number(((gap - 1) as u64) << 2 | u64::from(field), out);
    }
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

/// The inverse of [`postings`] (the browser's `decode` in search.js does the same).
pub fn decode_postings(text: &str) -> Vec<(u32, u32)> {
    let mut result = Vec::new();
    let (mut n, mut shift, mut previous) = (0u64, 0u32, -1i64);
    for c in text.bytes() {
        let digit = DIGITS
            .iter()
            .position(|&d| d == c)
            .expect("a base-64 digit") as u64;
        n |= (digit & 31) << shift;
        if digit >= 32 {
            shift += 5;
            continue;
        }
        let doc = previous + 1 + (n >> 2) as i64;
        result.push((doc as u32, (n & 3) as u32));
        previous = doc;
        n = 0;
        shift = 0;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_small_and_large_gaps() {
        let hits = vec![(0, 1), (1, 3), (2, 2), (40, 1), (100_000, 3), (100_001, 1)];
        let mut text = String::new();
        postings(hits.iter().copied(), &mut text);
        assert_eq!(
            &text[..3],
            "BDC",
            "consecutive sections cost one digit each"
        );
        assert_eq!(decode_postings(&text), hits);
    }
}
