//! Words → index terms. The browser side (`themes/default/js/search.js`) splits a query the
//! same way, so the two must agree: lowercase, runs of letters and digits, no stop words.

use std::borrow::Cow;
use std::sync::OnceLock;

/// Words too common to help find a page; leaving them out keeps the index small. The list is
/// the English stop words of lunr/elasticlunr (what mdBook's search uses), except `from`, which
/// readers of a container workshop search for as the Dockerfile instruction.
pub const STOP_WORDS: &[&str] = &[
    "a", "able", "about", "across", "after", "all", "almost", "also", "am", "among", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "but", "by", "can", "cannot", "could",
    "dear", "did", "do", "does", "either", "else", "ever", "every", "for", "get", "got", "had",
    "has", "have", "he", "her", "hers", "him", "his", "how", "however", "i", "if", "in", "into",
    "is", "it", "its", "just", "least", "let", "like", "likely", "may", "me", "might", "most",
    "must", "my", "neither", "no", "nor", "not", "of", "off", "often", "on", "only", "or", "other",
    "our", "own", "rather", "said", "say", "says", "she", "should", "since", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "tis", "to", "too",
    "twas", "us", "wants", "was", "we", "were", "what", "when", "where", "which", "while", "who",
    "whom", "why", "will", "with", "would", "yet", "you", "your",
];

/// Longer tokens are rarely typed (hashes, base64) and only bloat the index.
pub const MAX_TERM_CHARS: usize = 24;

/// The longest stop word: longer words skip the lookup (most words of a technical text).
const LONGEST_STOP_WORD: usize = 7;

pub fn is_stop_word(word: &str) -> bool {
    // Compared as integers: a word of up to 8 bytes packs into one u64 (called ~2 million
    // times on a 1,000-page book, where string comparisons showed up in profiles).
    static PACKED: OnceLock<Vec<u64>> = OnceLock::new();
    if word.len() > LONGEST_STOP_WORD {
        return false;
    }
    let packed = PACKED.get_or_init(|| {
        let mut words: Vec<u64> = STOP_WORDS.iter().map(|w| pack(w)).collect();
        words.sort_unstable();
        words
    });
    packed.binary_search(&pack(word)).is_ok()
}

/// The bytes of a word of at most 8 bytes as one integer (zero-padded; no word has a NUL).
fn pack(word: &str) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[..word.len()].copy_from_slice(word.as_bytes());
    u64::from_le_bytes(bytes)
}

/// Calls `f` with each index term of `text`, in order, repeats included. Words already in
/// lowercase (most of them) are passed as slices of `text`, without copying.
pub fn for_each_term<'a>(text: &'a str, mut f: impl FnMut(Cow<'a, str>)) {
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let term = if word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            Cow::Borrowed(word)
        } else {
            Cow::Owned(word.chars().flat_map(char::to_lowercase).collect())
        };
        if keep(&term) {
            f(term);
        }
    }
}

fn keep(word: &str) -> bool {
    let chars = if word.is_ascii() {
        word.len()
    } else {
        word.chars().count()
    };
    let all_digits = word.bytes().all(|b| b.is_ascii_digit());
    // Single letters and long numbers (ports, versions, ids) make noise, not answers.
    (2..=MAX_TERM_CHARS).contains(&chars) && !(all_digits && chars > 4) && !is_stop_word(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            STOP_WORDS.iter().map(|w| w.len()).max(),
            Some(LONGEST_STOP_WORD)
        );
    }

    #[test]
    fn splits_lowercases_and_drops_noise() {
        let mut got = Vec::new();
        for_each_term(
            "The Dockerfile's FROM debian:12 — a x 1234567 Überblick",
            |t| got.push(t.into_owned()),
        );
        assert_eq!(got, ["dockerfile", "from", "debian", "12", "überblick"]);
    }
}
