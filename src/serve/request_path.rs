//! From the URL of a request to the site path of a file in memory, refusing anything that
//! could name a file outside the site.
//!
//! The site lives in a map keyed by site path, so no request can reach the disk at all; the
//! checks here are the second wall. They are strict on purpose: a preview server has no
//! reason to accept `.`/`..` segments, backslashes, control bytes or encodings that decode
//! to them, so those are refused with 400 instead of being "normalised" into something that
//! might mean something else to another layer.

/// Longer request targets are refused; the longest page path of a real book is far shorter.
pub const MAX_URL_LEN: usize = 2048;

/// Why a request target was refused (becomes the body of a 400 response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPath(pub &'static str);

/// The site path (`labs/01-tarball.html`) a request target (`/labs/01-tarball.html?x#y`)
/// asks for. A target ending in `/` asks for that folder's `index.html`.
pub fn site_path(target: &str) -> Result<String, BadPath> {
    if target.len() > MAX_URL_LEN {
        return Err(BadPath("the request target is too long"));
    }
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let Some(path) = path.strip_prefix('/') else {
        return Err(BadPath(
            "the request target must be a path starting with `/`",
        ));
    };
    let decoded = percent_decode(path)?;
    let decoded = String::from_utf8(decoded)
        .map_err(|_| BadPath("the path is not valid UTF-8 after percent-decoding"))?;
    if decoded.chars().any(|c| c == '\\' || c.is_control()) {
        return Err(BadPath("the path holds a backslash or a control character"));
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => {}
            "." | ".." => return Err(BadPath("`.` and `..` segments are not allowed")),
            s => segments.push(s),
        }
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        segments.push("index.html");
    }
    Ok(segments.join("/"))
}

/// Decodes `%XX` escapes once. A `%` not followed by two hex digits is refused rather than
/// passed through, so no second decoding anywhere could turn it into something else.
fn percent_decode(text: &str) -> Result<Vec<u8>, BadPath> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(BadPath("a `%` is not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_paths() {
        assert_eq!(site_path("/").unwrap(), "index.html");
        assert_eq!(site_path("/intro.html").unwrap(), "intro.html");
        assert_eq!(site_path("/labs/").unwrap(), "labs/index.html");
        assert_eq!(site_path("/a%20b.html?x=1#top").unwrap(), "a b.html");
        assert_eq!(site_path("//css//main.css").unwrap(), "css/main.css");
        assert_eq!(site_path("/caf%C3%A9.html").unwrap(), "café.html");
    }

    #[test]
    fn refused_paths() {
        for bad in [
            "/../x",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E%2e%2Fx",
            "/.%2e/x",
            "/./x",
            "/..\\x",
            "/..%5cx",
            "/x%00.html",
            "/%c0%ae%c0%ae/x",
            "/%",
            "/%zz",
            "x.html",
            "http://host/x",
            "*",
        ] {
            assert!(site_path(bad).is_err(), "{bad} should be refused");
        }
        assert!(site_path(&format!("/{}", "a".repeat(MAX_URL_LEN))).is_err());
    }

    #[test]
    fn double_encoding_stays_a_literal_name() {
        // `%252e` decodes once to the three characters `%2e`: a file name, not a dot segment.
        assert_eq!(site_path("/%252e%252e/x").unwrap(), "%2e%2e/x");
    }
}
