//! The standard normal distribution: density and cumulative distribution.
//!
//! The CDF is W. J. Cody's rational approximation of `erfc` as shipped in the
//! `implied-vol` crate (Jaeckel's reference implementation), accurate to about
//! machine precision in both tails, so deep out-of-the-money prices keep their
//! relative accuracy. It branches on the argument's range, which is the
//! fastest scalar form; [`super::fastmath::norm_cdf`] is the branch-free
//! twin that the vectorised batch kernel uses.

use implied_vol::{DefaultSpecialFn, SpecialFn};

/// `1 / sqrt(2 pi)`.
pub const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Standard normal density `exp(-x^2/2) / sqrt(2 pi)`.
#[inline]
pub fn pdf(x: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * x * x).exp()
}

/// Standard normal cumulative distribution `P(Z <= x)`.
#[inline]
pub fn cdf(x: f64) -> f64 {
    DefaultSpecialFn::norm_cdf(x)
}

/// Inverse of [`cdf`] for `p` in (0, 1).
#[inline]
pub fn inverse_cdf(p: f64) -> f64 {
    DefaultSpecialFn::inverse_norm_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from Abramowitz & Stegun, Table 26.1 (and its complements).
    #[test]
    fn cdf_matches_abramowitz_stegun() {
        let table = [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_543),
            (1.96, 0.975_002_104_851_780),
            (-1.0, 0.158_655_253_931_457),
            (3.0, 0.998_650_101_968_370),
        ];
        for (x, expected) in table {
            assert!((cdf(x) - expected).abs() < 1e-14, "cdf({x})");
        }
        // Far tail, relative accuracy: P(Z < -10) = 7.619853024160527e-24.
        assert!((cdf(-10.0) / 7.619_853_024_160_527e-24 - 1.0).abs() < 1e-13);
    }

    #[test]
    fn inverse_round_trips() {
        for p in [1e-12, 0.01, 0.3, 0.5, 0.9, 0.999_999] {
            assert!((cdf(inverse_cdf(p)) / p - 1.0).abs() < 1e-12);
        }
    }
}
