//! The usual playground data sets, generated from a seed.
//!
//! Every generator draws from one `Xoshiro256PlusPlus` seeded with `seed` and in a fixed
//! order (example by example), so the same arguments give the same bits on every platform.
//! Example `i` gets class `i % classes`: the classes are balanced (they differ by at most
//! one example) and the order is deterministic; the splitter shuffles later. `noise` is the
//! standard deviation of the Gaussian noise added to every coordinate last (0 = none).

use std::f64::consts::{PI, TAU};

use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

use super::Dataset;

/// Half-width of the box the blob centres are drawn from.
const BLOB_BOX: f64 = 10.0;

/// How far one turn of a spiral arm winds (radians from the centre to radius 1).
const SPIRAL_TURN: f64 = 4.0;

/// `classes` Gaussian clusters in `features` dimensions.
///
/// The centres are drawn first, uniformly from the box [-10, 10]^features (as scikit-learn's make_blobs) (class by class);
/// then example `i` (class `i % classes`) is its centre plus N(0, 1) on every coordinate,
/// plus N(0, noise²) on every coordinate. The clusters stay separable in high dimensions
/// too: the distance between centres grows like √features, as does the spread of a
/// cluster, so their ratio does not depend on `features`. `classes = 0` is taken as 1.
pub fn blobs(samples: usize, classes: usize, features: usize, noise: f64, seed: u64) -> Dataset {
    let classes = classes.max(1);
    let mut rng = rng(seed);
    let centres: Vec<Vec<f64>> = (0..classes)
        .map(|_| (0..features).map(|_| rng.random_range(-BLOB_BOX..BLOB_BOX)).collect())
        .collect();
    let mut x = Array2::zeros((samples, features));
    let mut y = Vec::with_capacity(samples);
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        let class = i % classes;
        for (v, c) in row.iter_mut().zip(&centres[class]) {
            let spread = gauss(&mut rng);
            *v = c + spread + noise * gauss(&mut rng);
        }
        y.push(class);
    }
    Dataset { x, y, classes }
}

/// Two classes in the XOR pattern: uniform in the square [-1, 1]², class 1 where the
/// coordinates' signs differ (x·y < 0), class 0 where they agree; then the noise.
///
/// To keep the classes exactly balanced, example `i` has class `i % 2` and its point is
/// drawn uniformly from that class's two quadrants (the same law as drawing from the whole
/// square and keeping the points of that class).
pub fn xor(samples: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = rng(seed);
    points(samples, 2, |i| {
        let class = i % 2;
        let a: f64 = rng.random_range(0.0..1.0);
        let b: f64 = rng.random_range(0.0..1.0);
        let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
        let flip = if class == 1 { -1.0 } else { 1.0 };
        let p = [sign * a, sign * flip * b];
        (with_noise(p, noise, &mut rng), class)
    })
}

/// Two concentric circles, as in scikit-learn's `make_circles` (factor 0.5): class 0 on
/// the outer circle of radius 1, class 1 on the inner circle of radius 0.5, the angle
/// uniform in [0, 2π); then the noise. Example `i` has class `i % 2`.
pub fn circles(samples: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = rng(seed);
    points(samples, 2, |i| {
        let class = i % 2;
        let radius = if class == 0 { 1.0 } else { 0.5 };
        let angle: f64 = rng.random_range(0.0..TAU);
        let p = [radius * angle.cos(), radius * angle.sin()];
        (with_noise(p, noise, &mut rng), class)
    })
}

/// Two interleaving half circles, as in scikit-learn's `make_moons`: class 0 at
/// (cos t, sin t), class 1 at (1 − cos t, 0.5 − sin t), t uniform in [0, π]; then the
/// noise. Example `i` has class `i % 2`.
pub fn moons(samples: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = rng(seed);
    points(samples, 2, |i| {
        let class = i % 2;
        let t: f64 = rng.random_range(0.0..=PI);
        let p = if class == 0 { [t.cos(), t.sin()] } else { [1.0 - t.cos(), 0.5 - t.sin()] };
        (with_noise(p, noise, &mut rng), class)
    })
}

/// `classes` interleaved spiral arms (the CS231n toy set): for class c, the radius r is
/// uniform in [0, 1], the angle θ = c·2π/classes + 4r radians, and the point is
/// r·(sin θ, cos θ); then the noise. Example `i` has class `i % classes`; the arms start
/// together at the origin and each winds 4 radians (about 2/3 of a turn) outwards.
/// `classes = 0` is taken as 1.
pub fn spiral(samples: usize, classes: usize, noise: f64, seed: u64) -> Dataset {
    let classes = classes.max(1);
    let mut rng = rng(seed);
    points(samples, classes, |i| {
        let class = i % classes;
        let r: f64 = rng.random_range(0.0..=1.0);
        let theta = class as f64 * TAU / classes as f64 + SPIRAL_TURN * r;
        let p = [r * theta.sin(), r * theta.cos()];
        (with_noise(p, noise, &mut rng), class)
    })
}

/// The one generator every data set draws from (portable, unlike `StdRng`).
fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// One N(0, 1) draw.
fn gauss(rng: &mut Xoshiro256PlusPlus) -> f64 {
    rng.sample(StandardNormal)
}

/// Add N(0, noise²) to both coordinates (x first, then y, so the draw order is fixed).
fn with_noise(p: [f64; 2], noise: f64, rng: &mut Xoshiro256PlusPlus) -> [f64; 2] {
    let dx = gauss(rng);
    let dy = gauss(rng);
    [p[0] + noise * dx, p[1] + noise * dy]
}

/// Build a two-feature data set from a generator called for examples 0, 1, … in order.
fn points(samples: usize, classes: usize, mut example: impl FnMut(usize) -> ([f64; 2], usize)) -> Dataset {
    let mut x = Array2::zeros((samples, 2));
    let mut y = Vec::with_capacity(samples);
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        let (p, class) = example(i);
        row[0] = p[0];
        row[1] = p[1];
        y.push(class);
    }
    Dataset { x, y, classes }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Generator = fn(usize, f64, u64) -> Dataset;

    /// Every generator as a function of (samples, noise, seed), with its class count.
    fn all() -> Vec<(&'static str, Generator, usize)> {
        vec![
            ("blobs", |n, s, seed| blobs(n, 3, 5, s, seed), 3),
            ("xor", xor, 2),
            ("circles", circles, 2),
            ("moons", moons, 2),
            ("spiral", |n, s, seed| spiral(n, 4, s, seed), 4),
        ]
    }

    fn counts(d: &Dataset) -> Vec<usize> {
        let mut c = vec![0; d.classes];
        for &l in &d.y {
            c[l] += 1;
        }
        c
    }

    #[test]
    fn same_seed_same_bits() {
        for (name, f, _) in all() {
            let a = f(101, 0.1, 7);
            let b = f(101, 0.1, 7);
            let bits = |d: &Dataset| d.x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "{name}");
            assert_eq!(a.y, b.y, "{name}");
        }
    }

    #[test]
    fn different_seeds_differ() {
        for (name, f, _) in all() {
            assert_ne!(f(50, 0.1, 1).x, f(50, 0.1, 2).x, "{name}");
        }
    }

    #[test]
    fn shapes_and_classes() {
        for (name, f, classes) in all() {
            let d = f(101, 0.2, 3);
            assert_eq!(d.rows(), 101, "{name}");
            assert_eq!(d.y.len(), 101, "{name}");
            assert_eq!(d.classes, classes, "{name}");
            let features = if name == "blobs" { 5 } else { 2 };
            assert_eq!(d.features(), features, "{name}");
            assert!(d.x.iter().all(|v| v.is_finite()), "{name}");
        }
    }

    #[test]
    fn labels_balanced_and_in_order() {
        for (name, f, classes) in all() {
            let d = f(103, 0.2, 3);
            let c = counts(&d);
            let (lo, hi) = (c.iter().min(), c.iter().max());
            assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "{name}: {c:?}");
            assert!(d.y.iter().enumerate().all(|(i, &l)| l == i % classes), "{name}");
        }
    }

    #[test]
    fn empty_and_degenerate_sizes_do_not_panic() {
        for (_, f, _) in all() {
            assert_eq!(f(0, 0.1, 1).rows(), 0);
        }
        assert_eq!(blobs(10, 0, 3, 0.0, 1).classes, 1);
        assert_eq!(blobs(10, 2, 0, 0.0, 1).features(), 0);
        assert_eq!(spiral(10, 0, 0.0, 1).classes, 1);
    }

    #[test]
    fn geometry_without_noise() {
        let d = xor(200, 0.0, 5);
        for (row, &l) in d.x.rows().into_iter().zip(&d.y) {
            assert!(row.iter().all(|v| v.abs() <= 1.0));
            assert_eq!(l == 1, row[0] * row[1] < 0.0);
        }
        let d = circles(200, 0.0, 5);
        for (row, &l) in d.x.rows().into_iter().zip(&d.y) {
            let r = row[0].hypot(row[1]);
            assert!((r - [1.0, 0.5][l]).abs() < 1e-12);
        }
        let d = moons(200, 0.0, 5);
        for (row, &l) in d.x.rows().into_iter().zip(&d.y) {
            let centre = [[0.0, 0.0], [1.0, 0.5]][l];
            let r = (row[0] - centre[0]).hypot(row[1] - centre[1]);
            assert!((r - 1.0).abs() < 1e-12);
            assert!(if l == 0 { row[1] >= 0.0 } else { row[1] <= 0.5 });
        }
        let d = spiral(200, 3, 0.0, 5);
        assert!(d.x.rows().into_iter().all(|r| r[0].hypot(r[1]) <= 1.0 + 1e-12));
    }

    #[test]
    fn blob_clusters_sit_around_their_centres() {
        let d = blobs(3000, 3, 2, 0.0, 9);
        for class in 0..3 {
            let rows: Vec<_> = (0..d.rows()).filter(|i| d.y[*i] == class).collect();
            for j in 0..2 {
                let vals: Vec<f64> = rows.iter().map(|&i| d.x[[i, j]]).collect();
                let mean = vals.iter().sum::<f64>() / vals.len() as f64;
                let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64;
                assert!(mean.abs() < BLOB_BOX + 0.5, "centre inside the box");
                assert!((var - 1.0).abs() < 0.15, "unit spread, got {var}");
            }
        }
    }

    #[test]
    fn noise_changes_points() {
        assert_ne!(moons(20, 0.0, 4).x, moons(20, 0.3, 4).x);
    }
}
