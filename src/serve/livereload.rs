//! Live reload over Server-Sent Events.
//!
//! An event stream takes the raw socket (`Connection::into_event_stream`, whose writes never
//! wait), and one broadcaster thread owns every open stream: it writes its own response head,
//! then each event to all of them, and drops a stream as soon as a write fails or cannot
//! complete at once, so a tab that stopped reading never delays the others (its browser
//! reconnects when it wakes). A heartbeat comment every few seconds finds readers that
//! vanished without a word. Each open stream holds one of the server's connections, hence
//! the cap.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// How many live-reload streams may be open at once (browser tabs, across all readers).
pub const MAX_CLIENTS: usize = 64;

/// How often idle streams get a comment line; a vanished reader is dropped within this time.
const HEARTBEAT: Duration = Duration::from_secs(3);

type Stream = Box<dyn Write + Send>;

enum Message {
    /// A new stream, with the first event it should get (`hello`).
    Join(Stream, String),
    Send(String),
    Count(Sender<usize>),
}

/// The handle the HTTP workers and the rebuild loop use to reach the broadcaster thread.
#[derive(Clone)]
pub struct Broadcaster {
    tx: Sender<Message>,
}

impl Broadcaster {
    pub fn start() -> Broadcaster {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("live-reload".into())
            .spawn(move || run(rx, MAX_CLIENTS))
            .expect("cannot start the live-reload thread");
        Broadcaster { tx }
    }

    /// Hands over the socket of a `GET /__devoops/events` request.
    pub fn join(&self, stream: Stream, generation: u64) {
        let _ = self.tx.send(Message::Join(
            stream,
            frame("hello", &generation.to_string()),
        ));
    }

    /// Tells tabs showing one of `paths` (or every tab, for `*`) to reload.
    pub fn reload(&self, generation: u64, paths: &[String]) {
        let data = serde_json::json!({ "generation": generation, "paths": paths });
        let _ = self
            .tx
            .send(Message::Send(frame("reload", &data.to_string())));
    }

    /// Shows `message` as an overlay in every open tab.
    pub fn build_error(&self, message: &str) {
        let data = serde_json::Value::String(message.to_string());
        let _ = self
            .tx
            .send(Message::Send(frame("build-error", &data.to_string())));
    }

    /// The number of open streams (for `/__devoops/status`).
    pub fn clients(&self) -> usize {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(Message::Count(tx)).is_err() {
            return 0;
        }
        rx.recv_timeout(Duration::from_secs(5)).unwrap_or(0)
    }
}

/// One SSE event. `data` must be a single line (JSON is).
fn frame(event: &str, data: &str) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n\r\nretry: 1000\n\n";

const TOO_MANY: &str = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 10\r\nContent-Length: 33\r\nConnection: close\r\n\r\ntoo many live-reload connections\n";

fn run(rx: Receiver<Message>, max_clients: usize) {
    let mut streams: Vec<Stream> = Vec::new();
    loop {
        match rx.recv_timeout(HEARTBEAT) {
            Ok(Message::Join(mut stream, hello)) => {
                if streams.len() >= max_clients {
                    let _ = stream.write_all(TOO_MANY.as_bytes());
                    let _ = stream.flush();
                    continue;
                }
                let greeted = stream
                    .write_all(STREAM_HEAD.as_bytes())
                    .and_then(|()| stream.write_all(hello.as_bytes()))
                    .and_then(|()| stream.flush());
                if greeted.is_ok() {
                    streams.push(stream);
                }
            }
            Ok(Message::Send(event)) => send_to_all(&mut streams, &event),
            Ok(Message::Count(reply)) => {
                // Probe first so the count leaves out readers that are already gone.
                send_to_all(&mut streams, ": count\n\n");
                let _ = reply.send(streams.len());
            }
            Err(RecvTimeoutError::Timeout) => send_to_all(&mut streams, ": ping\n\n"),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Writes `text` to every stream; a stream whose write fails is dropped, which closes it.
fn send_to_all(streams: &mut Vec<Stream>, text: &str) {
    streams.retain_mut(|s| {
        s.write_all(text.as_bytes())
            .and_then(|()| s.flush())
            .is_ok()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    /// A connected pair on loopback: (the server's end, non-blocking as the server makes
    /// event streams, and the client's end).
    fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        (server, client)
    }

    #[test]
    fn a_reader_that_stopped_reading_is_dropped_without_delaying_the_others() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let (stalled, _asleep) = pair(&listener);
        let mut fill = stalled.try_clone().unwrap();
        let (awake, client) = pair(&listener);
        let broadcaster = Broadcaster::start();
        broadcaster.join(Box::new(stalled), 1);
        broadcaster.join(Box::new(awake), 1);
        assert_eq!(broadcaster.clients(), 2);
        // Then the first reader falls asleep and its buffers fill up.
        let filler = vec![b':'; 64 * 1024];
        while fill.write_all(&filler).is_ok() {}
        let started = Instant::now();
        broadcaster.reload(2, &["intro.html".to_string()]);
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut lines = BufReader::new(client).lines();
        let got = lines
            .by_ref()
            .map_while(Result::ok)
            .find(|l| l.starts_with("event: reload"));
        assert!(got.is_some(), "the reading tab got the event");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(broadcaster.clients(), 1, "the stalled reader was dropped");
    }
}
