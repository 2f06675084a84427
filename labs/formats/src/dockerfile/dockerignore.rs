//! `.dockerignore` semantics, as the builder applies them: one pattern per line,
//! `#` comments, `!` re-includes, the last matching pattern wins, and a pattern that
//! matches a directory excludes everything under it.

use regex::Regex;

struct Pattern {
    regex: Regex,
    include: bool,
    /// 1-based line in the .dockerignore file.
    line: usize,
}

pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

impl DockerIgnore {
    pub fn parse(text: &str) -> DockerIgnore {
        // Windows editors (PowerShell's `Out-File`, Notepad) start the file with a
        // byte-order mark; left in place it would glue itself to the first pattern.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let patterns = text
            .lines()
            .enumerate()
            .map(|(n, l)| (n + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|(line_no, line)| {
                let (include, pattern) = match line.strip_prefix('!') {
                    Some(rest) => (true, rest.trim()),
                    None => (false, line),
                };
                let cleaned = clean(pattern);
                if cleaned.is_empty() {
                    return None;
                }
                Regex::new(&glob_to_regex(&cleaned))
                    .ok()
                    .map(|regex| Pattern {
                        regex,
                        include,
                        line: line_no,
                    })
            })
            .collect();
        DockerIgnore { patterns }
    }

    /// True when `path` (relative to the build context, `/`-separated) is left out of
    /// the build context.
    pub fn excludes(&self, path: &str) -> bool {
        self.decision(path).0
    }

    /// Whether `path` is excluded, and the line of the pattern that decided it (none
    /// when no pattern matches, so the path is sent).
    pub fn decision(&self, path: &str) -> (bool, Option<usize>) {
        let path = clean(path);
        let mut decision = (false, None);
        for pattern in &self.patterns {
            // A pattern matching the path itself or one of its parent directories applies.
            let mut candidates = vec![path.as_str()];
            candidates.extend(path.match_indices('/').map(|(i, _)| &path[..i]));
            if candidates.iter().any(|c| pattern.regex.is_match(c)) {
                decision = (!pattern.include, Some(pattern.line));
            }
        }
        decision
    }
}

/// Drop leading `/` and `./`, collapse `//` and `.` parts, drop a trailing `/`.
fn clean(path: &str) -> String {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Go's `filepath.Match` syntax plus `**`, as moby's patternmatcher compiles it.
fn glob_to_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                if chars.get(i + 1) == Some(&'/') {
                    out.push_str("(.*/)?");
                    i += 1;
                } else {
                    out.push_str(".*");
                }
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '[' => {
                let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
                match close {
                    Some(close) if close > i + 1 => {
                        let mut class: String = chars[i + 1..close].iter().collect();
                        if let Some(rest) = class.strip_prefix('^') {
                            class = format!("^{}", rest.replace('\\', "\\\\"));
                        } else {
                            class = class.replace('\\', "\\\\");
                        }
                        out.push('[');
                        out.push_str(&class);
                        out.push(']');
                        i = close;
                    }
                    _ => out.push_str("\\["),
                }
            }
            '\\' if i + 1 < chars.len() => {
                i += 1;
                out.push_str(&regex::escape(&chars[i].to_string()));
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    out.push('$');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_pattern() {
        let ignore = DockerIgnore::parse("\u{feff}.env\r\nnode_modules\r\n");
        assert!(ignore.excludes(".env"));
        assert!(ignore.excludes("node_modules/x"));
    }

    #[test]
    fn directories_exclude_their_contents() {
        let ignore = DockerIgnore::parse("# vcs\n.git/\n/target\n");
        assert!(ignore.excludes(".git"));
        assert!(ignore.excludes(".git/config"));
        assert!(ignore.excludes("target/release/app"));
        assert!(!ignore.excludes("src/.git"));
        assert!(!ignore.excludes("Dockerfile"));
    }

    #[test]
    fn stars_stay_within_one_directory_unless_doubled() {
        let ignore = DockerIgnore::parse("*.pem\n**/.env\nsecrets/*\n");
        assert!(ignore.excludes("server.pem"));
        assert!(!ignore.excludes("certs/server.pem"));
        assert!(ignore.excludes(".env"));
        assert!(ignore.excludes("config/dev/.env"));
        assert!(ignore.excludes("secrets/db.txt"));
    }

    #[test]
    fn the_last_matching_pattern_wins() {
        let ignore = DockerIgnore::parse(".env*\n!.env.example\n");
        assert!(ignore.excludes(".env"));
        assert!(ignore.excludes(".env.local"));
        assert!(!ignore.excludes(".env.example"));
        let undone = DockerIgnore::parse(".env\n# oops\n!.env\n");
        assert_eq!(undone.decision(".env"), (false, Some(3)));
        assert_eq!(undone.decision("other"), (false, None));
        let everything = DockerIgnore::parse("*\n!demo-service\n");
        assert!(everything.excludes(".git") && everything.excludes(".env"));
        assert!(!everything.excludes("demo-service"));
    }

    #[test]
    fn classes_and_escapes() {
        let ignore = DockerIgnore::parse("id_[rd]sa*\nfile\\*name\n[unclosed\n");
        assert!(ignore.excludes("id_rsa.pub"));
        assert!(ignore.excludes("id_dsa"));
        assert!(ignore.excludes("file*name"));
        assert!(!ignore.excludes("fileXname"));
        assert!(ignore.excludes("[unclosed"));
    }
}
