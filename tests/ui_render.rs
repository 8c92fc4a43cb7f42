//! Whole screens rendered into a TestBackend at several sizes (insta snapshots of the
//! text), plus colours checked on chosen cells.

#![allow(clippy::unwrap_used)]

use nnviz::app::keymap::{Key, action_for};
use nnviz::app::{App, Run};
use nnviz::nn::Tensor;
use nnviz::theme::ColorMode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

fn app(name: &str, colors: ColorMode) -> App {
    let mut app = App::new(colors);
    app.paused = true;
    app.open(nnviz::load::load(name, None).unwrap());
    app
}

fn screen(app: &App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| nnviz::ui::render(app, f.area(), f.buffer_mut())).unwrap();
    t.backend().buffer().clone()
}

/// The screen as text, one line per row.
fn text(b: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn press(app: &mut App, key: Key) {
    app.handle(action_for(key).unwrap());
}

#[test]
fn zero_w2_after_0_1_2_steps() {
    let mut a = app("zero_w2", ColorMode::TrueColor);
    let s0 = text(&screen(&a, 120, 40));
    assert!(s0.contains("step 0"));
    insta::assert_snapshot!("zero_w2_step0_120x40", s0);
    press(&mut a, Key::Char('n'));
    let s1 = text(&screen(&a, 120, 40));
    assert!(s1.contains("step 1"));
    assert!(s1.contains("FROZEN w2_zero"), "W1 frozen with its reason at step 1");
    assert!(s1.contains("W1 frozen: ∇W1 = g xᵀ is 0"));
    insta::assert_snapshot!("zero_w2_step1_120x40", s1);
    press(&mut a, Key::Char('n'));
    let s2 = text(&screen(&a, 120, 40));
    assert!(!s2.contains("FROZEN"));
    insta::assert_snapshot!("zero_w2_step2_120x40", s2);
}

#[test]
fn eighty_by_24_shows_every_panel() {
    let mut a = app("zero_w2", ColorMode::TrueColor);
    press(&mut a, Key::Char('n'));
    let s = text(&screen(&a, 80, 24));
    for title in ["W1", "b1", "W2", "b2", "Loss", "Frozen", "Inspector", "step 1", "epoch 0"] {
        assert!(s.contains(title), "{title} missing at 80×24");
    }
    insta::assert_snapshot!("zero_w2_step1_80x24", s);
}

#[test]
fn wide_terminal_shows_weights_and_gradients_side_by_side() {
    let a = app("digits", ColorMode::TrueColor);
    let s = text(&screen(&a, 200, 60));
    assert!(s.contains("∇W1") && s.contains("∇b2"));
    insta::assert_snapshot!("digits_200x60", s);
}

#[test]
fn g_toggles_gradients_when_narrow() {
    let mut a = app("digits", ColorMode::TrueColor);
    assert!(!text(&screen(&a, 120, 40)).contains("∇W1"));
    press(&mut a, Key::Char('g'));
    assert!(text(&screen(&a, 120, 40)).contains("∇W1"));
}

#[test]
fn tiny_terminal_says_so() {
    let a = app("zero_w2", ColorMode::TrueColor);
    let s = text(&screen(&a, 60, 20));
    assert!(s.contains("Terminal too small: need 80×24, have 60×20"), "{s}");
}

#[test]
fn no_color_uses_glyphs() {
    let a = app("zero_w2", ColorMode::Mono);
    let b = screen(&a, 120, 40);
    let s = text(&b);
    assert!(s.contains('+') && s.contains('-'));
    assert!(s.contains("· "), "exact zeros of W2 shown as ·");
    insta::assert_snapshot!("zero_w2_mono_120x40", s);
}

#[test]
fn help_lists_the_keys() {
    let mut a = app("zero_w2", ColorMode::TrueColor);
    press(&mut a, Key::Char('?'));
    for (w, h) in [(80, 24), (120, 40)] {
        let s = text(&screen(&a, w, h));
        for (label, desc) in nnviz::ui::help::entries() {
            assert!(s.contains(desc), "{label} {desc} missing at {w}×{h}");
        }
    }
    insta::assert_snapshot!("help_80x24", text(&screen(&a, 80, 24)));
}

#[test]
fn menu_lists_the_bundled_scenarios() {
    let a = App::new(ColorMode::TrueColor);
    let s = text(&screen(&a, 80, 24));
    assert!(s.contains("zero_w2") && s.contains("About zero_all"));
    insta::assert_snapshot!("menu_80x24", s);
}

fn wide_app() -> App {
    let text =
        "[data]\nsource = \"blobs\"\nsamples = 300\nfeatures = 784\nclasses = 10\n[network]\nhidden = 256\n";
    let dir = std::env::temp_dir().join(format!("nnviz-wide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("wide.toml");
    std::fs::write(&path, text).unwrap();
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open(nnviz::load::load(path.to_str().unwrap(), None).unwrap());
    app
}

#[test]
fn wide_w1_is_aggregated_and_zoomable() {
    let mut a = wide_app();
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("W1 256×784"));
    assert!(s.contains("per cell"), "aggregated blocks are said in the title");
    for _ in 0..6 {
        press(&mut a, Key::Char('z'));
    }
    let zoomed = text(&screen(&a, 120, 40));
    assert!(zoomed.contains("W1 256×784 1:1"), "zoomed in to single elements");
    for _ in 0..100 {
        press(&mut a, Key::Right);
    }
    assert_eq!(a.view.cursor[Tensor::W1 as usize], (0, 100));
    insta::assert_snapshot!("wide_120x40", s);
}

/// The cell that draws the cursor's element of W1 shows the cursor colour, and an exact 0
/// of W2 the zero colour.
#[test]
fn colours_on_chosen_cells() {
    let a = app("zero_w2", ColorMode::TrueColor);
    let area = Rect::new(0, 0, 120, 40);
    let b = screen(&a, 120, 40);
    let areas = nnviz::ui::layout::areas(area, &a).unwrap();
    let run: &Run = a.run().unwrap();
    for m in &areas.maps {
        let (rows, cols) = run.shape(m.tensor);
        let g = nnviz::ui::heatmap::geometry(rows, cols, m.inner, 0, Some((0, 0)), ColorMode::TrueColor);
        let (x, y) = g.cell_of(0, 0).unwrap();
        let cell = &b[(x, y)];
        match m.tensor {
            Tensor::W1 => assert_eq!(cell.fg, a.palette.cursor(), "cursor on W1[0,0]"),
            Tensor::W2 => assert_eq!(cell.fg, a.palette.zero(), "W2 = 0 drawn as exact zero"),
            _ => {}
        }
    }
    assert_ne!(a.palette.zero(), a.palette.color(1e-9));
    assert_ne!(a.palette.zero(), Color::Reset);
}

fn compare_app(n: usize) -> App {
    let names = [
        "regularization/none",
        "regularization/l2",
        "regularization/l1",
        "regularization/l1_l2",
        "regularization/dropout",
    ];
    let loaded: Vec<_> = (0..n)
        .map(|i| {
            let mut l = nnviz::load::load(names[i % names.len()], None).unwrap();
            if i >= names.len() {
                l.scenario.name = format!("{}-{i}", l.scenario.name);
            }
            l
        })
        .collect();
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open_all(loaded);
    app.train(30);
    app.refresh_if_stale();
    app
}

#[test]
fn compare_view_renders_2_5_9_runs() {
    for n in [2, 5, 9] {
        let a = compare_app(n);
        for (w, h) in [(120u16, 40u16), (200, 60)] {
            let s = text(&screen(&a, w, h));
            assert!(s.contains(&format!("compare {n} runs")), "{n} runs at {w}×{h}");
            assert!(s.contains("Validation loss"));
            assert!(s.contains("★ chosen"), "{n} runs at {w}×{h}:\n{s}");
            let fit = (w / nnviz::ui::compare::MIN_COLUMN) as usize;
            if n > fit {
                assert!(s.contains(&format!("{} more ▶", n - fit)), "{n} runs at {w}×{h}:\n{s}");
            }
            insta::assert_snapshot!(format!("compare_{n}_{w}x{h}"), s);
        }
    }
}
