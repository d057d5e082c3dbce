//! An incremental decoder of server-sent events (the `text/event-stream`
//! framing): bytes go in as they arrive, in chunks cut anywhere, and whole
//! frames come out. Bytes are kept until a frame's blank line has arrived,
//! so a multi-byte UTF-8 character split across chunks is decoded whole
//! (the delimiters are ASCII, which never occurs inside a UTF-8 sequence).
//!
//! Pure: no network, no browser; `chat` feeds it the fetch body's chunks.

use shared::api::ChatEvent;

/// One event: its `event:` name (empty when the frame named none) and its
/// `data:` lines joined with `\n`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseFrame {
    /// The `event:` field, or empty.
    pub event: String,
    /// The `data:` field(s).
    pub data: String,
}

/// The decoder's state: bytes of the frame not yet complete.
#[derive(Clone, Debug, Default)]
pub struct SseDecoder {
    pending: Vec<u8>,
    /// Where the search for the next blank line resumes.
    scanned: usize,
}

impl SseDecoder {
    /// A decoder with nothing pending.
    pub fn new() -> SseDecoder {
        SseDecoder::default()
    }

    /// Takes the next chunk and answers every frame it completed, in order.
    /// Frames with neither an event name nor data (keep-alive comments)
    /// are skipped.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseFrame> {
        self.pending.extend_from_slice(chunk);
        let mut frames = Vec::new();
        while let Some((end, next)) = frame_end(&self.pending, self.scanned) {
            let frame = parse_frame(&self.pending[..end]);
            self.pending.drain(..next);
            self.scanned = 0;
            if let Some(frame) = frame {
                frames.push(frame);
            }
        }
        // A `\r` at the end may be the start of `\r\n\r\n`: rescan it.
        self.scanned = self.pending.len().saturating_sub(3);
        frames
    }

    /// The stream ended: a last frame without its blank line, if any (a
    /// dropped stream may leave one; the caller decides what it is worth).
    pub fn finish(&mut self) -> Option<SseFrame> {
        let rest = std::mem::take(&mut self.pending);
        self.scanned = 0;
        parse_frame(&rest)
    }
}

/// The end of the first frame at or after `from`: (frame end, start of the
/// next frame). A frame ends at a blank line (`\n\n`, `\r\n\r\n`, `\r\r`).
fn frame_end(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"\r\n\r\n") {
            return Some((i, i + 4));
        }
        if rest.starts_with(b"\n\n") || rest.starts_with(b"\r\r") {
            return Some((i, i + 2));
        }
        // `\r\n\r` may still become `\r\n\r\n`; `\r\n\n` is a blank line.
        if rest.starts_with(b"\r\n\n") {
            return Some((i, i + 3));
        }
        if rest.len() < 4 && rest[0] == b'\r' {
            return None;
        }
        i += 1;
    }
    None
}

/// The fields of one frame's lines; `None` when it has none that count.
fn parse_frame(bytes: &[u8]) -> Option<SseFrame> {
    let text = String::from_utf8_lossy(bytes);
    let mut frame = SseFrame::default();
    let mut data: Vec<&str> = Vec::new();
    for line in text.split(['\n', '\r']) {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => frame.event = value.to_string(),
            "data" => data.push(value),
            _ => {}
        }
    }
    if frame.event.is_empty() && data.is_empty() {
        return None;
    }
    frame.data = data.join("\n");
    Some(frame)
}

/// A frame of `POST /api/chat` as a [`ChatEvent`]; the error says what was
/// wrong (unreadable JSON, or a name that disagrees with the data).
pub fn chat_event(frame: &SseFrame) -> Result<ChatEvent, String> {
    let event: ChatEvent = serde_json::from_str(&frame.data)
        .map_err(|e| format!("unreadable `{}` event from the server: {e}", frame.event))?;
    if !frame.event.is_empty() && frame.event != event.name() {
        return Err(format!(
            "the server sent a `{}` event named `{}`",
            event.name(),
            frame.event
        ));
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::TokenUsage;

    fn stream() -> (Vec<u8>, Vec<ChatEvent>) {
        let events = vec![
            ChatEvent::Started {
                conversation_id: 7,
                user_message_id: 3,
                provider: "rules".into(),
                model: "rules".into(),
            },
            ChatEvent::Delta {
                text: "Prix d'exercice: 105 € — 多 🚀\n\n| a | b |".into(),
            },
            ChatEvent::Delta {
                text: "second".into(),
            },
            ChatEvent::Done {
                message_id: 4,
                usage: TokenUsage {
                    input_tokens: 10,
                    output_tokens: 20,
                    estimated: true,
                },
            },
        ];
        let mut text = String::from(": keep-alive\n\n");
        for (i, event) in events.iter().enumerate() {
            let json = serde_json::to_string(event).unwrap();
            let newline = if i == 1 { "\r\n" } else { "\n" };
            text.push_str(&format!(
                "event: {}{newline}data: {json}{newline}{newline}",
                event.name()
            ));
            if i == 2 {
                text.push_str(": ping\n\n");
            }
        }
        (text.into_bytes(), events)
    }

    fn decode_all(chunks: &[&[u8]]) -> Vec<ChatEvent> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for chunk in chunks {
            for frame in decoder.push(chunk) {
                out.push(chat_event(&frame).unwrap());
            }
        }
        assert_eq!(decoder.finish(), None, "nothing left over");
        out
    }

    #[test]
    fn whole_stream_decodes_in_one_chunk() {
        let (bytes, events) = stream();
        assert_eq!(decode_all(&[&bytes]), events);
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        let (bytes, events) = stream();
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            assert_eq!(decode_all(&[a, b]), events, "split at byte {split}");
        }
    }

    #[test]
    fn every_two_split_points_give_the_same_events() {
        let (bytes, events) = stream();
        for first in (0..bytes.len()).step_by(7) {
            for second in first..=bytes.len() {
                let chunks = [&bytes[..first], &bytes[first..second], &bytes[second..]];
                assert_eq!(decode_all(&chunks), events, "splits {first}, {second}");
            }
        }
    }

    #[test]
    fn byte_by_byte_decodes() {
        let (bytes, events) = stream();
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode_all(&chunks), events);
    }

    #[test]
    fn multi_line_data_joins_with_newlines_and_comments_are_skipped() {
        let mut decoder = SseDecoder::new();
        let frames = decoder.push(b": hello\nevent: x\ndata: one\ndata:two\nid: 5\n\n");
        assert_eq!(
            frames,
            vec![SseFrame {
                event: "x".into(),
                data: "one\ntwo".into()
            }]
        );
    }

    #[test]
    fn an_unterminated_frame_is_left_for_finish() {
        let mut decoder = SseDecoder::new();
        assert!(decoder
            .push(b"event: delta\ndata: {\"type\":\"delta\",\"te")
            .is_empty());
        let rest = decoder.finish().unwrap();
        assert_eq!(rest.event, "delta");
        assert!(chat_event(&rest).is_err());
    }

    #[test]
    fn mismatched_names_and_bad_json_are_errors() {
        let frame = SseFrame {
            event: "done".into(),
            data: r#"{"type":"delta","text":"x"}"#.into(),
        };
        assert!(chat_event(&frame).unwrap_err().contains("named `done`"));
        let frame = SseFrame {
            event: "delta".into(),
            data: "not json".into(),
        };
        assert!(chat_event(&frame).unwrap_err().contains("unreadable"));
    }
}
