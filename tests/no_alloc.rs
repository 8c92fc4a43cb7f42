//! A training step allocates nothing of nnviz's own: buffers are made once per batch
//! size and reused. The only allocations allowed are the gemm crate's, for the products
//! large enough to go to it (named below). Nor does the UI's refresh at each logging step
//! (metrics, diagnosis, statuses, the look-ahead step), once warm.

#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;

struct Counting;

thread_local! {
    /// Whether this thread counts, and what it counted: per thread, so tests running side
    /// by side do not count each other's allocations.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// The count of products handed to a library is global: tests that read it run one at a time.
static LIBRARY_COUNT: Mutex<()> = Mutex::new(());

fn counted() -> usize {
    ALLOCATIONS.with(Cell::get)
}

fn count(on: bool) {
    if on {
        ALLOCATIONS.with(|a| a.set(0));
    }
    COUNTING.with(|c| c.set(on));
}

// SAFETY: every call forwards to the system allocator unchanged; the counter only
// observes allocations made on a thread that switched counting on.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        // SAFETY: same layout, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the pointer came from `System.alloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        // SAFETY: the pointer came from `System.alloc`, the layout is its own.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made on this thread by `steps` training steps, after one epoch of
/// warm-up, and the products handed to matrixmultiply meanwhile.
fn allocations(name: &str, steps: u64) -> (usize, usize) {
    let _serial = LIBRARY_COUNT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let loaded = nnviz::load::load(name, None).unwrap();
    let mut t = nnviz::train::Trainer::from_loaded(&loaded);
    for _ in 0..t.steps_per_epoch() + 1 {
        t.step();
    }
    let products = nnviz::nn::products::library_products();
    count(true);
    for _ in 0..steps {
        t.step();
    }
    count(false);
    assert!(t.diverged.is_none());
    (counted(), nnviz::nn::products::library_products() - products)
}

#[test]
fn training_steps_allocate_only_packing_buffers() {
    // tiny (2-16-3), digits (64-32-10), a frozen scenario and dropout on a small network:
    // every product runs in nnviz's own loops, so nothing is allocated at all.
    for name in [
        "benches/workloads/tiny.toml",
        "benches/workloads/digits.toml",
        "zero_all",
        "tests/fixtures/valid/tiny_dropout.toml",
    ] {
        assert_eq!(allocations(name, 1000), (0, 0), "{name}");
    }
    // wide (784-256-10, batch 64): its two large products per step go to the gemm crate,
    // which allocates, per call, its packing buffer and a vector of packed-block flags
    // (on this thread; more on its workers). Nothing else allocates.
    let (allocs, products) = allocations("benches/workloads/wide.toml", 20);
    assert_eq!(products, 40);
    assert!(allocs <= 2 * products, "wide: {allocs} allocations for {products} gemm calls");
}

/// Allocations made by `App::train` over `refreshes` logging intervals of a scenario, after
/// one warm-up epoch and a few refreshes; and how many refreshes those were.
fn refresh_allocations(name: &str, refreshes: u64) -> (usize, usize, u64, nnviz::train::diagnose::Diagnosis) {
    let _serial = LIBRARY_COUNT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut app = nnviz::app::App::new(nnviz::theme::ColorMode::TrueColor);
    app.open(nnviz::load::load(name, None).unwrap());
    let every = app.run().unwrap().loaded.scenario.train.log_every;
    let epoch = app.run().unwrap().trainer.steps_per_epoch();
    app.train(epoch.div_ceil(every) * every + 3 * every);
    let before = app.run().unwrap().metrics.step;
    let products = nnviz::nn::products::library_products();
    count(true);
    app.train(refreshes * every);
    count(false);
    let run = app.run().unwrap();
    assert!(run.trainer.diverged.is_none(), "{name}");
    assert_eq!(run.metrics.step, run.trainer.step, "{name}: the numbers are of the step reached");
    assert_eq!(run.diagnosis.step, run.trainer.step, "{name}");
    let refreshed = (run.metrics.step - before) / every;
    (counted(), nnviz::nn::products::library_products() - products, refreshed, run.diagnosis.clone())
}

#[test]
fn refreshes_allocate_nothing_once_warm() {
    let dir = tempfile::tempdir().unwrap();
    // Fixed masks (the lecture's dropout example, trained longer), and a network dead from
    // the start under random input dropout: the diagnosis then bounds z1 over every mask.
    let fixed = dir.path().join("fixed_masks.toml");
    let slide = std::fs::read_to_string("scenarios/dropout_slide.toml").unwrap();
    std::fs::write(&fixed, slide.replace("steps = 10\nlog_every = 1", "steps = 1000\nlog_every = 5"))
        .unwrap();
    let dead = dir.path().join("dead_dropout.toml");
    std::fs::write(
        &dead,
        "name = \"dead_dropout\"\n[data]\nsource = \"blobs\"\nsamples = 200\n[network]\nhidden = 8\n\
         [init]\nW1 = { kind = \"zeros\" }\nb1 = { kind = \"constant\", value = -1.0 }\n[dropout]\nkeep_input = 0.8\n",
    )
    .unwrap();
    // Frozen, waiting, dead and duplicate units, L1's band, dropout's masks: every reading
    // the diagnosis makes, on networks that refresh in place.
    for name in [
        "zero_w2",
        "zero_all",
        "constant_init",
        "digits",
        "l1_subgradient",
        "regularization/dropout",
        "tests/fixtures/valid/tiny_dropout.toml",
        fixed.to_str().unwrap(),
        dead.to_str().unwrap(),
    ] {
        let (allocs, products, refreshes, diagnosis) = refresh_allocations(name, 5);
        assert_eq!(refreshes, 5, "{name}");
        if name.ends_with("dead_dropout.toml") {
            assert_eq!(diagnosis.dead.len(), 8, "every unit is dead");
            assert_eq!(diagnosis.status[0].lasting, Some(nnviz::train::status::Lasting::ReluDead));
        }
        assert_eq!(
            (allocs, products),
            (0, 0),
            "{name}: allocations and library products over {refreshes} refreshes"
        );
    }
}

#[test]
fn background_refreshes_allocate_nothing_once_warm() {
    let _serial = LIBRARY_COUNT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Large enough that the UI evaluates it on another thread (64-64-10 on 2048 rows: about
    // 10 million multiply-adds), small enough that the training steps run in nnviz's own
    // loops.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.toml");
    std::fs::write(
        &file,
        "name = \"slow\"\n[data]\nsource = \"blobs\"\nsamples = 2048\nfeatures = 64\nclasses = 10\n\
         validation = 0\ntest = 0\n[network]\nhidden = 64\n[train]\nbatch_size = 16\nlog_every = 4\n",
    )
    .unwrap();
    let mut app = nnviz::app::App::new(nnviz::theme::ColorMode::TrueColor);
    app.evaluate_in_background();
    app.open(nnviz::load::load(file.to_str().unwrap(), None).unwrap());
    // Wait for the refresh on the other thread to arrive.
    let settle = |app: &mut nnviz::app::App| {
        let start = std::time::Instant::now();
        while !app.collect() {
            assert!(start.elapsed().as_secs() < 120, "a background refresh never arrived");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    };
    settle(&mut app);
    for _ in 0..3 {
        app.train(4);
        settle(&mut app);
    }
    count(true);
    for _ in 0..5 {
        app.train(4);
        settle(&mut app);
    }
    count(false);
    let run = app.run().unwrap();
    assert_eq!((run.trainer.step, run.metrics.step, run.diagnosis.step), (32, 32, 32));
    assert_eq!(counted(), 0, "allocations on the UI's thread over five background refreshes");
    // The numbers made on the other thread are the trainer's own.
    let mut copy = run.trainer.clone();
    assert_eq!(run.metrics, copy.metrics());
    assert_eq!(run.diagnosis, copy.diagnose());
}
