//! Container image references (`registry:5000/team/app:1.4@sha256:…`) and how firmly
//! they pin what gets pulled. Shared by the Dockerfile, Compose and Kubernetes rules.

/// A reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(reference: &str) -> ImageRef {
        let (rest, digest) = match reference.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (reference, None),
        };
        // A ':' before the last '/' is a registry port, not a tag.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(colon) => {
                let at = last_slash + colon;
                (rest[..at].to_string(), Some(rest[at + 1..].to_string()))
            }
            None => (rest.to_string(), None),
        };
        ImageRef { name, tag, digest }
    }
}

/// How reproducible a pull of this reference is, from best to worst.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinning {
    /// `@sha256:<64 hex>`: always the same bytes.
    Digest,
    /// A tag carrying a version number (`3.12-slim`, `12.8`): moves rarely, if ever.
    VersionTag(String),
    /// A tag that is moved on purpose (`latest`, `stable`, `lts`, `bookworm`, `alpine`).
    FloatingTag(String),
    /// No tag at all, which means `latest`.
    Untagged,
    /// A digest that is not `sha256:` followed by 64 hex digits.
    MalformedDigest(String),
}

impl Pinning {
    pub fn of(image: &ImageRef) -> Pinning {
        if let Some(digest) = &image.digest {
            let valid = digest
                .strip_prefix("sha256:")
                .is_some_and(|hex| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()));
            return if valid {
                Pinning::Digest
            } else {
                Pinning::MalformedDigest(digest.clone())
            };
        }
        match &image.tag {
            None => Pinning::Untagged,
            Some(tag) if is_floating_tag(tag) => Pinning::FloatingTag(tag.clone()),
            Some(tag) => Pinning::VersionTag(tag.clone()),
        }
    }

    /// Good enough to ship: a digest or a version tag.
    pub fn is_pinned(&self) -> bool {
        matches!(self, Pinning::Digest | Pinning::VersionTag(_))
    }

    /// A sentence about `reference` for a check's message.
    pub fn describe(&self, reference: &str) -> String {
        match self {
            Pinning::Digest => {
                format!("`{reference}` is pinned by digest: every pull gets the same bytes")
            }
            Pinning::VersionTag(tag) => format!(
                "`{reference}` is pinned to version tag `{tag}` (a digest, @sha256:…, would make it immutable)"
            ),
            Pinning::FloatingTag(tag) => format!(
                "`{reference}` uses the tag `{tag}`, which is moved to new releases: tomorrow's build gets different bytes"
            ),
            Pinning::Untagged => {
                format!(
                    "`{reference}` has no tag, so it means `latest`: every build may get a different image"
                )
            }
            Pinning::MalformedDigest(digest) => {
                format!(
                    "`{reference}` has digest `{digest}`, which is not sha256: followed by 64 hex digits"
                )
            }
        }
    }
}

/// Whether a version tag names only a major version (`12-slim`, `20-alpine`, `3`): it moves
/// to every point release of that major, so next month's build gets other bytes. A tag with
/// a minor version (`12.8-slim`, `3.12`, `v1.4`) or a date or build number (`20240101`)
/// stays put. Only the first number of the tag counts (`3.12-alpine3.20` names 3.12).
pub fn is_major_only(tag: &str) -> bool {
    let Some(start) = tag.find(|c: char| c.is_ascii_digit()) else {
        return false;
    };
    let version = &tag[start..];
    let major_len = version
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(version.len());
    let has_minor = version[major_len..]
        .strip_prefix('.')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    // Four digits or more is a year, a date or a build number, not a major version.
    !has_minor && major_len < 4
}

/// `latest` and every tag without a version number in it is a pointer that moves:
/// `stable`, `lts`, `current`, `edge`, release codenames like `bookworm`, variants
/// like `alpine` or `slim`.
fn is_floating_tag(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    lower.split(['-', '_', '.']).any(|part| part == "latest")
        || !tag.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(reference: &str) -> Pinning {
        Pinning::of(&ImageRef::parse(reference))
    }

    #[test]
    fn major_only_tags_are_told_from_point_releases() {
        for tag in ["12-slim", "20-alpine", "3", "v2", "18-bookworm"] {
            assert!(is_major_only(tag), "{tag}");
        }
        for tag in [
            "12.8-slim",
            "3.12",
            "v1.4",
            "3.12-alpine3.20",
            "20240101",
            "bookworm-20241111",
            "1.27.3",
        ] {
            assert!(!is_major_only(tag), "{tag}");
        }
    }

    #[test]
    fn splits_registry_port_tag_and_digest() {
        let r = ImageRef::parse("registry.local:5000/team/app:1.4@sha256:abc");
        assert_eq!(r.name, "registry.local:5000/team/app");
        assert_eq!(r.tag.as_deref(), Some("1.4"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(ImageRef::parse("registry.local:5000/app").tag, None);
    }

    #[test]
    fn ranks_pinning() {
        let digest = format!("debian@sha256:{}", "a".repeat(64));
        assert_eq!(pin(&digest), Pinning::Digest);
        assert_eq!(
            pin("python:3.12-slim"),
            Pinning::VersionTag("3.12-slim".into())
        );
        assert_eq!(
            pin("debian:12.8-slim"),
            Pinning::VersionTag("12.8-slim".into())
        );
        for floating in [
            "debian:latest",
            "debian:stable",
            "node:lts-alpine",
            "debian:bookworm-slim",
            "app:latest-1",
        ] {
            assert!(
                matches!(pin(floating), Pinning::FloatingTag(_)),
                "{floating}"
            );
        }
        assert_eq!(pin("debian"), Pinning::Untagged);
        assert!(matches!(
            pin("debian@sha256:123"),
            Pinning::MalformedDigest(_)
        ));
        assert!(pin("a:1").is_pinned() && !pin("a").is_pinned());
    }
}
