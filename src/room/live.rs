//! Live updates: the latest board views as ready-to-send text, a generation number, and
//! a publisher thread that rebuilds them when reports arrive.
//!
//! Reports can arrive a hundred a second; boards do not need that many frames. The
//! publisher waits a moment after the first new report and builds one frame for all that
//! came in meanwhile. Each event stream waits on its own connection thread for the next
//! generation and sends only the newest frame, so a board that reads slowly skips frames
//! instead of holding up the others.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long the publisher gathers reports into one frame.
const COALESCE: Duration = Duration::from_millis(150);

/// One published pair of views.
#[derive(Clone, Default)]
pub struct Frame {
    pub generation: u64,
    /// The instructor's view (names), as JSON text.
    pub instructor: Arc<String>,
    /// The projector's view (counts only), as JSON text.
    pub projector: Arc<String>,
}

#[derive(Default)]
struct State {
    frame: Frame,
    dirty: bool,
}

#[derive(Default)]
pub struct Live {
    state: Mutex<State>,
    /// Wakes the publisher when `dirty` is set.
    changed: Condvar,
    /// Wakes event streams when a new frame is published.
    published: Condvar,
}

impl Live {
    /// Something changed: publish a new frame soon.
    pub fn touch(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.dirty = true;
        self.changed.notify_one();
    }

    pub fn current(&self) -> Frame {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .frame
            .clone()
    }

    /// Waits up to `timeout` for a frame newer than `seen`; `None` on timeout.
    pub fn next_after(&self, seen: u64, timeout: Duration) -> Option<Frame> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (state, _) = self
            .published
            .wait_timeout_while(state, timeout, |s| s.frame.generation <= seen)
            .unwrap_or_else(|e| e.into_inner());
        (state.frame.generation > seen).then(|| state.frame.clone())
    }

    /// Publishes the views `build` returns, now and after every `touch`, on a thread of its own.
    pub fn start_publisher(
        self: &Arc<Self>,
        build: impl Fn() -> (String, String) + Send + 'static,
    ) {
        self.publish(build());
        let live = self.clone();
        std::thread::Builder::new()
            .name("room-publisher".into())
            .spawn(move || {
                loop {
                    {
                        let state = live.state.lock().unwrap_or_else(|e| e.into_inner());
                        let mut state = live
                            .changed
                            .wait_while(state, |s| !s.dirty)
                            .unwrap_or_else(|e| e.into_inner());
                        state.dirty = false;
                    }
                    std::thread::sleep(COALESCE);
                    // Reports that came in during the pause are in this frame; clear the
                    // flag they set so they do not cause a second, identical one.
                    live.state.lock().unwrap_or_else(|e| e.into_inner()).dirty = false;
                    live.publish(build());
                }
            })
            .expect("cannot start the room's publisher thread");
    }

    fn publish(&self, (instructor, projector): (String, String)) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.frame = Frame {
            generation: state.frame.generation + 1,
            instructor: Arc::new(instructor),
            projector: Arc::new(projector),
        };
        self.published.notify_all();
    }
}
