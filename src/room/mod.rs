//! `devoops room`: the instructor's board. Participants' checkers report each run to the
//! join URL; the board shows every participant × lab live, offline, on the instructor's
//! laptop.
//!
//! The flow is one way: `http` reads a request → `routes` checks who may do what →
//! `report` validates a body → `store` commits it to SQLite → `board` updates the
//! in-memory views → `live` publishes a frame to every open board over SSE.

mod board;
mod http;
mod live;
mod rate_limit;
mod report;
mod routes;
mod store;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;

use crate::error::Result;

pub use report::MAX_BODY;
pub use store::FILE_NAME as DATABASE_FILE;

pub struct RoomOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The folder holding the room's database.
    pub data: PathBuf,
}

/// A room that is up: the addresses to hand out.
pub struct Started {
    /// For participants' checkers (`--report`); carries the room code.
    pub join_url: String,
    /// For the instructor; carries the instructor key.
    pub board_url: String,
    /// For the projector: counts only.
    pub projector_url: String,
    pub database: PathBuf,
    /// Reports already stored when the room started.
    pub reports: u64,
}

/// Opens the database, rebuilds the board from it and starts listening. The room runs on
/// background threads until the process ends.
pub fn start(options: &RoomOptions) -> Result<Started> {
    let store = store::Store::open(&options.data)?;
    let secrets = store.secrets()?;
    let mut board = board::Board::default();
    for stored in store.all()? {
        board.apply(&stored.report, stored.received_ms);
    }
    let reports = board.reports();
    let database = store.path().to_path_buf();

    let room = routes::Room::new(store::Writer::start(store), board, secrets.clone());
    let bound = http::start(SocketAddr::new(options.bind, options.port), MAX_BODY, room)?;

    let here = SocketAddr::new(local_ip(bound.ip()), bound.port());
    let join_host = if bound.ip().is_unspecified() {
        SocketAddr::new(lan_ip().unwrap_or(here.ip()), bound.port())
    } else {
        here
    };
    Ok(Started {
        join_url: format!("http://{join_host}/r/{}", secrets.room_code),
        board_url: format!("http://{here}/board/{}", secrets.instructor_key),
        projector_url: format!("http://{join_host}/"),
        database,
        reports,
    })
}

/// The address to open on this machine: a wildcard bind is reachable on loopback.
fn local_ip(ip: IpAddr) -> IpAddr {
    if ip.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        ip
    }
}

/// This machine's address on the LAN, for the join URL when serving every interface: the
/// source address the system would use to reach a documentation-only address. A UDP
/// `connect` sends nothing, so this works offline as long as the network has a route.
fn lan_ip() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}
