//! The live socket: a single-use ticket from `POST /api/ws/ticket`, then a
//! browser `WebSocket` on `/api/ws?ticket=…` of the page's own origin that
//! hands every [`ServerFrame`] to a callback and can send
//! [`ClientFrame::Subscribe`]. One socket per [`LiveSocket`]; reconnecting,
//! resuming and falling back to polling are the caller's job (the Trials
//! screen's feed), so this module holds no retry policy.

use super::client::{call, Method};
use super::error::ApiError;
use super::query::encode_component;
use super::transport::network;
use futures::channel::oneshot;
use shared::api::{ClientFrame, ServerFrame, WsTicket, WS_PATH, WS_TICKET_PATH};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// `POST /api/ws/ticket`: a single-use ticket for [`WS_PATH`].
pub async fn ws_ticket() -> Result<WsTicket, ApiError> {
    call::<_, ()>(Method::Post, WS_TICKET_PATH, None).await
}

/// The socket's URL for a page served from `protocol` (`https:` or
/// `http:`) and `host` (with its port): `wss://` for `https:`, else `ws://`.
pub fn ws_url(protocol: &str, host: &str, ticket: &str) -> String {
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!(
        "{scheme}://{host}{WS_PATH}?ticket={}",
        encode_component(ticket)
    )
}

/// Reads one text frame; `None` for anything that is not a known frame.
pub fn parse_frame(text: &str) -> Option<ServerFrame> {
    serde_json::from_str(text).ok()
}

type Slot = Rc<RefCell<Option<oneshot::Sender<bool>>>>;

/// An open live socket. Dropping it closes the socket and detaches its
/// handlers (no callback runs after that).
pub struct LiveSocket {
    socket: WebSocket,
    closed: Option<oneshot::Receiver<bool>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_close: Closure<dyn FnMut(web_sys::Event)>,
}

impl LiveSocket {
    /// Gets a ticket, opens the socket and waits until it is open;
    /// `on_frame` then gets every frame. Fails when the ticket is refused
    /// or the socket closes before it opens.
    pub async fn connect(on_frame: impl Fn(ServerFrame) + 'static) -> Result<LiveSocket, ApiError> {
        let ticket = ws_ticket().await?;
        let window = web_sys::window().ok_or_else(|| ApiError::Network {
            message: "no window to open a socket from".to_string(),
        })?;
        let location = window.location();
        let url = ws_url(
            &location.protocol().map_err(network)?,
            &location.host().map_err(network)?,
            &ticket.ticket,
        );
        let socket = WebSocket::new(&url).map_err(network)?;
        let (opened_tx, opened_rx) = oneshot::channel::<bool>();
        let (closed_tx, closed_rx) = oneshot::channel::<bool>();
        let opened: Slot = Rc::new(RefCell::new(Some(opened_tx)));
        let closed: Slot = Rc::new(RefCell::new(Some(closed_tx)));
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(frame) = event.data().as_string().as_deref().and_then(parse_frame) {
                on_frame(frame);
            }
        });
        let on_open = {
            let opened = opened.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if let Some(tx) = opened.borrow_mut().take() {
                    let _ = tx.send(true);
                }
            })
        };
        let on_close = {
            let opened = opened.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if let Some(tx) = opened.borrow_mut().take() {
                    let _ = tx.send(false);
                }
                if let Some(tx) = closed.borrow_mut().take() {
                    let _ = tx.send(true);
                }
            })
        };
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        // An error is always followed by a close: the close handler is enough.
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let live = LiveSocket {
            socket,
            closed: Some(closed_rx),
            _on_message: on_message,
            _on_open: on_open,
            _on_close: on_close,
        };
        match opened_rx.await {
            Ok(true) => Ok(live),
            _ => Err(ApiError::Network {
                message: "the live socket could not be opened".to_string(),
            }),
        }
    }

    /// Asks for `trial_id`'s events after `after` (the last seq seen).
    pub fn subscribe(&self, trial_id: i64, after: u64) {
        let frame = ClientFrame::Subscribe { trial_id, after };
        if let Ok(text) = serde_json::to_string(&frame) {
            let _ = self.socket.send_with_str(&text);
        }
    }

    /// The receiver that completes when the socket closes or this
    /// [`LiveSocket`] is dropped (once: `None` after the first call).
    pub fn take_closed(&mut self) -> Option<oneshot::Receiver<bool>> {
        self.closed.take()
    }
}

impl Drop for LiveSocket {
    fn drop(&mut self) {
        self.socket.set_onmessage(None);
        self.socket.set_onopen(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_page_scheme_and_encode_the_ticket() {
        assert_eq!(
            ws_url("https:", "example.org", "a+b"),
            "wss://example.org/api/ws?ticket=a%2Bb"
        );
        assert_eq!(
            ws_url("http:", "127.0.0.1:8080", "t1"),
            "ws://127.0.0.1:8080/api/ws?ticket=t1"
        );
    }

    #[test]
    fn frames_parse_or_are_ignored() {
        assert_eq!(
            parse_frame(r#"{"type":"resync","missed":3}"#),
            Some(ServerFrame::Resync { missed: 3 })
        );
        assert_eq!(parse_frame("not json"), None);
        assert_eq!(parse_frame(r#"{"type":"other"}"#), None);
    }
}
