//! Small lexical helpers shared by the Dockerfile model: splitting arguments into
//! words the way the builder does, expanding `$VAR` / `${VAR}` references, and
//! reading the JSON arrays of the exec form.

/// One whitespace-separated word of an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word exactly as written, quotes and escapes included.
    pub raw: String,
    /// The word with quotes removed and escapes resolved.
    pub text: String,
}

/// Splits `input` into words separated by unquoted whitespace. Single quotes keep
/// everything literally; double quotes and bare text honour the escape character.
/// An unterminated quote simply runs to the end of the input: the builder reports
/// that later, and a checker should still look at what it can.
pub fn split_words(input: &str, escape: char) -> Vec<Word> {
    let mut words = Vec::new();
    let mut raw = String::new();
    let mut text = String::new();
    let mut in_word = false;
    let mut chars = input.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') => {
                raw.push(c);
                if c == '\'' {
                    quote = None;
                } else {
                    text.push(c);
                }
            }
            Some(q) => {
                raw.push(c);
                if c == escape {
                    if let Some(next) = chars.next() {
                        raw.push(next);
                        text.push(next);
                    }
                } else if c == q {
                    quote = None;
                } else {
                    text.push(c);
                }
            }
            None => {
                if c.is_whitespace() {
                    if in_word {
                        words.push(Word {
                            raw: std::mem::take(&mut raw),
                            text: std::mem::take(&mut text),
                        });
                        in_word = false;
                    }
                    continue;
                }
                in_word = true;
                raw.push(c);
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    if let Some(next) = chars.next() {
                        raw.push(next);
                        text.push(next);
                    }
                } else {
                    text.push(c);
                }
            }
        }
    }
    if in_word {
        words.push(Word { raw, text });
    }
    words
}

/// Expands `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}` using
/// `lookup`. Returns `None` when a referenced variable has no value and no default,
/// so callers can say "cannot tell" instead of guessing.
pub fn expand_vars(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            let close = chars[i + 2..].iter().position(|&c| c == '}')? + i + 2;
            let inner: String = chars[i + 2..close].iter().collect();
            // `NAME`, `NAME:-default`, `NAME-default` (Compose), `NAME:+alt`, `NAME:?error`.
            let split = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            let (name, modifier) = match split {
                Some(pos) => (&inner[..pos], Some(inner[pos..].trim_start_matches(':'))),
                None => (inner.as_str(), None),
            };
            let value = lookup(name).filter(|v| !v.is_empty());
            let expanded = match modifier {
                None => value?,
                Some(m) if m.starts_with('-') => value.unwrap_or_else(|| m[1..].to_string()),
                Some(m) if m.starts_with('+') => {
                    value.map(|_| m[1..].to_string()).unwrap_or_default()
                }
                Some(_) => value?,
            };
            out.push_str(&expanded);
            i = close + 1;
        } else {
            let name: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .collect();
            if name.is_empty() {
                out.push('$');
                i += 1;
                continue;
            }
            out.push_str(&lookup(&name)?);
            i += 1 + name.chars().count();
        }
    }
    Some(out)
}

/// Parses a JSON array of strings (the exec form, `["a", "b"]`) with serde_json, as the
/// builder parses it with a real JSON decoder. Anything else, including an array holding
/// numbers, is `None`: the builder then treats the arguments as shell form, and so do we.
pub fn parse_json_string_array(input: &str) -> Option<Vec<String>> {
    serde_json::from_str(input.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        split_words(input, '\\')
            .into_iter()
            .map(|w| w.text)
            .collect()
    }

    #[test]
    fn splits_on_unquoted_whitespace_and_removes_quotes() {
        assert_eq!(texts("a  b\t c"), ["a", "b", "c"]);
        assert_eq!(
            texts(r#"KEY="two words" X='it''s' Y=a\ b"#),
            ["KEY=two words", "X=its", "Y=a b"]
        );
        assert_eq!(split_words(r#"K="v""#, '\\')[0].raw, r#"K="v""#);
        assert_eq!(texts("'unterminated quote"), ["unterminated quote"]);
        assert!(texts("   ").is_empty());
    }

    #[test]
    fn honours_a_backtick_escape() {
        let words: Vec<String> = split_words("a` b c:\\path", '`')
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(words, ["a b", "c:\\path"]);
    }

    #[test]
    fn expands_variables_with_defaults() {
        let lookup = |name: &str| match name {
            "TAG" => Some("1.2".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(expand_vars("img:$TAG", &lookup).as_deref(), Some("img:1.2"));
        assert_eq!(
            expand_vars("img:${TAG}-slim", &lookup).as_deref(),
            Some("img:1.2-slim")
        );
        assert_eq!(expand_vars("${NOPE:-3}", &lookup).as_deref(), Some("3"));
        assert_eq!(expand_vars("${NOPE-4}", &lookup).as_deref(), Some("4"));
        assert_eq!(expand_vars("${NOPE:?set NOPE}", &lookup), None);
        assert_eq!(expand_vars("${EMPTY:-x}", &lookup).as_deref(), Some("x"));
        assert_eq!(
            expand_vars("a${TAG:+yes}b${NOPE:+no}", &lookup).as_deref(),
            Some("ayesb")
        );
        assert_eq!(expand_vars("$NOPE", &lookup), None);
        assert_eq!(expand_vars("${UNCLOSED", &lookup), None);
        assert_eq!(
            expand_vars("cost $ 5", &lookup).as_deref(),
            Some("cost $ 5")
        );
    }

    #[test]
    fn reads_exec_form_arrays() {
        assert_eq!(
            parse_json_string_array(r#"["a", "b c"]"#),
            Some(vec!["a".into(), "b c".into()])
        );
        assert_eq!(parse_json_string_array("[]"), Some(vec![]));
        assert_eq!(
            parse_json_string_array(r#"["q\"\u0041\n"]"#),
            Some(vec!["q\"A\n".into()])
        );
        assert_eq!(parse_json_string_array("['single']"), None);
        assert_eq!(parse_json_string_array(r#"["a",]"#), None);
        assert_eq!(parse_json_string_array(r#"["a"] trailing"#), None);
        assert_eq!(parse_json_string_array(r#"[1]"#), None);
        assert_eq!(parse_json_string_array(r#"["unterminated"#), None);
        // A character outside the BMP, written as a UTF-16 surrogate pair.
        assert_eq!(
            parse_json_string_array(r#"["\ud83d\ude00"]"#),
            Some(vec!["\u{1f600}".to_string()])
        );
    }
}
