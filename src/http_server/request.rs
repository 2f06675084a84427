//! Reading one request head off a socket, within a size and a time limit. Parsing is
//! httparse's (the parser under hyper); this file only bounds what it is given.

use std::io::Read;
use std::net::TcpStream;
use std::time::Instant;

use super::Limits;

/// Headers beyond this count are refused like an oversized head.
const MAX_HEADERS: usize = 64;

/// A request head: method, target and headers, as the client sent them.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target, such as `/guide/index.html?x=1`.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(super) enum HeadError {
    /// The head is larger than [`Limits::max_head_bytes`] or has too many headers.
    TooLarge,
    Malformed,
    /// The client closed the connection, or did not finish the head in time.
    Gone,
}

/// Reads until the head is complete. Returns it with whatever body bytes came along.
pub(super) fn read_head(
    mut stream: &TcpStream,
    limits: &Limits,
) -> Result<(Request, Vec<u8>), HeadError> {
    let deadline = Instant::now() + limits.head_timeout;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(HeadError::Gone);
        }
        let room = limits
            .max_head_bytes
            .saturating_sub(buf.len())
            .min(chunk.len());
        if room == 0 {
            return Err(HeadError::TooLarge);
        }
        match stream.read(&mut chunk[..room]) {
            Ok(0) | Err(_) => return Err(HeadError::Gone),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let request = Request {
                    method: parsed.method.unwrap_or_default().to_string(),
                    target: parsed.path.unwrap_or_default().to_string(),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                };
                return Ok((request, buf.split_off(len)));
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
            Err(_) => return Err(HeadError::Malformed),
        }
    }
}
