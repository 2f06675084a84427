//! Just enough XML to judge a resource agent's `meta-data`: well-formedness (balanced tags,
//! quoted attributes, one root) and a tree of elements with their attributes and lines.
//! No namespaces, entities beyond the five predefined ones, or DTD validation.

/// An element with its attributes, children and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub line: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// A well-formedness error with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub message: String,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

/// Parse a document and return its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let line_at = |pos: usize| text[..pos].matches('\n').count() + 1;
    let err = |pos: usize, message: String| XmlError {
        line: line_at(pos),
        message,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut pos = 0;
    while pos < text.len() {
        let rest = &text[pos..];
        let Some(lt) = rest.find('<') else {
            if !rest.trim().is_empty() && stack.is_empty() {
                return Err(err(pos, "text after the root element".into()));
            }
            break;
        };
        let between = &rest[..lt];
        if stack.is_empty() && !between.trim().is_empty() {
            return Err(err(pos, "text outside the root element".into()));
        }
        if let Some(amp) = between.find('&') {
            let entity = &between[amp..];
            let known = ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&#"];
            if !known.iter().any(|k| entity.starts_with(k)) {
                return Err(err(pos + amp, "a bare & must be written &amp;".into()));
            }
        }
        let start = pos + lt;
        let tag = &text[start..];
        let skip_to = |end: &str, what: &str| -> Result<usize, XmlError> {
            tag.find(end)
                .map(|i| start + i + end.len())
                .ok_or_else(|| err(start, format!("{what} is never closed")))
        };
        if tag.starts_with("<?") {
            pos = skip_to("?>", "processing instruction")?;
            continue;
        }
        if tag.starts_with("<!--") {
            pos = skip_to("-->", "comment")?;
            continue;
        }
        if tag.starts_with("<![CDATA[") {
            pos = skip_to("]]>", "CDATA section")?;
            continue;
        }
        if tag.starts_with("<!") {
            pos = skip_to(">", "declaration")?;
            continue;
        }
        let close = tag
            .find('>')
            .ok_or_else(|| err(start, "tag is never closed with >".into()))?;
        let inner = &tag[1..close];
        pos = start + close + 1;
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim();
            let open = stack
                .pop()
                .ok_or_else(|| err(start, format!("</{name}> closes nothing")))?;
            if open.name != name {
                return Err(err(
                    start,
                    format!(
                        "</{name}> closes <{}> opened on line {}",
                        open.name, open.line
                    ),
                ));
            }
            attach(open, &mut stack, &mut root).map_err(|m| err(start, m))?;
            continue;
        }
        let self_closing = inner.ends_with('/');
        let inner = inner.strip_suffix('/').unwrap_or(inner);
        let element = parse_tag(inner, line_at(start)).map_err(|m| err(start, m))?;
        if self_closing {
            attach(element, &mut stack, &mut root).map_err(|m| err(start, m))?;
        } else {
            stack.push(element);
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError {
            line: open.line,
            message: format!("<{}> is never closed", open.name),
        });
    }
    root.ok_or(XmlError {
        line: 1,
        message: "no root element".into(),
    })
}

fn attach(
    element: Element,
    stack: &mut [Element],
    root: &mut Option<Element>,
) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_some() => return Err("a second root element".into()),
        None => *root = Some(element),
    }
    Ok(())
}

/// `name attr="v" other='w'` → an element without children.
fn parse_tag(inner: &str, line: usize) -> Result<Element, String> {
    let inner = inner.trim();
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let name = &inner[..name_end];
    if !is_name(name) {
        return Err(format!("<{name}> is not a valid tag name"));
    }
    let mut attrs = Vec::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("<{name}>: attribute {rest:?} has no value"))?;
        let attr = rest[..eq].trim();
        if !is_name(attr) {
            return Err(format!("<{name}>: {attr:?} is not a valid attribute name"));
        }
        let value_part = rest[eq + 1..].trim_start();
        let quote = value_part
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or_else(|| format!("<{name}>: the value of {attr} must be quoted"))?;
        let end = value_part[1..]
            .find(quote)
            .ok_or_else(|| format!("<{name}>: the value of {attr} is never closed"))?;
        if attrs.iter().any(|(n, _): &(String, String)| n == attr) {
            return Err(format!("<{name}>: attribute {attr} appears twice"));
        }
        attrs.push((attr.to_string(), value_part[1..1 + end].to_string()));
        rest = value_part[end + 2..].trim_start();
    }
    Ok(Element {
        name: name.to_string(),
        attrs,
        children: Vec::new(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_meta_data_document() {
        let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n<resource-agent name=\"notes\">\n<!-- c -->\n<parameters><parameter name=\"port\" required=\"1\"/></parameters>\n<actions><action name=\"start\" timeout=\"20s\" /></actions>\n</resource-agent>\n";
        let root = parse(doc).unwrap();
        assert_eq!(root.attr("name"), Some("notes"));
        assert_eq!(root.line, 3);
        let params = root.child("parameters").unwrap();
        assert_eq!(params.children_named("parameter").count(), 1);
    }

    #[test]
    fn reports_broken_documents_with_lines() {
        assert_eq!(parse("<a>\n<b>\n</a>").unwrap_err().line, 3);
        assert_eq!(
            parse("<a>\n<b>").unwrap_err().message,
            "<b> is never closed"
        );
        assert!(parse("<a x=1/>").unwrap_err().message.contains("quoted"));
        assert!(
            parse("<a/><b/>")
                .unwrap_err()
                .message
                .contains("second root")
        );
        assert!(
            parse("<a>fish & chips</a>")
                .unwrap_err()
                .message
                .contains("&amp;")
        );
        assert!(parse("").is_err());
    }
}
