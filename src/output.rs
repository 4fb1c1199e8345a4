//! The one redaction point of every output: stdout, stderr and every
//! report file are written through a [`Redacting`] writer holding the run's
//! secrets, so that a new output cannot forget to redact.
//!
//! Decisions, and why:
//! - **Line-buffered.** A secret is redacted whole only if the writer sees
//!   it whole: the writer holds text back until a line ends (or a flush),
//!   so a secret split over two `write` calls is still found. Faces write
//!   whole blocks anyway; a line is the smallest unit a terminal shows.
//! - **Every encoding.** The [`Redactor`] finds a secret raw, percent-,
//!   JSON-, XML- or base64-encoded, and in the escaped form
//!   [`crate::report::visible`] gives it: the writer redacts the bytes as
//!   written, after every renderer's own escaping.
//! - **Never split.** Text is held back whole until its line ends: writing
//!   part of a long line early could cut a secret in two and let its first
//!   half out. What is held is at most what a renderer wrote in one go,
//!   text it already held in memory.
//! - **Errors are the caller's.** A closed pipe (`| head`) surfaces as an
//!   error of `write`; faces stop writing quietly.

use crate::redact::Redactor;
use std::io::{self, Write};
use std::sync::Arc;

/// A writer that redacts every secret from what passes through it.
pub struct Redacting<W: Write> {
    /// `None` once given back by [`Redacting::into_inner`].
    inner: Option<W>,
    redactor: Arc<Redactor>,
    pending: Vec<u8>,
}

impl<W: Write> Redacting<W> {
    pub fn new(inner: W, redactor: Arc<Redactor>) -> Redacting<W> {
        Redacting {
            inner: Some(inner),
            redactor,
            pending: Vec::new(),
        }
    }

    /// The redactor, for a writer to another output of the same run.
    pub fn redactor(&self) -> &Arc<Redactor> {
        &self.redactor
    }

    fn write_out(&mut self, upto: usize) -> io::Result<()> {
        let text: Vec<u8> = self.pending.drain(..upto).collect();
        match &mut self.inner {
            Some(w) => w.write_all(&self.redactor.apply_bytes(&text)),
            None => Ok(()),
        }
    }

    /// Write everything held back and give the inner writer back.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        self.inner
            .take()
            .ok_or_else(|| io::Error::other("the writer was given back already"))
    }
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.write_out(end + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.write_out(self.pending.len())?;
        }
        match &mut self.inner {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write> Drop for Redacting<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Write a report file through the redacting writer, its folder created;
/// the error names the file.
pub fn write_file(
    path: &std::path::Path,
    text: &str,
    redactor: &Arc<Redactor>,
) -> Result<(), crate::error::Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let fail =
        |e: io::Error| crate::error::Error::io(format!("cannot write {}: {e}", path.display()));
    let file = std::fs::File::create(path).map_err(fail)?;
    let mut w = Redacting::new(io::BufWriter::new(file), redactor.clone());
    w.write_all(text.as_bytes()).map_err(fail)?;
    w.flush().map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_across_writes_and_encodings() {
        let r = Arc::new(Redactor::new([
            "s3cr3t-Tok".to_owned(),
            "a\u{1}bcd".to_owned(),
            "ab/cd~ef+SECq".to_owned(),
        ]));
        // (writes, must not appear in the output)
        let rows: &[(&[&str], &str)] = &[
            (&["x s3cr3t-Tok y\n"], "s3cr3t-Tok"),
            (&["x s3cr", "3t-Tok y\n"], "s3cr3t-Tok"),
            (&["x s3cr", "3t-Tok"], "s3cr3t-Tok"),
            (&["{\"v\":\"s3cr3t-Tok\"}\n"], "s3cr3t-Tok"),
            (&["a\\x01bcd\n"], "a\\x01bcd"),
            (
                &["warning: /ab~1cd~0ef+SECq: undocumented\n"],
                "ab~1cd~0ef+SECq",
            ),
        ];
        for (writes, absent) in rows {
            let mut w = Redacting::new(Vec::new(), r.clone());
            for part in *writes {
                w.write_all(part.as_bytes()).unwrap();
            }
            let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
            assert!(!out.contains(absent), "{writes:?}: {out}");
            assert!(out.contains("***"), "{writes:?}: {out}");
        }
    }
}
