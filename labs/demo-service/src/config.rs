//! Configuration comes only from the environment (twelve-factor style): no config file,
//! no paths baked in. Every variable is listed here with its default.

use std::path::PathBuf;

/// The service's settings, read once at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PORT` (default 8080): the TCP port to listen on.
    pub port: u16,
    /// `BIND` (default 0.0.0.0): the address to listen on.
    pub bind: String,
    /// `DATA_DIR` (required): where notes are stored. Created when missing.
    pub data_dir: PathBuf,
    /// `API_TOKEN` (optional): when set, writes need `Authorization: Bearer <token>`.
    pub api_token: Option<String>,
    /// `METRICS` (default off): `1`/`true`/`yes`/`on` serves Prometheus metrics on /metrics.
    pub metrics: bool,
    /// `START_DELAY_MS` (default 0): how long start-up takes before the port is opened, the
    /// way a real service loads its state first; a readiness check has something to wait for.
    pub start_delay_ms: u64,
    /// `STOP_DELAY_MS` (default 0): how long shutting down takes after SIGTERM, the way a
    /// real service finishes its requests and flushes its state first; it keeps answering
    /// meanwhile, so a supervisor that returns before the process is gone can be told apart.
    pub stop_delay_ms: u64,
}

/// The help text printed for `--help` and on configuration errors.
pub const USAGE: &str =
    "demo-service: a small notes service, configured only through the environment

  PORT       TCP port to listen on (default 8080)
  BIND       address to listen on (default 0.0.0.0)
  DATA_DIR   directory for stored notes (required; created when missing)
  API_TOKEN  when set, PUT/DELETE need 'Authorization: Bearer <token>'
  METRICS    1/true/yes/on serves Prometheus metrics on /metrics (default off)
  START_DELAY_MS  milliseconds of start-up before the port opens (default 0, at most 60000)
  STOP_DELAY_MS   milliseconds it goes on serving after SIGTERM before it exits (default 0)

Endpoints: GET /healthz, GET /notes, GET|PUT|DELETE /notes/<key>, GET /metrics";

impl Config {
    /// Read the configuration through `lookup` (the process environment in production, a map
    /// in tests). Errors say which variable is wrong and how to fix it.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let port = match lookup("PORT") {
            None => 8080,
            Some(raw) => raw
                .trim()
                .parse::<u16>()
                .map_err(|_| format!("PORT={raw:?} is not a port number (1-65535)"))?,
        };
        let data_dir = match lookup("DATA_DIR") {
            Some(dir) if !dir.trim().is_empty() => PathBuf::from(dir),
            _ => return Err("DATA_DIR is not set: point it at a writable directory".into()),
        };
        let metrics = match lookup("METRICS").as_deref().map(str::trim) {
            None | Some("") => false,
            Some(v) if ["1", "true", "yes", "on"].contains(&v.to_ascii_lowercase().as_str()) => {
                true
            }
            Some(v) if ["0", "false", "no", "off"].contains(&v.to_ascii_lowercase().as_str()) => {
                false
            }
            Some(v) => return Err(format!("METRICS={v:?}: use 1 or 0")),
        };
        let start_delay_ms = millis(&lookup, "START_DELAY_MS")?;
        let stop_delay_ms = millis(&lookup, "STOP_DELAY_MS")?;
        Ok(Config {
            port,
            start_delay_ms,
            stop_delay_ms,
            bind: lookup("BIND").unwrap_or_else(|| "0.0.0.0".into()),
            data_dir,
            api_token: lookup("API_TOKEN").filter(|t| !t.is_empty()),
            metrics,
        })
    }
}

/// A delay in milliseconds, 0 to 60000, from the variable `name` (0 when unset).
fn millis(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<u64, String> {
    match lookup(name) {
        None => Ok(0),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms <= 60_000)
            .ok_or_else(|| format!("{name}={raw:?}: use milliseconds, 0 to 60000")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_and_data_dir_is_required() {
        let c = cfg(&[("DATA_DIR", "/tmp/x")]).unwrap();
        assert_eq!(
            (c.port, c.bind.as_str(), c.metrics),
            (8080, "0.0.0.0", false)
        );
        assert!(cfg(&[]).unwrap_err().contains("DATA_DIR"));
    }

    #[test]
    fn bad_values_are_named() {
        assert!(
            cfg(&[("DATA_DIR", "d"), ("PORT", "http")])
                .unwrap_err()
                .contains("PORT")
        );
        assert!(
            cfg(&[("DATA_DIR", "d"), ("METRICS", "maybe")])
                .unwrap_err()
                .contains("METRICS")
        );
        assert!(cfg(&[("DATA_DIR", "d"), ("METRICS", "1")]).unwrap().metrics);
        assert!(
            cfg(&[("DATA_DIR", "d"), ("START_DELAY_MS", "soon")])
                .unwrap_err()
                .contains("START_DELAY_MS")
        );
        assert!(cfg(&[("DATA_DIR", "d"), ("START_DELAY_MS", "3600000")]).is_err());
        assert_eq!(
            cfg(&[("DATA_DIR", "d"), ("START_DELAY_MS", "250")])
                .unwrap()
                .start_delay_ms,
            250
        );
        assert!(
            cfg(&[("DATA_DIR", "d"), ("STOP_DELAY_MS", "-1")])
                .unwrap_err()
                .contains("STOP_DELAY_MS")
        );
        assert_eq!(
            cfg(&[("DATA_DIR", "d"), ("STOP_DELAY_MS", "400")])
                .unwrap()
                .stop_delay_ms,
            400
        );
    }
}
