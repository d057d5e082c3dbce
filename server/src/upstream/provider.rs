//! The data providers the server talks to, by name.
//!
//! Only names live here; no provider-specific behaviour.

use std::fmt;

/// An upstream data provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Polygon.io market data (aggregates).
    Polygon,
    /// FRED, the St. Louis Fed's economic data.
    Fred,
}

impl Provider {
    /// Every provider, in a fixed order.
    pub const ALL: [Self; 2] = [Self::Polygon, Self::Fred];

    /// The provider's stable lower-case name, as used in logs, metrics and
    /// compliance rules (`polygon`, `fred`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Polygon => "polygon",
            Self::Fred => "fred",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
