//! mlTrainer's browser app. The UI thread only renders (`ui`); simulation and
//! benchmarks run in a web worker (`worker`) built from the same crate as a
//! second binary, so typing never stutters.

pub mod bench;
pub mod clock;
pub mod ui;
pub mod worker;
