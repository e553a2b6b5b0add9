//! The connections a server holds open, and the clients it turns away.
//!
//! Invariant: the accept thread never waits on a client. A connection it
//! takes is registered in [`OpenConnections`] (a clone of its stream) before
//! its thread starts, so that stopping can shut every one of them down: a
//! read or write blocked on a client then returns at once, and dropping the
//! [`Server`](super::Server) does not wait for any client's deadline. A
//! connection beyond the cap is [`TurnedAway`]: a fixed `503` written without
//! blocking, and what the client sends meanwhile read only when it has
//! already arrived.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The open connections: a clone of each one's stream, by id. Their number
/// is what the cap counts. The lock is held for a push, a removal or a
/// sweep of `shutdown` calls, none of which waits on a client.
pub(super) struct OpenConnections {
    streams: Mutex<Vec<(u64, TcpStream)>>,
    max: usize,
}

impl OpenConnections {
    pub(super) fn new(max: usize) -> Arc<OpenConnections> {
        Arc::new(OpenConnections { streams: Mutex::new(Vec::new()), max })
    }

    fn streams(&self) -> MutexGuard<'_, Vec<(u64, TcpStream)>> {
        // Nothing panics while holding it; a poisoned list is still whole.
        crate::lock::lock(&self.streams)
    }

    /// Registers `stream` as connection `id` and returns its slot, unless
    /// the cap is reached (or the stream cannot be cloned: out of file
    /// descriptors), in which case the client should be turned away.
    pub(super) fn enter(self: &Arc<Self>, id: u64, stream: &TcpStream) -> Option<ConnectionSlot> {
        let mut streams = self.streams();
        if streams.len() >= self.max {
            return None;
        }
        streams.push((id, stream.try_clone().ok()?));
        Some(ConnectionSlot { open: self.clone(), id })
    }

    /// Shuts every open connection down, in both directions: its thread's
    /// blocked read returns end-of-file, its blocked write an error.
    pub(super) fn shut_all_down(&self) {
        for (_, stream) in self.streams().iter() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// One connection's place among the open ones, held by its thread: dropping
/// it (also when building the answer panics) frees the place.
pub(super) struct ConnectionSlot {
    open: Arc<OpenConnections>,
    id: u64,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut streams = self.open.streams();
        if let Some(at) = streams.iter().position(|(id, _)| *id == self.id) {
            streams.swap_remove(at);
        }
    }
}

/// How long a client turned away is kept open, its bytes discarded.
const LINGER: Duration = Duration::from_secs(1);
/// At most this many are kept; beyond, the oldest is closed.
const MAX_LINGERING: usize = 64;

/// Clients answered `503`, kept open for [`LINGER`] so that bytes they are
/// still sending are read and discarded. Closed at once, a socket with
/// unread bytes answers with a reset, and a client may see the reset instead
/// of the `503`. Polled by the accept loop with non-blocking reads only.
pub(super) struct TurnedAway {
    answer: Vec<u8>,
    lingering: VecDeque<(TcpStream, Instant)>,
}

impl TurnedAway {
    /// Turns clients away with `answer`, the whole of a short response.
    pub(super) fn new(answer: Vec<u8>) -> TurnedAway {
        TurnedAway { answer, lingering: VecDeque::new() }
    }

    /// Writes the answer without waiting, and keeps the stream a moment.
    pub(super) fn turn_away(&mut self, stream: TcpStream) {
        if stream.set_nonblocking(true).is_err() {
            return; // closed on drop: the client sees the connection end
        }
        // A fresh connection's send buffer is empty: it takes a short
        // answer whole, or the client is gone and there is no one to tell.
        let _ = (&stream).write(&self.answer);
        let _ = stream.shutdown(Shutdown::Write);
        if self.lingering.len() >= MAX_LINGERING {
            self.lingering.pop_front();
        }
        self.lingering.push_back((stream, Instant::now() + LINGER));
    }

    /// Discards what the lingering clients have sent, and closes those that
    /// closed, failed, or had their moment.
    pub(super) fn poll(&mut self) {
        let now = Instant::now();
        self.lingering.retain(|(stream, until)| now < *until && still_open(stream));
    }
}

/// Reads and discards what has arrived, without waiting: false once the
/// client has closed its side or the connection failed.
fn still_open(mut stream: &TcpStream) -> bool {
    let mut sink = [0u8; 4096];
    // Bounded: a client that sends fast cannot keep the accept thread here.
    for _ in 0..4 {
        match stream.read(&mut sink) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    true
}
