//! Output buffering with a writer thread, so that encoding text and the kernel's copy of
//! it into the page cache run at the same time (the copy is the largest cost of writing a
//! big HEX file). Memory stays bounded at a few chunk buffers.

use std::io::{self, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

/// Size of the buffers handed to the writer thread.
pub(crate) const CHUNK: usize = 1 << 20;
const QUEUED: usize = 3;

/// Where encoders append their bytes.
pub(crate) struct Sink {
    buf: Vec<u8>,
    tx: SyncSender<Vec<u8>>,
    free: Receiver<Vec<u8>>,
}

impl Sink {
    /// Appends bytes; hands a full buffer to the writer thread.
    #[inline]
    pub(crate) fn push(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> io::Result<()> {
        let next = self
            .free
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK + 4096));
        let full = std::mem::replace(&mut self.buf, next);
        self.tx
            .send(full)
            .map_err(|_| io::Error::other("output writer stopped"))
    }
}

/// Runs `produce` with a [`Sink`] whose bytes are written to `out` by a second thread, in
/// order. Returns the first error of either side (the writer's, if it failed).
pub(crate) fn pipelined<W, F>(out: W, produce: F) -> io::Result<()>
where
    W: Write + Send,
    F: FnOnce(&mut Sink) -> io::Result<()>,
{
    let (tx, rx) = sync_channel::<Vec<u8>>(QUEUED);
    let (free_tx, free_rx): (Sender<Vec<u8>>, Receiver<Vec<u8>>) = channel();
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> io::Result<()> {
            let mut out = out;
            for mut buf in rx {
                out.write_all(&buf)?;
                buf.clear();
                let _ = free_tx.send(buf);
            }
            out.flush()
        });
        let mut sink = Sink {
            buf: Vec::with_capacity(CHUNK + 4096),
            tx,
            free: free_rx,
        };
        let produced = produce(&mut sink).and_then(|()| {
            if sink.buf.is_empty() {
                Ok(())
            } else {
                sink.send()
            }
        });
        drop(sink);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("output writer panicked")));
        written.and(produced)
    })
}
