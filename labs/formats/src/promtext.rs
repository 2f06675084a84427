//! A validator for the Prometheus text exposition format (version 0.0.4), written by hand
//! because the crates around either drop labels containing `=` or carry an incompatible
//! licence.
//!
//! It checks what a scrape would reject or silently misread: `# HELP`/`# TYPE` syntax and
//! placement, one contiguous group of lines per metric family, metric and label names,
//! label-value escaping (`\\`, `\"`, `\n` only), values and timestamps, duplicate series,
//! and for histograms: an `le="+Inf"` bucket per series, cumulative buckets, and
//! `+Inf` bucket == `_count`.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::LineError;

/// A metric family as declared and sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub name: String,
    pub kind: String,
    pub help: Option<String>,
    pub samples: usize,
}

#[derive(Debug, Default)]
pub struct Exposition {
    pub families: Vec<Family>,
    /// What a scrape would reject or misread, each on its line.
    pub problems: Vec<LineError>,
}

const KINDS: &[&str] = &["counter", "gauge", "histogram", "summary", "untyped"];

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ if s
            .chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
        {
            None
        }
        _ => s.parse::<f64>().ok(),
    }
}

/// One parsed sample line.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// Parse `name{labels} value [timestamp]`.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err(format!("{name:?} is not a valid metric name"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let (parsed, remaining) = parse_labels(after)?;
        labels = parsed;
        rest = remaining;
    }
    if !rest.starts_with([' ', '\t']) {
        return Err("expected a space before the value".into());
    }
    let mut fields = rest.split_whitespace();
    let raw_value = fields.next().ok_or("the sample has no value")?;
    let value = parse_value(raw_value).ok_or_else(|| format!("{raw_value:?} is not a number"))?;
    if let Some(ts) = fields.next()
        && ts.parse::<i64>().is_err()
    {
        return Err(format!("timestamp {ts:?} is not an integer (milliseconds)"));
    }
    if let Some(extra) = fields.next() {
        return Err(format!(
            "unexpected {extra:?} after the value and timestamp"
        ));
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

/// Parse `a="x",b="y"}` and return the labels and what follows the `}`.
/// Label pairs in the order written.
type Labels = Vec<(String, String)>;

fn parse_labels(mut s: &str) -> Result<(Labels, &str), String> {
    let mut labels: Labels = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((labels, rest));
        }
        let eq = s.find('=').ok_or("a label needs name=\"value\"")?;
        let name = s[..eq].trim();
        if !is_label_name(name) {
            return Err(format!("{name:?} is not a valid label name"));
        }
        if name.starts_with("__") {
            return Err(format!(
                "label names starting with __ are reserved ({name})"
            ));
        }
        if labels.iter().any(|(n, _)| n == name) {
            return Err(format!("label {name} appears twice"));
        }
        let after_eq = s[eq + 1..].trim_start();
        let body = after_eq
            .strip_prefix('"')
            .ok_or_else(|| format!("the value of label {name} must be in double quotes"))?;
        let mut value = String::new();
        let mut chars = body.char_indices();
        let close = loop {
            match chars.next() {
                None => return Err(format!("the value of label {name} is never closed")),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => {
                        return Err(format!(
                            "label {name}: \\{c} is not a valid escape (only \\\\, \\\" and \\n)"
                        ));
                    }
                    None => return Err(format!("the value of label {name} is never closed")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        labels.push((name.to_string(), value));
        s = body[close + 1..].trim_start();
        if let Some(rest) = s.strip_prefix(',') {
            s = rest;
        } else if !s.starts_with('}') {
            return Err("expected , or } after a label".into());
        }
    }
}

/// The family a sample belongs to, given the declared types.
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix)
            && matches!(
                types.get(base).map(String::as_str),
                Some("histogram") | Some("summary")
            )
            && !(suffix == "_bucket" && types.get(base).map(String::as_str) == Some("summary"))
        {
            return base;
        }
    }
    name
}

/// Series key: the labels without `le`, sorted.
fn series_key(labels: &[(String, String)]) -> Vec<(String, String)> {
    let mut key: Vec<_> = labels.iter().filter(|(n, _)| n != "le").cloned().collect();
    key.sort();
    key
}

#[derive(Default)]
struct HistogramSeries {
    buckets: Vec<(f64, f64, usize)>, // (le, value, line)
    count: Option<(f64, usize)>,
}

/// Validate a whole exposition.
pub fn validate(text: &str) -> Exposition {
    let mut out = Exposition::default();
    let mut problem =
        |line: usize, message: String| out.problems.push(LineError::at(line, message));
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helps: HashMap<String, String> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut samples: BTreeMap<String, usize> = BTreeMap::new();
    let mut closed: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut seen_series: HashSet<(String, Vec<(String, String)>)> = HashSet::new();
    let mut histograms: BTreeMap<(String, Vec<(String, String)>), HistogramSeries> =
        BTreeMap::new();

    // Entering family `name`: it must not have been left already.
    let mut enter = |name: &str,
                     line: usize,
                     current: &mut Option<String>,
                     problem: &mut dyn FnMut(usize, String)| {
        if current.as_deref() != Some(name) {
            if let Some(prev) = current.take() {
                closed.insert(prev);
            }
            if closed.contains(name) {
                problem(
                    line,
                    format!(
                        "lines of metric {name} are not grouped together: a family must be one contiguous block"
                    ),
                );
            }
            *current = Some(name.to_string());
        }
    };

    if !text.is_empty() && !text.ends_with('\n') {
        problem(
            text.lines().count(),
            "the last line must end with a newline".into(),
        );
    }
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim_matches(|c| c == ' ' || c == '\t');
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, [' ', '\t']);
            let keyword = words.next().unwrap_or("");
            if keyword != "HELP" && keyword != "TYPE" {
                continue; // an ordinary comment
            }
            let Some(name) = words.next().filter(|n| !n.is_empty()) else {
                problem(line, format!("# {keyword} needs a metric name"));
                continue;
            };
            if !is_metric_name(name) {
                problem(line, format!("{name:?} is not a valid metric name"));
                continue;
            }
            let rest = words.next().unwrap_or("").trim();
            enter(name, line, &mut current, &mut problem);
            if keyword == "HELP" {
                if helps.contains_key(name) {
                    problem(line, format!("second # HELP for {name}"));
                }
                if let Some(bad) = bad_help_escape(rest) {
                    problem(
                        line,
                        format!("# HELP {name}: \\{bad} is not a valid escape (only \\\\ and \\n)"),
                    );
                }
                helps.insert(name.to_string(), rest.to_string());
            } else {
                if !KINDS.contains(&rest) {
                    problem(
                        line,
                        format!(
                            "# TYPE {name} {rest:?}: the type must be one of {}",
                            KINDS.join(", ")
                        ),
                    );
                    continue;
                }
                if types.contains_key(name) {
                    problem(line, format!("second # TYPE for {name}"));
                }
                if samples.get(name).copied().unwrap_or(0) > 0 {
                    problem(
                        line,
                        format!("# TYPE {name} comes after samples of {name}; it must come first"),
                    );
                }
                types.insert(name.to_string(), rest.to_string());
            }
            if !order.iter().any(|n| n == name) {
                order.push(name.to_string());
            }
            continue;
        }
        let sample = match parse_sample(trimmed) {
            Ok(sample) => sample,
            Err(message) => {
                problem(line, message);
                continue;
            }
        };
        let family = family_of(&sample.name, &types).to_string();
        enter(&family, line, &mut current, &mut problem);
        if !order.contains(&family) {
            order.push(family.clone());
        }
        *samples.entry(family.clone()).or_default() += 1;
        let key = series_key(&sample.labels);
        let le = sample
            .labels
            .iter()
            .find(|(n, _)| n == "le")
            .map(|(_, v)| v.clone());
        let identity = (sample.name.clone(), {
            let mut all = sample.labels.clone();
            all.sort();
            all
        });
        if !seen_series.insert(identity) {
            problem(
                line,
                format!("duplicate sample for {} with the same labels", sample.name),
            );
        }
        let kind = types.get(&family).map(String::as_str).unwrap_or("untyped");
        if kind == "counter" && sample.value < 0.0 {
            problem(line, format!("counter {} is negative", sample.name));
        }
        if kind == "histogram" {
            let series = histograms.entry((family.clone(), key)).or_default();
            if sample.name.ends_with("_bucket") {
                match le.as_deref().map(parse_value) {
                    Some(Some(bound)) => series.buckets.push((bound, sample.value, line)),
                    Some(None) => problem(
                        line,
                        format!(
                            "{}: le={:?} is not a number",
                            sample.name,
                            le.unwrap_or_default()
                        ),
                    ),
                    None => problem(line, format!("{} has no le label", sample.name)),
                }
            } else if sample.name.ends_with("_count") {
                series.count = Some((sample.value, line));
            } else if !sample.name.ends_with("_sum") {
                problem(
                    line,
                    format!(
                        "{} is not a histogram sample (_bucket, _sum or _count)",
                        sample.name
                    ),
                );
            }
        }
    }

    for ((family, labels), series) in &histograms {
        let where_ = if labels.is_empty() {
            family.clone()
        } else {
            let l: Vec<String> = labels.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
            format!("{family}{{{}}}", l.join(","))
        };
        let first_line = series
            .buckets
            .first()
            .map(|b| b.2)
            .or(series.count.map(|c| c.1))
            .unwrap_or(1);
        let inf = series
            .buckets
            .iter()
            .find(|b| b.0.is_infinite() && b.0 > 0.0);
        match (inf, series.count) {
            (None, _) => problem(
                first_line,
                format!("histogram {where_} has no le=\"+Inf\" bucket"),
            ),
            (Some(_), None) => problem(
                first_line,
                format!("histogram {where_} has no _count sample"),
            ),
            (Some(&(_, inf_value, line)), Some((count, _))) if inf_value != count => problem(
                line,
                format!(
                    "histogram {where_}: the +Inf bucket ({inf_value}) must equal _count ({count})"
                ),
            ),
            _ => {}
        }
        let mut sorted = series.buckets.clone();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in sorted.windows(2) {
            if pair[1].1 < pair[0].1 {
                problem(
                    pair[1].2,
                    format!(
                        "histogram {where_}: buckets must be cumulative, but le={} holds {} after le={} held {}",
                        pair[1].0, pair[1].1, pair[0].0, pair[0].1
                    ),
                );
            }
        }
    }

    out.problems.sort_by_key(|p| p.line);
    out.families = order
        .into_iter()
        .map(|name| Family {
            kind: types
                .get(&name)
                .cloned()
                .unwrap_or_else(|| "untyped".into()),
            help: helps.get(&name).cloned(),
            samples: samples.get(&name).copied().unwrap_or(0),
            name,
        })
        .collect();
    out
}

/// The first invalid escape in a HELP text, if any.
fn bad_help_escape(text: &str) -> Option<char> {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\') | Some('n') => {}
                Some(other) => return Some(other),
                None => return Some(' '),
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        validate(text)
            .problems
            .into_iter()
            .map(|p| format!("{}: {}", p.line.unwrap_or_default(), p.message))
            .collect()
    }

    #[test]
    fn a_valid_exposition_passes() {
        let text = "# HELP up Whether up.\n# TYPE up gauge\nup{job=\"a\\\"b\",path=\"C:\\\\x\"} 1\n\
# TYPE req histogram\nreq_bucket{le=\"0.1\"} 1\nreq_bucket{le=\"+Inf\"} 3\nreq_sum 0.5\nreq_count 3\n\
# TYPE hits_total counter\nhits_total 5 1700000000000\n";
        assert_eq!(problems(text), Vec::<String>::new());
        let fams = validate(text).families;
        assert_eq!(
            fams.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["up", "req", "hits_total"]
        );
        assert_eq!(fams[1].samples, 4);
    }

    #[test]
    fn histogram_inf_must_equal_count() {
        let text = "# TYPE req histogram\nreq_bucket{le=\"1\"} 1\nreq_bucket{le=\"+Inf\"} 2\nreq_sum 1\nreq_count 3\n";
        assert_eq!(
            problems(text),
            ["3: histogram req: the +Inf bucket (2) must equal _count (3)"]
        );
        let missing = "# TYPE req histogram\nreq_bucket{le=\"1\"} 1\nreq_sum 1\nreq_count 1\n";
        assert!(problems(missing)[0].contains("no le=\"+Inf\" bucket"));
    }

    #[test]
    fn bad_escapes_names_and_grouping_are_found() {
        assert!(problems("a{path=\"C:\\temp\"} 1\n")[0].contains("not a valid escape"));
        assert!(problems("a{x=unquoted} 1\n")[0].contains("double quotes"));
        assert!(problems("1a 1\n")[0].contains("metric name"));
        assert!(problems("a 1\nb 1\na{x=\"1\"} 2\n")[0].contains("grouped together"));
        assert!(problems("a 1\n# TYPE a gauge\n")[0].contains("must come first"));
        assert!(problems("# TYPE a gauges\n")[0].contains("type must be one of"));
        assert!(problems("a one\n")[0].contains("not a number"));
        assert!(problems("a 1")[0].contains("newline"));
        assert!(problems("a 1\na 2\n")[0].contains("duplicate"));
    }
}
