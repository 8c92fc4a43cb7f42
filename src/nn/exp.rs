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

/// v ← exp(v), element by element; each result depends only on its own argument. In
/// AVX-512 vectors where the build's target has them ([`avx512`]: LLVM's tuning for Intel's
/// processors would give this loop 256-bit ones), else in [`exp_portable`]; both give the
/// same bits.
pub fn exp_in_place(v: &mut [f64]) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    avx512::exp_in_place(v);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    exp_portable(v);
}

/// [`exp_in_place`] in loops the compiler vectorizes.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "avx512f", not(test)), allow(dead_code))]
fn exp_portable(v: &mut [f64]) {
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

/// [`exp_in_range`] on eight lanes at a time: the same operations in the same order.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
#[allow(unsafe_code)]
mod avx512 {
    use std::arch::x86_64::{
        __m512d, _CMP_GE_OQ, _CMP_LE_OQ, _mm512_add_epi64, _mm512_castpd_si512, _mm512_castsi512_pd,
        _mm512_cmp_pd_mask, _mm512_fmadd_pd, _mm512_fnmadd_pd, _mm512_loadu_pd, _mm512_mask_cmp_pd_mask,
        _mm512_mask_storeu_pd, _mm512_maskz_loadu_pd, _mm512_mul_pd, _mm512_set1_epi64, _mm512_set1_pd,
        _mm512_slli_epi64, _mm512_storeu_pd, _mm512_sub_pd,
    };

    use super::{HIGH, LN2_HI, LN2_LO, LOG2_E, LOW, ROUND, TAYLOR, exp_in_range, in_range};

    pub(super) fn exp_in_place(v: &mut [f64]) {
        let mut chunks = v.chunks_exact_mut(8);
        for chunk in &mut chunks {
            // SAFETY: a chunk holds 8 elements; the intrinsics need AVX-512F, which this
            // module is only compiled with.
            unsafe {
                let x = _mm512_loadu_pd(chunk.as_ptr());
                if in_range_mask(x, u8::MAX) == u8::MAX {
                    _mm512_storeu_pd(chunk.as_mut_ptr(), exp8(x));
                } else {
                    one_by_one(chunk);
                }
            }
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty() {
            let all = u8::MAX >> (8 - tail.len());
            // SAFETY: only the tail's lanes are read and written.
            unsafe {
                let x = _mm512_maskz_loadu_pd(all, tail.as_ptr());
                if in_range_mask(x, all) == all {
                    _mm512_mask_storeu_pd(tail.as_mut_ptr(), all, exp8(x));
                } else {
                    one_by_one(tail);
                }
            }
        }
    }

    /// The lanes of `among` whose argument is in [LOW, HIGH] (NaN is not).
    #[inline(always)]
    unsafe fn in_range_mask(x: __m512d, among: u8) -> u8 {
        // SAFETY: AVX-512F, as for the module.
        unsafe {
            let low = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(among, x, _mm512_set1_pd(LOW));
            _mm512_cmp_pd_mask::<_CMP_LE_OQ>(x, _mm512_set1_pd(HIGH)) & low
        }
    }

    /// A chunk with an argument out of range: element by element, as the portable loop.
    #[cold]
    fn one_by_one(chunk: &mut [f64]) {
        for x in chunk {
            *x = if in_range(*x) { exp_in_range(*x) } else { x.exp() };
        }
    }

    /// exp_in_range of eight arguments (each lane's value for an argument in range).
    #[inline(always)]
    unsafe fn exp8(x: __m512d) -> __m512d {
        // SAFETY: AVX-512F, as for the module.
        unsafe {
            let round = _mm512_set1_pd(ROUND);
            let t = _mm512_fmadd_pd(x, _mm512_set1_pd(LOG2_E), round);
            let n = _mm512_sub_pd(t, round);
            // fma(−n, c, y) = −(n·c) + y, exactly.
            let r =
                _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_LO), _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_HI), x));
            let mut p = _mm512_set1_pd(TAYLOR[0]);
            for &c in &TAYLOR[1..] {
                p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c));
            }
            let bits =
                _mm512_slli_epi64::<52>(_mm512_add_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(1023)));
            _mm512_mul_pd(p, _mm512_castsi512_pd(bits))
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

    /// The loop a build runs gives the portable loop's bits, on every length around the
    /// vector width and with arguments out of range (NaN, ±∞, overflow, subnormal results)
    /// in any lane.
    #[test]
    fn exp_in_place_gives_the_portable_bits() {
        let odd = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 710.0, -746.0, -708.5, HIGH, LOW, -0.0];
        for len in 0..40usize {
            for bad in [None, Some(0), Some(len / 2), Some(len.saturating_sub(1))] {
                for &o in &odd {
                    let mut want: Vec<f64> =
                        (0..len).map(|i| (i as f64 * 0.731).sin() * 30.0 - 3.0).collect();
                    if let Some(at) = bad.filter(|&at| at < len) {
                        want[at] = o;
                    }
                    let mut got = want.clone();
                    exp_portable(&mut want);
                    exp_in_place(&mut got);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&want), "length {len}, {o} at {bad:?}");
                }
            }
        }
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
