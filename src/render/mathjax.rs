//! `[output.html] mathjax-support`: MathJax is shipped with the site instead of loaded from a
//! CDN, so formulas render offline. The single-file SVG build needs no fonts; see
//! themes/mathjax/README.md for where it comes from.

/// MathJax 3's TeX → SVG component.
const SCRIPT: &[u8] = include_bytes!("../../themes/mathjax/tex-svg.js");
const LICENSE: &[u8] = include_bytes!("../../themes/mathjax/LICENSE");

/// Read by MathJax before it starts: no context menu (its speech tools would load more files),
/// and mdBook's delimiters, which are MathJax's defaults.
const CONFIG: &str = "window.MathJax = {\n  options: { enableMenu: false },\n  \
                      tex: { inlineMath: [['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']] },\n  \
                      svg: { fontCache: 'global' }\n};\n";

/// The files of `mathjax/` in the site.
pub fn files() -> [(String, Vec<u8>); 3] {
    [
        ("mathjax/config.js".into(), CONFIG.as_bytes().to_vec()),
        ("mathjax/tex-svg.js".into(), SCRIPT.to_vec()),
        ("mathjax/LICENSE".into(), LICENSE.to_vec()),
    ]
}
