//! Training steps per second on the three workloads, in process (no start-up, no
//! evaluation). `benches/compare.sh` measures whole-process figures against numpy.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nnviz::train::Trainer;

fn train(c: &mut Criterion) {
    let mut g = c.benchmark_group("train_step");
    for name in ["tiny", "digits", "wide"] {
        let loaded =
            nnviz::load::load(&format!("benches/workloads/{name}.toml"), None).expect("workload loads");
        let mut t = Trainer::from_loaded(&loaded);
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| b.iter(|| t.step()));
    }
    g.finish();
}

criterion_group!(benches, train);
criterion_main!(benches);
