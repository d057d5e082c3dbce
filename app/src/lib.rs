//! mlTrainer's browser app. The UI thread only renders (`ui`) and talks to
//! the server through the typed client (`api`); simulation and benchmarks
//! run in a web worker (`worker`) built from the same crate as a second
//! binary, so typing never stutters.

pub mod api;
pub mod bench;
pub mod clock;
pub mod ui;
pub mod worker;
