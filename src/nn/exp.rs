//! exp over a whole slice, in a form the compiler vectorizes: the softmax of a batch takes
//! n·k exponentials per step, which one at a time through libm cost as much as the tiny
//! network's products.
//!
//! x = n·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite: ln 2 in a high part with trailing zero
//! bits and a low part), exp(r) by its Taylor polynomial of degree 13 (truncation below
//! 10⁻¹⁷ relative), then the exponent n put into the bits. Arguments outside
//! [−708, 709] (subnormal or overflowing results, ±∞, NaN) go to `f64::exp` instead.
//! Within 1 ulp of `f64::exp` (tested on a million arguments).

use super::fma;

const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 = LN2_HI + LN2_LO, with LN2_HI's last 32 bits 0 so that n·LN2_HI is exact.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// 1.5·2⁵²: adding it rounds to an integer held in the low bits of the mantissa.
const ROUND: f64 = 6_755_399_441_055_744.0;
const LOW: f64 = -708.0;
const HIGH: f64 = 709.0;

/// 1/i! for i = 13 down to 0.
const TAYLOR: [f64; 14] = {
    let mut c = [0.0; 14];
    let mut f = 1.0;
    let mut i = 1;
    c[13] = 1.0;
    while i <= 13 {
        f *= i as f64;
        c[13 - i] = 1.0 / f;
        i += 1;
    }
    c
};

/// exp(x) for x in [LOW, HIGH].
#[inline(always)]
fn exp_in_range(x: f64) -> f64 {
    let t = fma(x, LOG2_E, ROUND);
    let n = t - ROUND;
    let r = fma(-n, LN2_LO, fma(-n, LN2_HI, x));
    let mut p = TAYLOR[0];
    for &c in &TAYLOR[1..] {
        p = fma(p, r, c);
    }
    // The integer n sits in t's low mantissa bits; add the exponent bias and shift.
    let bits = (t.to_bits() as i64).wrapping_add(1023) << 52;
    p * f64::from_bits(bits as u64)
}

fn in_range(x: f64) -> bool {
    (LOW..=HIGH).contains(&x)
}

/// v ← exp(v), element by element; each result depends only on its own argument.
pub fn exp_in_place(v: &mut [f64]) {
    if v.iter().all(|&x| in_range(x)) {
        // The usual case, one vectorized loop.
        for x in v.iter_mut() {
            *x = exp_in_range(*x);
        }
    } else {
        for x in v.iter_mut() {
            *x = if in_range(*x) { exp_in_range(*x) } else { x.exp() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    #[test]
    fn within_one_ulp_of_libm() {
        let mut worst = 0;
        let mut x = -708.0;
        while x <= 709.0 {
            worst = worst.max(ulps(exp_in_range(x), x.exp()));
            x += 0.001_31;
        }
        assert!(worst <= 1, "{worst} ulps");
    }

    #[test]
    fn edges_and_out_of_range_arguments() {
        let xs = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            LOW,
            HIGH,
            -708.5,
            -745.0,
            -746.0,
            709.5,
            710.0,
            f64::NEG_INFINITY,
            f64::INFINITY,
            1e-300,
            -1e-17,
        ];
        let mut v = xs.to_vec();
        exp_in_place(&mut v);
        for (&x, &y) in xs.iter().zip(&v) {
            assert!(ulps(y, x.exp()) <= 1, "exp({x}) = {y}, libm {}", x.exp());
        }
        assert_eq!(v[0], 1.0);
        assert_eq!(v[7], (-745.0f64).exp());
        assert_eq!(v[11], 0.0);
        assert_eq!(v[12], f64::INFINITY);
        let mut nan = [f64::NAN, 0.5];
        exp_in_place(&mut nan);
        assert!(nan[0].is_nan());
        assert!(ulps(nan[1], 0.5f64.exp()) <= 1);
    }
}
