//! Request metrics in the Prometheus text exposition format (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;

/// Upper bounds (seconds) of the request-duration histogram buckets.
const BUCKETS: [f64; 6] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5];

#[derive(Default)]
pub struct Metrics {
    /// (method, route, status code) → count
    requests: BTreeMap<(String, String, u16), u64>,
    /// cumulative counts per bucket, then +Inf
    bucket_counts: [u64; BUCKETS.len()],
    duration_count: u64,
    duration_sum: f64,
}

/// Escape a label value: backslash, double quote and newline, as the format requires.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn observe(&mut self, method: &str, route: &str, status: u16, seconds: f64) {
        *self
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.bucket_counts[i] += 1;
            }
        }
        self.duration_count += 1;
        self.duration_sum += seconds;
    }

    pub fn render(&self, notes_stored: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP demo_build_info Version of the running demo service.\n");
        out.push_str("# TYPE demo_build_info gauge\n");
        let _ = writeln!(
            out,
            "demo_build_info{{version=\"{}\"}} 1",
            escape_label(env!("CARGO_PKG_VERSION"))
        );
        out.push_str(
            "# HELP demo_http_requests_total HTTP requests served, by route and status.\n",
        );
        out.push_str("# TYPE demo_http_requests_total counter\n");
        for ((method, route, status), count) in &self.requests {
            let _ = writeln!(
                out,
                "demo_http_requests_total{{method=\"{}\",route=\"{}\",code=\"{status}\"}} {count}",
                escape_label(method),
                escape_label(route)
            );
        }
        out.push_str("# HELP demo_http_request_duration_seconds Time spent serving requests.\n");
        out.push_str("# TYPE demo_http_request_duration_seconds histogram\n");
        for (bound, count) in BUCKETS.iter().zip(self.bucket_counts) {
            let _ = writeln!(
                out,
                "demo_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "demo_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            self.duration_count
        );
        let _ = writeln!(
            out,
            "demo_http_request_duration_seconds_sum {}",
            self.duration_sum
        );
        let _ = writeln!(
            out,
            "demo_http_request_duration_seconds_count {}",
            self.duration_count
        );
        out.push_str("# HELP demo_notes_stored Notes currently stored in DATA_DIR.\n");
        out.push_str("# TYPE demo_notes_stored gauge\n");
        let _ = writeln!(out, "demo_notes_stored {notes_stored}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_inf_bucket_equals_count() {
        let mut m = Metrics::default();
        m.observe("GET", "/healthz", 200, 0.002);
        m.observe("GET", "/a\"b", 404, 2.0);
        let text = m.render(0);
        assert!(text.contains("le=\"+Inf\"} 2\n"));
        assert!(text.contains("_count 2\n"));
        assert!(text.contains("route=\"/a\\\"b\""));
    }
}
