//! The three matrix products of a training step. Small ones (the tiny and lecture-sized
//! networks) run as plain loops, where ndarray's general product would spend more time
//! dispatching and packing than multiplying; larger ones go to `general_mat_mul`.
//! All arrays are row-major and contiguous (the workspace and parameters are).

use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Products handed to `general_mat_mul` so far: matrixmultiply allocates one packing
/// buffer for each, the only allocation a training step makes (counted by a test).
static LIBRARY_PRODUCTS: AtomicUsize = AtomicUsize::new(0);

pub fn library_products() -> usize {
    LIBRARY_PRODUCTS.load(Ordering::Relaxed)
}

fn library(f: impl FnOnce()) {
    LIBRARY_PRODUCTS.fetch_add(1, Ordering::Relaxed);
    f();
}

/// Below this many multiply-adds a product runs as plain loops.
const SMALL: usize = 8192;
/// Stack scratch (elements) for the transposed operand of the few-inputs loops.
const STACK: usize = 256;
/// From this many multiply-adds on, a product is split in two halves computed on two
/// threads. The split does not depend on the number of threads, so results do not either.
const SPLIT: usize = 1 << 20;

/// c = a · bᵀ, with a n×k and b m×k (rows of both contiguous along k).
pub fn a_bt(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.nrows();
    if n * m * k <= SMALL
        && let (Some(a), Some(b)) = (a.as_slice(), b.as_slice())
        && let Some(c) = c.as_slice_mut()
    {
        if (1..=4).contains(&k) && m * k <= STACK {
            // Few inputs (2-D data): bᵀ copied to the stack once, then each output row is
            // a sum of k contiguous rows of bᵀ.
            let mut bt = [0.0; STACK];
            for (j, bj) in b.chunks_exact(k).enumerate() {
                for (l, &v) in bj.iter().enumerate() {
                    bt[l * m + j] = v;
                }
            }
            for (ar, cr) in a.chunks_exact(k).zip(c.chunks_exact_mut(m.max(1))) {
                cr.fill(0.0);
                for (&x, btl) in ar.iter().zip(bt.chunks_exact(m.max(1))) {
                    for (cj, &v) in cr.iter_mut().zip(btl) {
                        *cj += x * v;
                    }
                }
            }
            return;
        }
        for (ar, cr) in a.chunks_exact(k.max(1)).zip(c.chunks_exact_mut(m.max(1))) {
            for (bj, cj) in b.chunks_exact(k.max(1)).zip(cr.iter_mut()) {
                *cj = ar.iter().zip(bj).map(|(x, y)| x * y).sum();
            }
        }
        return;
    }
    if n * m * k >= SPLIT && m >= 2 {
        // Halves of b's rows are halves of c's columns.
        let half = m / 2;
        let (b0, b1) = b.split_at(ndarray::Axis(0), half);
        let (c0, c1) = c.view_mut().split_at(ndarray::Axis(1), half);
        rayon::join(|| a_bt(a, b0, c0), || a_bt(a, b1, c1));
        return;
    }
    library(|| general_mat_mul(1.0, &a, &b.t(), 0.0, &mut c));
}

/// c = alpha · aᵀ · b, with a n×m and b n×k: c is m×k.
pub fn at_b(alpha: f64, a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
    let (n, m) = a.dim();
    let k = b.ncols();
    if n * m * k <= SMALL
        && let (Some(a), Some(b)) = (a.as_slice(), b.as_slice())
        && let Some(c) = c.as_slice_mut()
    {
        c.fill(0.0);
        if (1..=4).contains(&k) && m * k <= STACK {
            // Few columns in b (2-D inputs): accumulate cᵀ (k×m) on the stack with
            // contiguous rows, then transpose it into c.
            let mut ct = [0.0; STACK];
            for (ar, br) in a.chunks_exact(m.max(1)).zip(b.chunks_exact(k)) {
                for (&bl, ctl) in br.iter().zip(ct.chunks_exact_mut(m.max(1))) {
                    for (cv, &av) in ctl.iter_mut().zip(ar) {
                        *cv += bl * av;
                    }
                }
            }
            for (j, cr) in c.chunks_exact_mut(k).enumerate() {
                for (l, cv) in cr.iter_mut().enumerate() {
                    *cv = ct[l * m + j];
                }
            }
        } else {
            for (ar, br) in a.chunks_exact(m.max(1)).zip(b.chunks_exact(k.max(1))) {
                for (&aij, cr) in ar.iter().zip(c.chunks_exact_mut(k.max(1))) {
                    if aij != 0.0 {
                        for (cv, &bv) in cr.iter_mut().zip(br) {
                            *cv += aij * bv;
                        }
                    }
                }
            }
        }
        for v in c.iter_mut() {
            *v *= alpha;
        }
        return;
    }
    if n * m * k >= SPLIT && m >= 2 {
        // Halves of a's columns are halves of c's rows.
        let half = m / 2;
        let (a0, a1) = a.split_at(ndarray::Axis(1), half);
        let (c0, c1) = c.view_mut().split_at(ndarray::Axis(0), half);
        rayon::join(|| at_b(alpha, a0, b, c0), || at_b(alpha, a1, b, c1));
        return;
    }
    library(|| general_mat_mul(alpha, &a.t(), &b, 0.0, &mut c));
}

/// c = a · b, with a n×k and b k×m.
pub fn a_b(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.ncols();
    if n * m * k <= SMALL
        && let (Some(a), Some(b)) = (a.as_slice(), b.as_slice())
        && let Some(c) = c.as_slice_mut()
    {
        for (ar, cr) in a.chunks_exact(k.max(1)).zip(c.chunks_exact_mut(m.max(1))) {
            cr.fill(0.0);
            for (&ail, br) in ar.iter().zip(b.chunks_exact(m.max(1))) {
                for (cv, &bv) in cr.iter_mut().zip(br) {
                    *cv += ail * bv;
                }
            }
        }
        return;
    }
    library(|| general_mat_mul(1.0, &a, &b, 0.0, &mut c));
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn m(r: usize, c: usize, seed: f64) -> Array2<f64> {
        Array2::from_shape_fn((r, c), |(i, j)| ((i * 7 + j * 3) as f64 * seed).sin())
    }

    /// The loop path and ndarray's product agree (to rounding) on small shapes.
    #[test]
    fn small_products_match_ndarray() {
        for (n, k, mm) in [(1, 1, 1), (16, 2, 16), (16, 16, 3), (5, 7, 3), (3, 0, 2)] {
            let (a, b) = (m(n, k, 0.3), m(mm, k, 0.7));
            let mut c = Array2::zeros((n, mm));
            a_bt(a.view(), b.view(), c.view_mut());
            assert!((&c - &a.dot(&b.t())).iter().all(|d| d.abs() < 1e-12));
            let (a, b) = (m(n, mm, 0.2), m(n, k, 0.9));
            let mut c = Array2::zeros((mm, k));
            at_b(0.5, a.view(), b.view(), c.view_mut());
            assert!((&c - &(a.t().dot(&b) * 0.5)).iter().all(|d| d.abs() < 1e-12));
            let (a, b) = (m(n, k, 0.4), m(k, mm, 0.6));
            let mut c = Array2::zeros((n, mm));
            a_b(a.view(), b.view(), c.view_mut());
            assert!((&c - &a.dot(&b)).iter().all(|d| d.abs() < 1e-12));
        }
    }
}
