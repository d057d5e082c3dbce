#!/usr/bin/env python3
"""Fits the Chebyshev coefficients of shared::pricing::fastmath::erfc.

For z >= 0 write t = 2 / (2 + z) (so t runs over (0, 1]) and
    erfc(z) = t * exp(-z^2 + g(t)),
where g is smooth on [0, 1]. g is expanded in Chebyshev polynomials of
y = 2t - 1 on [-1, 1], from its values at Chebyshev nodes computed with
mpmath at 60 significant digits, and the series is then rewritten in powers
of y (at 60 digits; the power coefficients stay below 1 in magnitude, so the
double-precision polynomial is as accurate as the series). Prints those
coefficients (lowest degree first, for Estrin's scheme) and the largest
relative error of the double-precision evaluation against mpmath on a dense
grid.

Usage: python3 fit_erfc_chebyshev.py  (needs `pip install mpmath`)
"""
import mpmath as mp

mp.mp.dps = 60
N = 96  # nodes; more than the terms kept


def g(t):
    z = 2 / t - 2
    return mp.log(mp.erfc(z) / t) + z * z


def g_limit():
    # As t -> 0 (z -> inf): erfc(z) ~ exp(-z^2) / (z sqrt(pi)), so g -> -log(2 sqrt(pi)) ... use t>0 tiny.
    return g(mp.mpf("1e-30"))


nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / N) for k in range(N)]
values = [g((y + 1) / 2) if (y + 1) / 2 > mp.mpf("1e-30") else g_limit() for y in nodes]
coeffs = []
for j in range(N):
    s = mp.fsum(values[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / N) for k in range(N))
    coeffs.append(2 * s / N)
coeffs[0] /= 2
keep = max(j for j, c in enumerate(coeffs) if abs(c) > mp.mpf("1e-18")) + 1
coeffs = coeffs[:keep]

# Power-basis coefficients: T_0 = 1, T_1 = y, T_k = 2 y T_(k-1) - T_(k-2).
chebyshev_powers = [[mp.mpf(1)], [mp.mpf(0), mp.mpf(1)]]
for k in range(2, keep):
    doubled = [mp.mpf(0)] + [2 * v for v in chebyshev_powers[k - 1]]
    previous = chebyshev_powers[k - 2] + [mp.mpf(0)] * 2
    chebyshev_powers.append([a - b for a, b in zip(doubled, previous)])
powers = [mp.mpf(0)] * keep
for k in range(keep):
    for j, v in enumerate(chebyshev_powers[k]):
        powers[j] += coeffs[k] * v


def erfc_double(z):
    t = 2.0 / (2.0 + z)
    y = 2.0 * t - 1.0
    gv = 0.0
    for c in reversed([float(c) for c in powers]):
        gv = gv * y + c
    import math
    return t * math.exp(-z * z + gv)


worst = 0
for i in range(1, 2889):
    z = i * 0.009
    exact = mp.erfc(z)
    rel = abs((mp.mpf(erfc_double(z)) - exact) / exact)
    worst = max(worst, rel)
# The plain double evaluation loses ~z^2 * 1e-16 in exp(-z^2); the Rust code
# splits z^2 exactly and does not (see fastmath.rs tests).
print(f"// {keep} terms; plain-double max relative error of erfc on (0, 26]: {float(worst):.2e}")
print("const ERFC_POLY: [f64; %d] = [" % keep)
for c in powers:
    print(f"    {float(c)!r},")
print("];")

print("// Reference values of the standard normal CDF (mpmath, 60 digits):")
for x in ["-37", "-30", "-20", "-12.5", "-8", "-5", "-3.3", "-1.96", "-1", "-0.5", "-1e-3", "0", "1e-3", "0.3", "0.7", "1", "2.5", "4", "6", "8.2"]:
    print(f"    ({x}, {float(mp.ncdf(mp.mpf(x)))!r}),")
