//! The three matrix products of a training step. Small ones (the tiny and lecture-sized
//! networks) run as plain loops, where ndarray's general product would spend more time
//! dispatching and packing than multiplying; medium ones (digits) go to ndarray's
//! `general_mat_mul` on one thread; large ones (the wide network) to the `gemm` crate on
//! all of rayon's threads, which packs less and splits the work better for these shapes
//! (`cargo bench --bench products`).
//! All arrays are row-major and contiguous (the workspace and parameters are).

use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Products handed to a library so far: matrixmultiply allocates one packing buffer for
/// each, the only allocation a digits training step makes (counted by a test).
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
/// From this many multiply-adds on, a product runs on all threads through `gemm`. Each
/// output element is still one thread's sum in a fixed order: results do not depend on
/// the number of threads (a test runs the wide workload on 1, 2 and 3).
const SPLIT: usize = 1 << 20;

/// c = alpha · a · b for large products, on all of rayon's threads, through the `gemm`
/// crate (faer's kernels).
#[allow(unsafe_code)]
fn parallel(alpha: f64, a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.ncols();
    assert!(b.nrows() == k && c.dim() == (n, m), "product shapes");
    if n == 0 || m == 0 || k == 0 {
        c.fill(0.0);
        return;
    }
    let (ars, acs) = (a.strides()[0], a.strides()[1]);
    let (brs, bcs) = (b.strides()[0], b.strides()[1]);
    let (crs, ccs) = (c.strides()[0], c.strides()[1]);
    let threads = rayon::current_num_threads();
    // SAFETY: the pointers and strides are those of live ndarray views whose shapes were
    // just checked (n×k, k×m, n×m), so every element gemm touches is inside them; `c` is
    // a unique borrow, so it aliases neither input; with `read_dst` false, c is only
    // written.
    unsafe {
        gemm::gemm(
            n,
            m,
            k,
            c.as_mut_ptr(),
            ccs,
            crs,
            false,
            a.as_ptr(),
            acs,
            ars,
            b.as_ptr(),
            bcs,
            brs,
            0.0,
            alpha,
            false,
            false,
            false,
            gemm::Parallelism::Rayon(threads),
        );
    }
}

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
    if n * m * k >= SPLIT {
        library(|| parallel(1.0, a, b.t(), c));
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
    if n * m * k >= SPLIT {
        library(|| parallel(alpha, a.t(), b, c));
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

    /// The parallel path (the wide network's shapes) agrees with ndarray's product.
    #[test]
    fn large_products_match_ndarray() {
        let (n, d, h) = (64, 300, 100);
        assert!(n * d * h >= SPLIT);
        let (x, w) = (m(n, d, 0.3), m(h, d, 0.7));
        let mut z = Array2::zeros((n, h));
        a_bt(x.view(), w.view(), z.view_mut());
        assert!((&z - &x.dot(&w.t())).iter().all(|v| v.abs() < 1e-9));
        let g = m(n, h, 0.9);
        let mut dw = Array2::zeros((h, d));
        at_b(0.25, g.view(), x.view(), dw.view_mut());
        assert!((&dw - &(g.t().dot(&x) * 0.25)).iter().all(|v| v.abs() < 1e-9));
    }
}
