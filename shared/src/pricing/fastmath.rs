//! Exponential, logarithm and the complementary error function in plain
//! arithmetic: no calls into the platform's maths library, no table
//! look-ups and (apart from selects) no branches. So they inline and LLVM
//! vectorises loops over them (the batch kernel). Scalar callers should use
//! the platform's `exp`/`ln` and Cody's CDF in [`super::normal`], which are
//! faster one value at a time. Where the target has fused multiply-add
//! (x86-64-v3, see `.cargo/config.toml`) the polynomials use it.
//!
//! Accuracy (tested against mpmath in this module's tests): `exp` and `ln`
//! within 2 ulp; `erfc` and the normal CDF within about 1e-15 relative down
//! to 1e-300. `erfc` expands `ln(erfc(z) / t) + z^2` with `t = 2 / (2 + z)`
//! in a 30-term Chebyshev series (`shared/tools/fit_erfc_chebyshev.py`)
//! rewritten in powers; every polynomial is evaluated by Estrin's scheme;
//! `z^2` is split exactly so the exponential keeps full relative accuracy in
//! the far tail.

/// `log2(e)`.
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// High part of ln 2 (32 significant bits, so `k * LN2_HI` is exact).
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
/// Low part of ln 2.
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
const ROUNDING_SHIFT: f64 = 6_755_399_441_055_744.0;
/// Below this, `exp` returns 0 (the result would be subnormal).
const EXP_MIN: f64 = -708.0;
/// Above this, `exp` overflows.
const EXP_MAX: f64 = 709.0;

/// Taylor coefficients 1/k! for k = 2 up to 13 (lowest degree first).
const EXP_POLY: [f64; 12] = [
    0.5,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `a * b + c`, fused where the target has an FMA instruction (without
/// one, `mul_add` would be a slow library call).
#[inline(always)]
fn fma(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(target_feature = "fma")]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(target_feature = "fma"))]
    {
        a * b + c
    }
}

/// The polynomial `c[0] + c[1] x + ... + c[N-1] x^(N-1)` by Estrin's
/// scheme: neighbouring terms are paired with `x`, then the pairs with
/// `x^2`, and so on, so the dependency chain is about log2(N) multiply-adds
/// long instead of Horner's N (the batch kernel was waiting on that chain).
#[inline(always)]
fn estrin<const N: usize>(x: f64, c: &[f64; N]) -> f64 {
    let mut terms = *c;
    let mut len = N;
    let mut power = x;
    while len > 1 {
        let pairs = len / 2;
        for i in 0..pairs {
            terms[i] = fma(terms[2 * i + 1], power, terms[2 * i]);
        }
        if len % 2 == 1 {
            terms[pairs] = terms[len - 1];
        }
        len = pairs + len % 2;
        power *= power;
    }
    terms[0]
}

/// `e^x`.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_split(x, 0.0)
}

/// `e^(hi + lo)` for a small correction `lo`, carried at full precision
/// (it enters after the exact range reduction of `hi`).
#[inline(always)]
pub fn exp_split(hi: f64, lo: f64) -> f64 {
    let clamped = hi.clamp(EXP_MIN, EXP_MAX);
    let shifted = clamped * LOG2_E + ROUNDING_SHIFT;
    let k = shifted - ROUNDING_SHIFT;
    let r = (clamped - k * LN2_HI) - k * LN2_LO + lo;
    let p = estrin(r, &EXP_POLY);
    let poly = 1.0 + r + r * r * p;
    // 2^k from the integer in the low bits of `shifted` (k in [-1022, 1023]).
    let scale = f64::from_bits((shifted.to_bits() << 52).wrapping_add(1.0f64.to_bits()));
    let value = poly * scale;
    if hi < EXP_MIN {
        0.0
    } else if hi > EXP_MAX {
        f64::INFINITY
    } else {
        value
    }
}

/// Series coefficients 1/(2k+1), k = 1 up to 11, of atanh(s)/s in s^2
/// (lowest degree first).
const LN_POLY: [f64; 11] = [
    1.0 / 3.0,
    1.0 / 5.0,
    1.0 / 7.0,
    1.0 / 9.0,
    1.0 / 11.0,
    1.0 / 13.0,
    1.0 / 15.0,
    1.0 / 17.0,
    1.0 / 19.0,
    1.0 / 21.0,
    1.0 / 23.0,
];

/// Natural logarithm of a positive normal number (callers guarantee it).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const MANTISSA: u64 = (1 << 52) - 1;
    let bits = x.to_bits();
    let mantissa = f64::from_bits((bits & MANTISSA) | 1.0f64.to_bits());
    let big = mantissa > std::f64::consts::SQRT_2;
    let m = if big { mantissa * 0.5 } else { mantissa };
    // The biased exponent as a float, without an integer conversion.
    let biased = f64::from_bits(0x4330_0000_0000_0000 | (bits >> 52)) - 4_503_599_627_370_496.0;
    let e = biased - 1023.0 + if big { 1.0 } else { 0.0 };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let p = estrin(s2, &LN_POLY);
    // ln m = 2 atanh(s) = f - s (f - 2 s2 p') arranged to keep f's precision.
    let log_m = 2.0 * s + 2.0 * s * s2 * p;
    e * LN2_HI + (log_m + e * LN2_LO)
}

/// Coefficients of `ln(erfc(z)/t) + z^2` in powers of `y = 2t - 1`,
/// `t = 2/(2+z)`, lowest degree first: a 30-term Chebyshev series rewritten
/// in powers of `y` by `shared/tools/fit_erfc_chebyshev.py`.
const ERFC_POLY: [f64; 30] = [
    -0.6717940840566923,
    0.6726432239776567,
    0.04734330684190441,
    -0.04689561023118475,
    -0.009872689366388684,
    0.00882493855745383,
    0.001758933557766382,
    -0.0023458125081223134,
    -0.0001462468629421063,
    0.0006736788796142943,
    -9.373503465815823e-05,
    -0.0001743035278020314,
    7.140103219748502e-05,
    3.1747859436922955e-05,
    -3.0187948093951486e-05,
    1.2915164139087769e-07,
    8.562779099386524e-06,
    -2.928567024161788e-06,
    -1.2725805279147717e-06,
    1.2186833373805656e-06,
    -1.6817283194044123e-07,
    -2.1376119174178424e-07,
    1.5307318366323928e-07,
    -2.6872987499866794e-08,
    -3.9024931626661816e-08,
    2.589763598195963e-08,
    4.013877704214506e-09,
    -6.421087129613183e-09,
    6.714920393601979e-12,
    6.249457280991351e-10,
];

/// `-x^2 / 2` as an unevaluated sum `(hi, lo)`, exact: `x` is split into a
/// 26-bit head (whose square is exact) and a tail.
#[inline(always)]
pub fn neg_half_square(x: f64) -> (f64, f64) {
    let head = f64::from_bits(x.to_bits() & 0xFFFF_FFFF_F800_0000);
    let tail = x - head;
    (-0.5 * (head * head), -0.5 * (tail * (head + x)))
}

/// The upper tail `P(Z > |x|) = erfc(|x|/sqrt 2) / 2` of the standard normal.
#[inline(always)]
fn normal_tail(x: f64) -> f64 {
    let a = x.abs().min(40.0);
    let z = a * std::f64::consts::FRAC_1_SQRT_2;
    let t = 2.0 / (2.0 + z);
    let y = 2.0 * t - 1.0;
    let g = estrin(y, &ERFC_POLY);
    let (hi, lo) = neg_half_square(a);
    // Fold g into the head exactly (Knuth's two-sum), so the exponential's
    // range reduction sees the whole argument and `lo` stays tiny.
    let head = hi + g;
    let back = head - hi;
    let err = (hi - (head - back)) + (g - back);
    0.5 * t * exp_split(head, lo + err)
}

/// Standard normal CDF `P(Z <= x)`.
#[inline(always)]
pub fn norm_cdf(x: f64) -> f64 {
    let tail = normal_tail(x);
    if x < 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

/// Standard normal density.
#[inline(always)]
pub fn norm_pdf(x: f64) -> f64 {
    let (hi, lo) = neg_half_square(x.abs().min(40.0));
    0.398_942_280_401_432_7 * exp_split(hi, lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        if a == b {
            0.0
        } else {
            ((a - b) / b).abs()
        }
    }

    /// Standard normal CDF from mpmath at 60 digits
    /// (`shared/tools/fit_erfc_chebyshev.py` prints this table).
    const CDF_REFERENCE: [(f64, f64); 20] = [
        (-37.0, 5.725571222524577e-300),
        (-30.0, 4.906713927148187e-198),
        (-20.0, 2.7536241186062337e-89),
        (-12.5, 3.732564298877713e-36),
        (-8.0, 6.220960574271784e-16),
        (-5.0, 2.866515718791939e-07),
        (-3.3, 0.0004834241423837772),
        (-1.96, 0.024997895148220435),
        (-1.0, 0.15865525393145705),
        (-0.5, 0.3085375387259869),
        (-1e-3, 0.49960105778608893),
        (0.0, 0.5),
        (1e-3, 0.500398942213911),
        (0.3, 0.6179114221889527),
        (0.7, 0.758036347776927),
        (1.0, 0.8413447460685429),
        (2.5, 0.9937903346742238),
        (4.0, 0.9999683287581669),
        (6.0, 0.9999999990134123),
        (8.2, 0.9999999999999999),
    ];

    #[test]
    fn cdf_matches_mpmath_to_1e15_relative() {
        for (x, expected) in CDF_REFERENCE {
            let got = norm_cdf(x);
            assert!(
                rel(got, expected) < 1e-15,
                "cdf({x}) = {got:e}, expected {expected:e}"
            );
        }
    }

    #[test]
    fn exp_and_ln_agree_with_std_within_2_ulp() {
        let ulp = |v: f64| f64::EPSILON * v.abs();
        let mut x = -700.0;
        while x < 700.0 {
            let (a, b) = (exp(x), x.exp());
            assert!((a - b).abs() <= 2.0 * ulp(b), "exp({x}): {a:e} vs {b:e}");
            x += 0.731;
        }
        let mut y = 1e-300;
        while y < 1e300 {
            let (a, b) = (ln(y), y.ln());
            assert!(
                (a - b).abs() <= 2.0 * ulp(b).max(f64::EPSILON),
                "ln({y}): {a} vs {b}"
            );
            y *= 1.37;
        }
        for y in [
            0.5,
            0.999_999,
            1.0,
            1.000_001,
            1.5,
            2.0,
            std::f64::consts::E,
        ] {
            assert!(
                (ln(y) - y.ln()).abs() <= 2.0 * ulp(y.ln()).max(1e-300),
                "ln({y})"
            );
        }
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(800.0), f64::INFINITY);
    }

    #[test]
    fn pdf_matches_definition() {
        for x in [-9.0f64, -2.0, -0.1, 0.0, 0.4, 3.0, 12.0] {
            let expected = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
            assert!(rel(norm_pdf(x), expected) < 1e-14, "pdf({x})");
        }
    }
}
