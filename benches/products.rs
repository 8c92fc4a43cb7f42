//! The matrix products of one training step on the wide and digits workloads' shapes,
//! through `nn::products` (what a step runs) and through ndarray's `general_mat_mul` on
//! one thread (the peer), in the same run.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use ndarray::linalg::general_mat_mul;
use nnviz::nn::products::{self, Mat, MatMut, Scratch};

fn m(r: usize, c: usize, seed: f64) -> Array2<f64> {
    Array2::from_shape_fn((r, c), |(i, j)| ((i * 7 + j * 3) as f64 * seed).sin())
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("products");
    // (name, batch n, inputs d, hidden m)
    for (name, n, d, h) in [("tiny", 16, 2, 16), ("digits", 32, 64, 32), ("wide", 64, 784, 256)] {
        let x = m(n, d, 0.3);
        let w1 = m(h, d, 0.7);
        let dz = m(n, h, 0.9);
        let mut z1 = Array2::zeros((n, h));
        let mut dw1 = Array2::zeros((h, d));
        let mut scratch = Scratch::default();
        g.throughput(Throughput::Elements((n * d * h) as u64));
        g.bench_function(format!("{name}/a_bt"), |b| {
            b.iter(|| products::a_bt(Mat::all(&x), Mat::all(&w1), MatMut::all(&mut z1), &mut scratch))
        });
        g.bench_function(format!("{name}/a_bt_ndarray"), |b| {
            b.iter(|| general_mat_mul(1.0, &x, &w1.t(), 0.0, &mut z1))
        });
        g.bench_function(format!("{name}/at_b"), |b| {
            b.iter(|| products::at_b(0.5, Mat::all(&dz), Mat::all(&x), MatMut::all(&mut dw1), &mut scratch))
        });
        g.bench_function(format!("{name}/at_b_ndarray"), |b| {
            b.iter(|| general_mat_mul(0.5, &dz.t(), &x, 0.0, &mut dw1))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
