//! SSE framing of a streamed answer: the response body read chunk by chunk
//! under an idle timeout, each event's size capped, and `sse-stream`
//! turning the bytes into events.
//!
//! The cap counts the bytes since the last blank line (the end of an
//! event), so a hostile server cannot make us buffer an endless line or
//! event. This file knows nothing of either provider's JSON; it must not
//! log the bytes it reads.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sse_stream::{Sse, SseByteStream};

use super::error::LlmError;

/// Why reading the body stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReadError {
    /// No chunk came within the idle timeout.
    #[error("no data within the idle timeout")]
    Timeout,
    /// The connection broke off.
    #[error("the connection broke off")]
    Connection,
    /// An event grew past this many bytes.
    #[error("an event is longer than {0} bytes")]
    TooLong(usize),
}

/// The body of `response` as chunks, each awaited at most `idle`.
pub(crate) fn response_chunks(
    response: reqwest::Response,
    idle: Duration,
) -> impl Stream<Item = Result<Bytes, ReadError>> + Send {
    futures_util::stream::unfold(Some(response), move |state| async move {
        let mut response = state?;
        match tokio::time::timeout(idle, response.chunk()).await {
            Err(_) => Some((Err(ReadError::Timeout), None)),
            Ok(Err(_)) => Some((Err(ReadError::Connection), None)),
            Ok(Ok(None)) => None,
            Ok(Ok(Some(chunk))) => Some((Ok(chunk), Some(response))),
        }
    })
}

/// Counts the bytes of the event being received and refuses to go past
/// the cap. Line ends are CR LF, LF or CR; two in a row end an event.
#[derive(Debug)]
struct EventSizeGuard {
    max: usize,
    in_event: usize,
    /// The previous byte ended a line (and, if CR, an LF may follow).
    after_line_end: bool,
    after_cr: bool,
}

impl EventSizeGuard {
    fn new(max: usize) -> Self {
        Self {
            max,
            in_event: 0,
            after_line_end: true,
            after_cr: false,
        }
    }

    fn check(&mut self, chunk: &[u8]) -> Result<(), ReadError> {
        for &byte in chunk {
            let was_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            if byte == b'\n' && was_cr {
                // The LF of a CR LF: the line already ended at the CR.
                continue;
            }
            if byte == b'\n' || byte == b'\r' {
                if self.after_line_end {
                    self.in_event = 0;
                }
                self.after_line_end = true;
            } else {
                self.after_line_end = false;
                self.in_event += 1;
                if self.in_event > self.max {
                    return Err(ReadError::TooLong(self.max));
                }
            }
        }
        Ok(())
    }
}

/// The SSE events of `chunks`, no event over `max_event_bytes` bytes.
/// Read failures become [`LlmError::Timeout`], [`LlmError::Connection`] or
/// [`LlmError::Protocol`]; the stream ends after the first error.
pub(crate) fn events<S>(
    chunks: S,
    max_event_bytes: usize,
) -> impl Stream<Item = Result<Sse, LlmError>> + Send
where
    S: Stream<Item = Result<Bytes, ReadError>> + Send,
{
    let mut guard = EventSizeGuard::new(max_event_bytes);
    let capped = chunks.map(move |chunk| {
        let chunk = chunk?;
        guard.check(&chunk)?;
        Ok::<_, ReadError>(chunk)
    });
    SseByteStream::new(capped).map(|item| item.map_err(framing_error))
}

fn framing_error(error: sse_stream::Error) -> LlmError {
    match error {
        sse_stream::Error::Body(inner) => match inner.downcast_ref::<ReadError>() {
            Some(ReadError::Timeout) => LlmError::Timeout,
            Some(ReadError::Connection) | None => {
                LlmError::Connection("the stream broke off".to_owned())
            }
            Some(too_long @ ReadError::TooLong(_)) => LlmError::Protocol(too_long.to_string()),
        },
        sse_stream::Error::Utf8Parse(_) => {
            LlmError::Protocol("the stream is not valid UTF-8".to_owned())
        }
        _ => LlmError::Protocol("the stream is not valid SSE".to_owned()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `bytes` cut into the pieces that end at `cuts`.
    pub(crate) fn chunked(bytes: &[u8], cuts: &[usize]) -> Vec<Result<Bytes, ReadError>> {
        let mut pieces = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
            let cut = cut.clamp(start, bytes.len());
            pieces.push(Ok(Bytes::copy_from_slice(&bytes[start..cut])));
            start = cut;
        }
        pieces
    }

    async fn collect(text: &str, cuts: &[usize], max: usize) -> Vec<Result<Sse, LlmError>> {
        let stream = futures_util::stream::iter(chunked(text.as_bytes(), cuts));
        events(stream, max).collect().await
    }

    #[tokio::test]
    async fn frames_events_across_chunks() {
        let text = "event: a\ndata: {\"x\":\"€\"}\n\n: comment\r\n\r\ndata: b\r\n\r\n";
        for cut in 0..text.len() {
            let got = collect(text, &[cut], 1024).await;
            let got: Vec<Sse> = got.into_iter().map(|e| e.expect("valid")).collect();
            assert_eq!(
                got,
                vec![
                    Sse::default().event("a").data("{\"x\":\"€\"}"),
                    Sse::default().data("b")
                ],
                "cut at {cut}"
            );
        }
    }

    #[tokio::test]
    async fn caps_event_size_across_lines_and_chunks() {
        let long = format!("data: {}\n\n", "x".repeat(100));
        let got = collect(&long, &[10, 50], 64).await;
        assert_eq!(
            got.last().cloned(),
            Some(Err(LlmError::Protocol(
                "an event is longer than 64 bytes".to_owned()
            )))
        );
        // Many short lines in one event count together.
        let many = format!("{}\n", "data: yyyyyyyyyy\n".repeat(10));
        let got = collect(&many, &[], 64).await;
        assert!(matches!(got.last(), Some(Err(LlmError::Protocol(_)))));
        // Many small events are fine.
        let small = "data: z\n\n".repeat(100);
        let got = collect(&small, &[], 64).await;
        assert_eq!(got.len(), 100);
        assert!(got.iter().all(Result::is_ok));
    }

    #[tokio::test]
    async fn read_errors_map_to_llm_errors() {
        for (error, code) in [
            (ReadError::Timeout, "llm_timeout"),
            (ReadError::Connection, "llm_unavailable"),
        ] {
            let stream = futures_util::stream::iter(vec![
                Ok(Bytes::from_static(b"data: a\n\n")),
                Err(error),
            ]);
            let got: Vec<_> = events(stream, 64).collect().await;
            assert_eq!(got.len(), 2);
            assert_eq!(got[1].clone().expect_err("fails").code(), code);
        }
        let stream = futures_util::stream::iter(vec![Ok(Bytes::from_static(b"data: \xff\n\n"))]);
        let got: Vec<_> = events(stream, 64).collect().await;
        assert!(matches!(got.as_slice(), [Err(LlmError::Protocol(_))]));
    }
}
