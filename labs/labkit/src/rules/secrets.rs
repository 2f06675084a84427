//! What a secret looks like: by the name of the variable holding it, or by the shape
//! of the value itself. Shared by the Dockerfile and Compose rules.

use std::sync::LazyLock;

use regex::Regex;

/// Name parts that mark a variable as holding a credential.
const SECRET_WORDS: [&str; 9] = [
    "PASSWORD",
    "PASSWD",
    "PASS",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
];

/// `KEY` is a secret unless the name says it is a public key or a key ID
/// (official images set `GPG_KEY` to a public fingerprint).
const PUBLIC_KEY_WORDS: [&str; 5] = ["GPG", "PGP", "PUBLIC", "PUB", "SIGNING"];

/// Words that make a variable a setting about a secret rather than the secret.
const SETTING_WORDS: [&str; 6] = ["ALLOW", "EMPTY", "RANDOM", "LENGTH", "MIN", "MAX"];

/// Suffixes of variables that hold where a secret is, not the secret: the
/// `*_FILE` convention (`DB_PASSWORD_FILE=/run/secrets/db`) is the fix, not the problem.
const POINTER_SUFFIXES: [&str; 3] = ["FILE", "PATH", "DIR"];

/// True when a variable called `name` is meant to hold a credential.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    if parts
        .last()
        .is_some_and(|last| POINTER_SUFFIXES.contains(last))
    {
        return false;
    }
    // `MYSQL_ALLOW_EMPTY_PASSWORD=yes`, `MYSQL_RANDOM_ROOT_PASSWORD=1`,
    // `PASSWORD_MIN_LENGTH`: settings about a password, not one.
    if parts.iter().any(|p| SETTING_WORDS.contains(p)) {
        return false;
    }
    let secret_word = parts.iter().any(|p| SECRET_WORDS.contains(p));
    let secret_key = parts.contains(&"KEY") && !parts.iter().any(|p| PUBLIC_KEY_WORDS.contains(p));
    secret_word || secret_key
}

static SECRET_VALUES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("an AWS access key", r"\bAKIA[0-9A-Z]{16}\b"),
        ("a GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
        ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        ("a Stripe key", r"\b[sr]k_live_[A-Za-z0-9]{10,}"),
        ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        (
            "a URL with a password",
            r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@$][^/\s@]*@",
        ),
        (
            "a JSON Web Token",
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+",
        ),
    ]
    .into_iter()
    .map(|(what, pattern)| {
        (
            what,
            Regex::new(pattern).expect("secret patterns are valid"),
        )
    })
    .collect()
});

/// What kind of secret `value` looks like, if any.
pub fn secret_value_kind(value: &str) -> Option<&'static str> {
    SECRET_VALUES
        .iter()
        .find(|(_, re)| re.is_match(value))
        .map(|(what, _)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for name in [
            "DB_PASSWORD",
            "API_TOKEN",
            "aws_secret_access_key",
            "GITHUB_TOKEN",
            "SECRET_KEY_BASE",
            "API_KEY",
            "db_pass",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PATH",
            "PWD",
            "GPG_KEY",
            "DB_PASSWORD_FILE",
            "TOKEN_PATH",
            "PASSENGER_HOME",
            "KEYBOARD",
            "PORT",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(
            secret_value_kind("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key")
        );
        assert_eq!(
            secret_value_kind("postgres://app:hunter2@db:5432/app"),
            Some("a URL with a password")
        );
        assert_eq!(
            secret_value_kind("glpat-abcdefghijklmnopqrstu"),
            Some("a GitLab token")
        );
        assert_eq!(secret_value_kind("https://example.org/path"), None);
        // A reference to a variable is not the secret itself.
        assert_eq!(
            secret_value_kind("postgres://app:${DB_PASSWORD}@db/app"),
            None
        );
        assert_eq!(secret_value_kind("8080"), None);
    }
}
