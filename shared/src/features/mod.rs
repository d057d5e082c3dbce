//! Features for the models: indicators over price slices ([`indicators`],
//! [`volume`], [`calendar`]) and the feature/label [`Dataset`] built from
//! one series with no look-ahead ([`build_dataset`], [`FeatureSpec`]).
//!
//! Must not look ahead (row `t` of every feature uses data up to `t`
//! only), fill, interpolate or invent observations, read files or clocks,
//! or panic on any input.
//!
//! Files, one job each:
//! - `indicators`: returns, SMA, EMA, RSI, MACD, Bollinger, ATR,
//!   volatility, momentum, z-score (TA-Lib's conventions);
//! - `volume`: volume z-score, volume ratio, OBV;
//! - `calendar`: day of week, month, day of month from dates;
//! - `spec`: [`Feature`] and [`FeatureSpec`];
//! - `dataset`: [`build_dataset`] and [`FeatureError`].
//!
//! [`Dataset`]: crate::models::Dataset

pub mod calendar;
pub mod dataset;
pub mod indicators;
pub mod spec;
pub mod volume;

pub use dataset::{build_dataset, periods_per_year, FeatureError};
pub use spec::{Feature, FeatureSpec};
