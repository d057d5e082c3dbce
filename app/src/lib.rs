//! mlTrainer's browser app. The UI thread only renders (the `ui` module of
//! the `app` binary, `src/main.rs`) and talks to the server through the
//! typed client (`api`); simulation and benchmarks
//! run in a web worker (`worker`) built from the same crate as a second
//! binary, so typing never stutters. The model lab runs in a third binary,
//! the lab worker (`lab`), which the Lab screen can terminate to cancel.

pub mod api;
pub mod bench;
pub mod browser_trial;
pub mod clock;
pub mod finance;
pub mod lab;
pub mod worker;
