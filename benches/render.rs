//! Time to render one frame of the single view into a TestBackend, with the wide
//! 784-256-10 matrices, at 120×40 and 250×70.

use criterion::{Criterion, criterion_group, criterion_main};
use nnviz::app::App;
use nnviz::theme::ColorMode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(c: &mut Criterion) {
    let loaded = nnviz::load::load("benches/workloads/wide.toml", None).expect("workload loads");
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open(loaded);
    app.train(5);
    app.update_scales(); // as the runner does before each frame
    for (w, h) in [(120u16, 40u16), (250, 70)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        c.bench_function(&format!("frame single wide {w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| nnviz::ui::render(&app, f.area(), f.buffer_mut())).expect("draws");
            })
        });
    }
}

/// The compare view with the five regularization settings on the wide workload.
fn render_compare(c: &mut Criterion) {
    let loaded: Vec<_> = ["none", "l2", "l1", "l1_l2", "dropout"]
        .iter()
        .map(|name| {
            let mut l = nnviz::load::load("benches/workloads/wide.toml", None).expect("workload loads");
            l.scenario.name = name.to_string();
            l
        })
        .collect();
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open_all(loaded);
    app.train(3);
    app.update_scales(); // as the runner does before each frame
    for (w, h) in [(120u16, 40u16), (250, 70)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        c.bench_function(&format!("frame compare 5 wide {w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| nnviz::ui::render(&app, f.area(), f.buffer_mut())).expect("draws");
            })
        });
    }
}

criterion_group!(benches, render, render_compare);
criterion_main!(benches);
