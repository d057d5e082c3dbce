//! mlTrainer's shared library: pure computation that compiles both to
//! `wasm32-unknown-unknown` (inside the app and its web worker) and natively
//! (inside the server, tests and benchmarks).
//!
//! Architecture invariant: nothing here touches the network, files, the
//! clock, threads or an async runtime. Callers pass everything in, including
//! "today" and random seeds, so every result can be repeated exactly.

pub mod actions;
pub mod api;
pub mod backtest;
pub mod calendar;
pub mod coach;
pub mod compliance;
pub mod data;
pub mod execute;
pub mod features;
pub mod leaderboard;
pub mod memory;
pub mod models;
pub mod portfolio;
pub mod pricing;
pub mod registry;
pub mod risk;
pub mod trial;
