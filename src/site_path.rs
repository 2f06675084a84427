//! Paths in the site's namespace: `/`-separated, relative to the site root.

use std::path::Path;

/// Resolves `target` (a `/`-separated relative path) against the folder `base` of the site
/// namespace. `None` when it climbs above the site root.
pub fn resolve(base: &Path, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = base
        .to_str()?
        .split(['/', '\\'])
        .filter(|p| !p.is_empty())
        .collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}
