//! Which `Host` headers a server answers. A page on any web site can make a browser send
//! requests to 127.0.0.1 under its own name (DNS rebinding); checking the name the browser
//! thinks it is talking to is what keeps such a page from reading a local preview.

use std::net::IpAddr;

/// The names a server answers to, derived from the address it is bound to.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    bound: IpAddr,
    /// Extra names (such as this machine's host name) accepted on a wildcard bind.
    names: Vec<String>,
}

impl HostPolicy {
    /// Loopback binds answer to loopback names and addresses only; a specific address also
    /// to itself; a wildcard bind (`0.0.0.0`, `::`) to any IP address and to this machine's
    /// host name (with or without `.local`), as a room reaches it.
    pub fn for_bind(bound: IpAddr) -> HostPolicy {
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut names = Vec::new();
        if bound.is_unspecified() {
            #[cfg(unix)]
            {
                let node = rustix::system::uname()
                    .nodename()
                    .to_string_lossy()
                    .to_ascii_lowercase();
                if !node.is_empty() {
                    names.push(format!("{node}.local"));
                    names.push(node);
                }
            }
        }
        HostPolicy { bound, names }
    }

    /// Whether a request with this `Host` header value may be answered.
    pub fn allows(&self, host: &str) -> bool {
        let name = strip_port(host.trim()).to_ascii_lowercase();
        let name = name.trim_end_matches('.');
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        let literal = name.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return ip.is_loopback() || ip == self.bound || self.bound.is_unspecified();
        }
        self.names.iter().any(|n| n == name)
    }
}

/// `example:3000` → `example`, `[::1]:3000` → `[::1]`, `::1` stays as it is.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_binds_answer_only_to_loopback_names() {
        let policy = HostPolicy::for_bind("127.0.0.1".parse().unwrap());
        for ok in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST",
            "app.localhost:1",
            "[::1]:3000",
            "127.0.0.2",
        ] {
            assert!(policy.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "evil.example",
            "192.168.1.5:3000",
            "localhost.evil.example",
            "",
        ] {
            assert!(!policy.allows(bad), "{bad}");
        }
    }

    #[test]
    fn other_binds_add_their_own_address() {
        let lan = HostPolicy::for_bind("192.168.1.5".parse().unwrap());
        assert!(lan.allows("192.168.1.5:3000"));
        assert!(lan.allows("localhost:3000"));
        assert!(!lan.allows("10.0.0.1:3000"));
        assert!(!lan.allows("evil.example"));
        let any = HostPolicy::for_bind("0.0.0.0".parse().unwrap());
        assert!(any.allows("10.0.0.1:3000"));
        assert!(!any.allows("evil.example"));
    }
}
