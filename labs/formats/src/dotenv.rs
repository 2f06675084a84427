//! A small `.env` parser: `KEY=value` lines, optional `export `, comments, single or double
//! quotes. It keeps line numbers and whether a comment documents each variable, because the
//! rules report `file:line` and ask for documented defaults.

/// One `KEY=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub key: String,
    pub value: String,
    /// 1-based line number.
    pub line: usize,
    /// A comment line directly above, or a trailing comment, explains the variable.
    pub documented: bool,
}

use crate::LineError;

fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parse a whole file. The first error stops parsing: later lines may depend on it.
pub fn parse(text: &str) -> Result<Vec<EnvVar>, LineError> {
    let mut vars = Vec::new();
    let mut comment_above = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            comment_above = false;
            continue;
        }
        if trimmed.starts_with('#') {
            comment_above = true;
            continue;
        }
        let body = trimmed
            .strip_prefix("export ")
            .unwrap_or(trimmed)
            .trim_start();
        let Some((key, rest)) = body.split_once('=') else {
            return Err(LineError::at(
                line,
                format!("expected KEY=value, found {trimmed:?}"),
            ));
        };
        let key = key.trim_end();
        if !valid_key(key) {
            return Err(LineError::at(
                line,
                format!("{key:?} is not a valid variable name (letters, digits, _)"),
            ));
        }
        let (value, trailing_comment) =
            parse_value(rest).map_err(|message| LineError::at(line, message))?;
        vars.push(EnvVar {
            key: key.to_string(),
            value,
            line,
            documented: comment_above || trailing_comment,
        });
        comment_above = false;
    }
    Ok(vars)
}

/// The value part after `=`: returns the value and whether a trailing `# comment` followed.
fn parse_value(rest: &str) -> Result<(String, bool), String> {
    let rest = rest.trim();
    let after_quote = |close: usize, quoted: &str| -> Result<bool, String> {
        let tail = quoted[close + 1..].trim();
        if tail.is_empty() {
            Ok(false)
        } else if tail.starts_with('#') {
            Ok(true)
        } else {
            Err(format!("unexpected text after the closing quote: {tail:?}"))
        }
    };
    if let Some(inner) = rest.strip_prefix('\'') {
        let close = inner
            .find('\'')
            .ok_or("single quote is never closed (values cannot span lines)")?;
        let comment = after_quote(close + 1, rest)?;
        return Ok((inner[..close].to_string(), comment));
    }
    if let Some(inner) = rest.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    let comment = after_quote(i + 1, rest)?;
                    return Ok((value, comment));
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => break,
                },
                c => value.push(c),
            }
        }
        return Err("double quote is never closed (values cannot span lines)".into());
    }
    // Unquoted: a `#` after whitespace starts a comment.
    match rest.find(" #").or_else(|| rest.find("\t#")) {
        Some(pos) => Ok((rest[..pos].trim_end().to_string(), true)),
        None if rest.starts_with('#') => Ok((String::new(), true)),
        None => Ok((rest.to_string(), false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_forms() {
        let text = "# where the service listens\nPORT=8080\n\nexport DATA_DIR=\"./data\" # notes live here\nAPI_TOKEN=\nNAME='a # b'\n";
        let vars = parse(text).unwrap();
        let got: Vec<(&str, &str, usize, bool)> = vars
            .iter()
            .map(|v| (v.key.as_str(), v.value.as_str(), v.line, v.documented))
            .collect();
        assert_eq!(
            got,
            vec![
                ("PORT", "8080", 2, true),
                ("DATA_DIR", "./data", 4, true),
                ("API_TOKEN", "", 5, false),
                ("NAME", "a # b", 6, false),
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("A=1\nnot a var\n").unwrap_err().line, Some(2));
        assert_eq!(parse("A=\"open\n").unwrap_err().line, Some(1));
        assert_eq!(parse("1A=x").unwrap_err().line, Some(1));
    }
}
