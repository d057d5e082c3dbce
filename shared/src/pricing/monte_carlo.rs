//! Monte Carlo pricing under geometric Brownian motion: European, arithmetic
//! Asian and geometric Asian payoffs, with antithetic variates.
//!
//! The random stream is Xoshiro256++ seeded explicitly (the same numbers on
//! every platform, 32- or 64-bit), and normals come from `rand_distr`'s
//! ziggurat, so a seed always reproduces the same estimate, natively and in
//! the browser. Exponentials and logarithms come from the pure-Rust `libm`
//! crate rather than the platform's maths library (glibc and the wasm
//! target's libm differ in the last bit), so the estimate is bit-identical
//! on every platform. The result is a simulation, never a data set.

use super::inputs::{Field, InputError, OptionParams};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// Which payoff to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum McPayoff {
    /// Vanilla payoff on the price at expiry (exact one-step simulation).
    European,
    /// Payoff on the arithmetic mean of `fixings` equally spaced prices,
    /// the last at expiry.
    ArithmeticAsian {
        /// Number of averaging dates.
        fixings: usize,
    },
    /// Payoff on the geometric mean of `fixings` equally spaced prices
    /// (has a closed form; used to validate the simulator).
    GeometricAsian {
        /// Number of averaging dates.
        fixings: usize,
    },
}

/// Simulation settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McConfig {
    /// Number of simulated paths (with antithetic variates, rounded up to an
    /// even number: half are mirror images).
    pub paths: usize,
    /// Seed of the random stream.
    pub seed: u64,
    /// Pair each path with its mirror image (Z and -Z).
    pub antithetic: bool,
}

/// A Monte Carlo estimate with its sampling uncertainty.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct McEstimate {
    /// Estimated present value.
    pub price: f64,
    /// Standard error of `price`.
    pub std_error: f64,
    /// Lower end of the 95% confidence interval.
    pub ci_low: f64,
    /// Upper end of the 95% confidence interval.
    pub ci_high: f64,
    /// Paths actually simulated.
    pub paths: usize,
    /// The seed used.
    pub seed: u64,
}

/// Two-sided 95% normal quantile.
const Z_95: f64 = 1.959_963_984_540_054;

/// Welford's running mean and variance (numerically stable in one pass).
#[derive(Default)]
struct RunningStats {
    count: u64,
    mean: f64,
    sum_sq: f64,
}

impl RunningStats {
    fn push(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.sum_sq += delta * (x - self.mean);
    }

    fn std_error(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        libm::sqrt(self.sum_sq / (self.count - 1) as f64 / self.count as f64)
    }
}

/// Simulates one path's payoff from a stream of standard normals.
struct PathSimulator<'a> {
    p: &'a OptionParams,
    payoff: McPayoff,
    drift: f64,
    diffusion: f64,
    log_spot: f64,
}

impl<'a> PathSimulator<'a> {
    fn new(p: &'a OptionParams, payoff: McPayoff) -> Self {
        let steps = match payoff {
            McPayoff::European => 1,
            McPayoff::ArithmeticAsian { fixings } | McPayoff::GeometricAsian { fixings } => fixings,
        };
        let dt = p.years / steps as f64;
        PathSimulator {
            p,
            payoff,
            drift: (p.rate - p.dividend_yield - 0.5 * p.volatility * p.volatility) * dt,
            diffusion: p.volatility * libm::sqrt(dt),
            log_spot: libm::log(p.spot),
        }
    }

    /// Payoff of the path driven by `normals`, each multiplied by `sign`.
    fn payoff(&self, normals: &[f64], sign: f64) -> f64 {
        let strike = self.p.strike;
        match self.payoff {
            McPayoff::European => {
                let terminal =
                    libm::exp(self.log_spot + self.drift + sign * self.diffusion * normals[0]);
                self.p.kind.payoff(terminal, strike)
            }
            McPayoff::ArithmeticAsian { .. } => {
                let mut log_s = self.log_spot;
                let mut sum = 0.0;
                for z in normals {
                    log_s += self.drift + sign * self.diffusion * z;
                    sum += libm::exp(log_s);
                }
                self.p.kind.payoff(sum / normals.len() as f64, strike)
            }
            McPayoff::GeometricAsian { .. } => {
                let mut log_s = self.log_spot;
                let mut sum_log = 0.0;
                for z in normals {
                    log_s += self.drift + sign * self.diffusion * z;
                    sum_log += log_s;
                }
                self.p
                    .kind
                    .payoff(libm::exp(sum_log / normals.len() as f64), strike)
            }
        }
    }
}

/// Monte Carlo price of `payoff` with its standard error and 95% interval.
pub fn price(
    p: &OptionParams,
    payoff: McPayoff,
    config: &McConfig,
) -> Result<McEstimate, InputError> {
    let paths = Field::Paths.check(config.paths as f64)? as usize;
    let fixings = match payoff {
        McPayoff::European => 1,
        McPayoff::ArithmeticAsian { fixings } | McPayoff::GeometricAsian { fixings } => {
            Field::Fixings.check(fixings as f64)? as usize
        }
    };
    let simulator = PathSimulator::new(p, payoff);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
    let mut normals = vec![0.0; fixings];
    let mut stats = RunningStats::default();
    let samples = if config.antithetic {
        paths.div_ceil(2)
    } else {
        paths
    };
    for _ in 0..samples {
        for z in normals.iter_mut() {
            *z = StandardNormal.sample(&mut rng);
        }
        let value = if config.antithetic {
            0.5 * (simulator.payoff(&normals, 1.0) + simulator.payoff(&normals, -1.0))
        } else {
            simulator.payoff(&normals, 1.0)
        };
        stats.push(value);
    }
    let discount = libm::exp(-p.rate * p.years);
    let price = discount * stats.mean;
    let std_error = discount * stats.std_error();
    Ok(McEstimate {
        price,
        std_error,
        ci_low: price - Z_95 * std_error,
        ci_high: price + Z_95 * std_error,
        paths: if config.antithetic {
            samples * 2
        } else {
            samples
        },
        seed: config.seed,
    })
}

/// Closed-form price of a discretely monitored geometric-average Asian
/// option with `fixings` equally spaced dates, the last at expiry
/// (the discrete version of Kemna and Vorst, 1990).
pub fn geometric_asian_price(p: &OptionParams, fixings: usize) -> f64 {
    let m = fixings.max(1) as f64;
    let t = p.years;
    let sigma = p.volatility;
    let mean_log =
        p.spot.ln() + (p.rate - p.dividend_yield - 0.5 * sigma * sigma) * t * (m + 1.0) / (2.0 * m);
    let var_log = sigma * sigma * t * (m + 1.0) * (2.0 * m + 1.0) / (6.0 * m * m);
    let sd_log = var_log.sqrt();
    let d1 = (mean_log - p.strike.ln() + var_log) / sd_log;
    let d2 = d1 - sd_log;
    let expected_mean = (mean_log + 0.5 * var_log).exp();
    let cdf = super::normal::cdf;
    p.discount()
        * match p.kind {
            super::OptionKind::Call => expected_mean * cdf(d1) - p.strike * cdf(d2),
            super::OptionKind::Put => p.strike * cdf(-d2) - expected_mean * cdf(-d1),
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::OptionKind;

    #[test]
    fn same_seed_same_estimate_other_seed_other_estimate() {
        let p = OptionParams::new(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, OptionKind::Call).unwrap();
        let config = McConfig {
            paths: 10_000,
            seed: 7,
            antithetic: true,
        };
        let a = price(&p, McPayoff::European, &config).unwrap();
        let b = price(&p, McPayoff::European, &config).unwrap();
        assert_eq!(a, b);
        let c = price(&p, McPayoff::European, &McConfig { seed: 8, ..config }).unwrap();
        assert_ne!(a.price, c.price);
        assert_eq!(a.paths, 10_000);
        assert!(a.ci_low < a.price && a.price < a.ci_high);
    }

    #[test]
    fn geometric_asian_with_one_fixing_is_black_scholes() {
        let p = OptionParams::new(100.0, 95.0, 0.5, 0.03, 0.01, 0.3, OptionKind::Put).unwrap();
        let bs = crate::pricing::bsm::price(&p);
        assert!((geometric_asian_price(&p, 1) - bs).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_config() {
        let p = OptionParams::new(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, OptionKind::Call).unwrap();
        let config = McConfig {
            paths: 0,
            seed: 1,
            antithetic: false,
        };
        assert_eq!(
            price(&p, McPayoff::European, &config).unwrap_err().field,
            Field::Paths
        );
        let config = McConfig {
            paths: 100,
            ..config
        };
        let err = price(&p, McPayoff::ArithmeticAsian { fixings: 0 }, &config).unwrap_err();
        assert_eq!(err.field, Field::Fixings);
    }
}
