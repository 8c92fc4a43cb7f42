//! A training step allocates nothing of nnviz's own: buffers are made once per batch
//! size and reused. The only allocations allowed are the gemm crate's, for the products
//! large enough to go to it (named below).

#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call forwards to the system allocator unchanged; the counter only
// observes allocations made on a thread that switched counting on.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
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
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
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
    let loaded = nnviz::load::load(name, None).unwrap();
    let mut t = nnviz::train::Trainer::from_loaded(&loaded);
    for _ in 0..t.steps_per_epoch() + 1 {
        t.step();
    }
    ALLOCATIONS.store(0, Ordering::Relaxed);
    let products = nnviz::nn::products::library_products();
    COUNTING.with(|c| c.set(true));
    for _ in 0..steps {
        t.step();
    }
    COUNTING.with(|c| c.set(false));
    assert!(t.diverged.is_none());
    (ALLOCATIONS.load(Ordering::Relaxed), nnviz::nn::products::library_products() - products)
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
