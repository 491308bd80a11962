//! Output buffering with a writer thread, so that encoding text and the kernel's copy of
//! it into the page cache run at the same time (the copy is the largest cost of writing a
//! big HEX file). Memory stays bounded at a few chunk buffers.

use std::io::{self, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

/// Size of the buffers handed to the writer thread.
pub(crate) const CHUNK: usize = 1 << 20;
const QUEUED: usize = 3;

/// Where encoders append their bytes: they encode straight into the current chunk.
pub(crate) struct Sink {
    buf: Vec<u8>,
    used: usize,
    tx: SyncSender<(Vec<u8>, usize)>,
    free: Receiver<Vec<u8>>,
}

fn new_buffer() -> Vec<u8> {
    vec![0; CHUNK + MAX_PIECE]
}

/// The largest piece an encoder may ask for at once.
pub(crate) const MAX_PIECE: usize = 4096;

impl Sink {
    /// A writable slice of at least `n` (<= [`MAX_PIECE`]) bytes at the end of the output;
    /// call [`Sink::commit`] with how many were written.
    #[inline]
    pub(crate) fn space(&mut self, n: usize) -> &mut [u8] {
        debug_assert!(n <= MAX_PIECE);
        &mut self.buf[self.used..self.used + n]
    }

    /// Keeps `n` bytes written into [`Sink::space`]; hands a full chunk to the writer.
    #[inline]
    pub(crate) fn commit(&mut self, n: usize) -> io::Result<()> {
        self.used += n;
        if self.used >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> io::Result<()> {
        let next = self.free.try_recv().unwrap_or_else(|_| new_buffer());
        let full = std::mem::replace(&mut self.buf, next);
        let used = std::mem::take(&mut self.used);
        self.tx
            .send((full, used))
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
    let (tx, rx) = sync_channel::<(Vec<u8>, usize)>(QUEUED);
    let (free_tx, free_rx): (Sender<Vec<u8>>, Receiver<Vec<u8>>) = channel();
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> io::Result<()> {
            let mut out = out;
            for (buf, used) in rx {
                out.write_all(&buf[..used])?;
                let _ = free_tx.send(buf);
            }
            out.flush()
        });
        let mut sink = Sink {
            buf: new_buffer(),
            used: 0,
            tx,
            free: free_rx,
        };
        let produced =
            produce(&mut sink).and_then(|()| if sink.used == 0 { Ok(()) } else { sink.send() });
        drop(sink);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("output writer panicked")));
        written.and(produced)
    })
}
