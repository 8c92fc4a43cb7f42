//! Whole screens rendered into a TestBackend at several sizes (insta snapshots of the
//! text), plus colours checked on chosen cells.

#![allow(clippy::unwrap_used)]

mod common;

use common::{screen, text};
use nnviz::app::keymap::{Key, action_for};
use nnviz::app::{App, Run};
use nnviz::nn::Tensor;
use nnviz::theme::ColorMode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

fn app(name: &str, colors: ColorMode) -> App {
    let mut app = App::new(colors);
    app.paused = true;
    app.open(nnviz::load::load(name, None).unwrap());
    app
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
    assert!(!s0.contains("FROZEN"), "nothing is frozen before a step");
    assert!(s0.contains("not stepped yet: step 1 will change W2, b2"));
    assert!(!s1.contains("FROZEN"), "W1 waits for W2 at step 1: it changes at step 2");
    assert!(s1.contains("W1, b1 waiting: changes at step 2; at step 1 g = 0 because W2 = 0"), "{s1}");
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
    // Each screen's help, as drawn, shows every key of that screen beside what it does.
    let mut single = app("zero_w2", ColorMode::TrueColor);
    let mut menu = App::new(ColorMode::TrueColor);
    let mut compare = compare_app(2);
    for a in [&mut single, &mut menu, &mut compare] {
        press(a, Key::Char('?'));
        for (w, h) in [(80, 24), (120, 40)] {
            let s = text(&screen(a, w, h));
            for (label, desc) in nnviz::ui::help::entries_for(a.screen) {
                let entry = format!("{label:>7}  {desc}");
                assert!(
                    s.contains(&entry),
                    "{entry:?} missing from the help of {:?} at {w}×{h}:\n{s}",
                    a.screen
                );
            }
        }
    }
    insta::assert_snapshot!("help_80x24", text(&screen(&single, 80, 24)));
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

/// The cursor's element of W1 keeps its value visible (its colour under a marker, or its
/// number), and an exact 0 of W2 is black with a `·`.
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
            Tensor::W1 => {
                assert!(g.numbers(), "16×2 W1 has room for its numbers at 120×40");
                assert_eq!((cell.symbol(), cell.fg), ("[", a.palette.cursor()), "cursor marker on W1[0,0]");
                let w = g.cell_width() as u16;
                let text: String = (x..x + w).map(|x| b[(x, y)].symbol()).collect();
                assert_eq!(text, "[ 1.48 ]", "the value under the cursor stays readable");
                assert_ne!(b[(x + 3, y)].bg, a.palette.cursor(), "no solid fill");
            }
            Tensor::W2 => {
                assert_eq!(cell.bg, a.palette.zero(), "W2 = 0 drawn as exact zero");
                let w = g.cell_width() as u16;
                assert!((x..x + w).any(|x| b[(x, y)].symbol() == "·"), "exact zero marked with ·");
            }
            _ => {}
        }
    }
    assert_ne!(a.palette.zero(), a.palette.color(1e-9));
    assert_ne!(a.palette.zero(), a.palette.color(1.0));
    assert_ne!(a.palette.zero(), Color::Reset);
}

/// The slide's matrices are small: their numbers are printed, with unit labels, and their
/// panels leave the rest of the screen to the others.
#[test]
fn dropout_slide_shows_its_numbers() {
    let a = app("dropout_slide", ColorMode::TrueColor);
    let area = Rect::new(0, 0, 120, 40);
    let b = screen(&a, 120, 40);
    let areas = nnviz::ui::layout::areas(area, &a).unwrap();
    let run: &Run = a.run().unwrap();
    let inside = |r: Rect| -> Vec<String> {
        (r.top()..r.bottom()).map(|y| (r.left()..r.right()).map(|x| b[(x, y)].symbol()).collect()).collect()
    };
    for m in &areas.maps {
        let (rows, cols) = run.shape(m.tensor);
        let g = nnviz::ui::heatmap::geometry(rows, cols, m.inner, 0, None, ColorMode::TrueColor);
        assert!(g.numbers(), "{:?} in number mode", m.tensor);
        let values = nnviz::ui::matrix(&run.trainer.params, m.tensor);
        let w = g.cell_width() as u16;
        for r in 0..rows {
            for c in 0..cols {
                let (x, y) = g.cell_of(r, c).unwrap();
                let text: String = (x..x + w).map(|x| b[(x, y)].symbol()).collect();
                let want = nnviz::ui::heatmap::cell_number(values[[r, c]], w as usize);
                assert_eq!(text.trim().trim_matches(['[', ']']).trim(), want, "{:?}[{r},{c}]", m.tensor);
            }
        }
    }
    let w1 = areas.maps.iter().find(|m| m.tensor == Tensor::W1).unwrap();
    let w2 = areas.maps.iter().find(|m| m.tensor == Tensor::W2).unwrap();
    let rows = inside(w1.inner);
    assert_eq!(rows[0].split_whitespace().collect::<Vec<_>>(), ["1", "2", "3"], "column labels, from 1");
    for (i, want) in
        [["1", "[", "1", "]", "2", "3"], ["2", "4", "5", "6", "", ""], ["3", "7", "8", "9", "", ""]]
            .iter()
            .enumerate()
    {
        let got: Vec<&str> = rows[i + 1].split_whitespace().collect();
        let want: Vec<&str> = want.iter().copied().filter(|s| !s.is_empty()).collect();
        assert_eq!(got, want, "W1 row {i}");
    }
    let rows = inside(w2.inner);
    // W2's rows are classes: labelled with the class labels, 0 and 1.
    assert_eq!(rows[1].split_whitespace().collect::<Vec<_>>(), ["0", "1", "2", "3"]);
    assert_eq!(rows[2].split_whitespace().collect::<Vec<_>>(), ["1", "4", "5", "6"]);
    // Sized to content: the 3×3 panel is far narrower than half the screen; the loss chart
    // takes the rows the matrices do not need.
    assert!(w1.outer.width <= 40 && w1.outer.height <= 7, "{:?}", w1.outer);
    assert!(areas.frozen.width >= 75, "{:?}", areas.frozen);
    assert!(areas.loss.y > w2.outer.y, "loss under the heatmaps");
    let s = text(&b);
    assert!(s.contains("blue +") && s.contains("red −"), "the legend says the signs in words");
    insta::assert_snapshot!("dropout_slide_120x40", s);
}

/// From 100 columns on, every matrix legend says which colour is positive, in words.
#[test]
fn legends_say_the_sign_convention() {
    for name in ["zero_w2", "dropout_slide", "digits"] {
        let a = app(name, ColorMode::TrueColor);
        for (w, h) in [(100u16, 30u16), (120, 40), (160, 50), (200, 60)] {
            let b = screen(&a, w, h);
            let areas = nnviz::ui::layout::areas(Rect::new(0, 0, w, h), &a).unwrap();
            for m in areas.maps.iter().filter(|m| matches!(m.tensor, Tensor::W1 | Tensor::W2)) {
                let y = m.outer.bottom() - 1;
                let line: String = (m.outer.left()..m.outer.right()).map(|x| b[(x, y)].symbol()).collect();
                assert!(
                    line.contains("blue") && line.contains("red"),
                    "{name} {w}×{h} {:?}: {line}",
                    m.tensor
                );
            }
        }
    }
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
            let fit = (w / nnviz::ui::compare::MIN_COLUMN) as usize;
            match a.choice() {
                // The ★ is on the chosen run's column, drawn when it fits on the screen (at
                // 120 columns the fifth run, dropout, which leads at step 30, is one ▶ away).
                nnviz::app::Choice::One(i) => {
                    assert!(i >= fit || s.contains("★ chosen"), "{n} runs at {w}×{h}:\n{s}")
                }
                // Beyond five runs the copies repeat a scenario with its seeds: exact ties.
                nnviz::app::Choice::Tie(_) => {
                    assert!(
                        n > 5 && !s.contains('★') && s.contains("tied on validation"),
                        "{n} at {w}×{h}:\n{s}"
                    )
                }
                other => panic!("{n} runs: {other:?}"),
            }
            if n > fit {
                assert!(s.contains(&format!("{} more ▶", n - fit)), "{n} runs at {w}×{h}:\n{s}");
            }
            insta::assert_snapshot!(format!("compare_{n}_{w}x{h}"), s);
        }
    }
}

/// The text inside the first bordered panel on each row that starts at column `x0`, trimmed,
/// joined with spaces (so wrapped sentences read as one line).
fn panel_text(b: &Buffer, area: Rect) -> String {
    let mut lines = Vec::new();
    for y in area.top() + 1..area.bottom().saturating_sub(1) {
        let mut line = String::new();
        for x in area.left() + 1..area.right().saturating_sub(1) {
            line.push_str(b[(x, y)].symbol());
        }
        lines.push(line.trim().to_string());
    }
    lines.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sub_area(a: &App, w: u16, h: u16) -> Rect {
    nnviz::ui::layout::areas(Rect::new(0, 0, w, h), a).unwrap().sub.unwrap()
}

#[test]
fn backprop_speaks_of_the_example_it_shows() {
    for name in ["zero_w1", "zero_w2", "zero_all"] {
        let mut a = app(name, ColorMode::TrueColor);
        press(&mut a, Key::Char('n'));
        press(&mut a, Key::Char('b'));
        let b = screen(&a, 120, 40);
        let s = text(&b);
        assert!(s.contains("Backprop"), "{name}");
        let inside = panel_text(&b, sub_area(&a, 120, 40));
        assert!(!inside.contains("frozen"), "{name}: the history belongs to the Frozen panel:\n{inside}");
        let bp = a.panels.backprop.as_ref().unwrap();
        let g = bp.inspection.ws.g.row(bp.example).to_vec();
        if name == "zero_w2" {
            // W2 moved at step 1: step 2's batch has g ≠ 0, and nothing says otherwise.
            assert!(g.iter().any(|&v| v != 0.0));
            for claim in ["g = 0", "W2 = 0", "frozen"] {
                assert!(!inside.contains(claim), "{name}: {claim:?} in\n{inside}");
            }
        } else {
            assert!(g.iter().all(|&v| v == 0.0));
            assert!(inside.contains("all 0"), "{name}: an exact zero vector is called out");
            assert!(
                inside.contains("h = 0 for this example because z1 = W1x + b1 = 0 (W1 = 0, b1 = 0)"),
                "{name}:\n{inside}"
            );
            assert!(inside.contains("g = 0 for this example because"), "{name}:\n{inside}");
        }
        if name == "zero_all" {
            assert!(inside.contains("because W2 = 0 and relu′(z1) = 0 for every unit"), "{inside}");
        }
        for label in ["x", "z1 = W1x + b1", "h = relu(z1)", "ŷ = softmax", "∇W2 = (ŷ−y)hᵀ", "∇b2 = ŷ−y"]
        {
            assert!(inside.contains(label), "{name}: {label} missing");
        }
        for label in ["gᵀ = ((ŷ−y)ᵀW2) ⊙ relu′(z1ᵀ)", "∇W1 = g xᵀ", "∇b1 = g"] {
            assert!(inside.contains(label), "{name}: {label} missing");
        }
        if name == "zero_w2" {
            insta::assert_snapshot!("backprop_zero_w2_step1_120x40", s);
        }
        let small = text(&screen(&a, 80, 24));
        assert!(small.contains("Backprop"), "{name} at 80×24");
        if name == "zero_w1" {
            insta::assert_snapshot!("backprop_zero_w1_step1_80x24", small);
        }
        let _ = screen(&a, 200, 60);
    }
}

#[test]
fn backprop_of_the_dropout_slide() {
    let mut a = app("dropout_slide", ColorMode::TrueColor);
    press(&mut a, Key::Char('b'));
    let s = text(&screen(&a, 120, 40));
    let logits = s.lines().find(|l| l.contains("logits =")).unwrap();
    assert!(logits.contains("60  132"), "{logits}");
    let x = s.lines().find(|l| l.contains("│x  ")).unwrap();
    assert!(x.contains("0  ×  2"), "the dropped input is drawn removed: {x}");
    let h = s.lines().find(|l| l.contains("h = relu(z1)")).unwrap();
    assert!(h.contains("6  ×  18"), "{h}");
    insta::assert_snapshot!("backprop_dropout_slide_120x40", s);
    let mono = app("dropout_slide", ColorMode::Mono);
    let mut mono = mono;
    press(&mut mono, Key::Char('b'));
    assert!(text(&screen(&mono, 80, 24)).contains("60  132"));
}

#[test]
fn boundary_of_2d_data_and_its_hidden_units() {
    let mut a = app("zero_w2", ColorMode::TrueColor);
    a.train(300);
    a.refresh_if_stale();
    press(&mut a, Key::Char('d'));
    let b = screen(&a, 120, 40);
    let s = text(&b);
    assert!(s.contains("Decision boundary: predicted class"));
    assert!(s.contains('●'), "training points drawn");
    // Each class's colour appears somewhere on the plane, and points in their class colour.
    let area = sub_area(&a, 120, 40);
    let mut points = std::collections::HashSet::new();
    let mut regions = std::collections::HashSet::new();
    for y in area.top() + 1..area.bottom() - 2 {
        for x in area.left() + 1..area.right() - 1 {
            let c = &b[(x, y)];
            if c.symbol() == "●" {
                points.insert(c.fg);
            } else if c.symbol() == "▀" {
                regions.insert(c.fg);
            }
        }
    }
    for class in 0..3 {
        assert!(points.contains(&nnviz::ui::boundary::point_color(ColorMode::TrueColor, class)));
    }
    assert!(regions.len() > 3, "paler where less sure: {} colours", regions.len());
    insta::assert_snapshot!("boundary_zero_w2_120x40", s);
    press(&mut a, Key::Char('u'));
    press(&mut a, Key::Char('u'));
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("hidden unit 2 of 16"), "units are numbered from 1 on screen");
    insta::assert_snapshot!("boundary_zero_w2_unit1_120x40", s);
    for (w, h) in [(80, 24), (200, 60)] {
        assert!(text(&screen(&a, w, h)).contains("hidden unit 2"), "{w}×{h}");
    }
    let mut mono = app("zero_w2", ColorMode::Mono);
    press(&mut mono, Key::Char('d'));
    assert!(text(&screen(&mono, 80, 24)).contains("Decision boundary"));
}

#[test]
fn boundary_of_digits_shows_8x8_images() {
    let mut a = app("digits", ColorMode::TrueColor);
    press(&mut a, Key::Char('d'));
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("8×8 images"));
    assert!(s.contains("showing 32 of 32 units"), "{s}");
    assert!(s.contains("example 1/32") && s.contains("label "));
    insta::assert_snapshot!("boundary_digits_120x40", s);
    let small = text(&screen(&a, 80, 24));
    assert!(small.contains("showing") && small.contains("of 32 units"));
    let _ = screen(&a, 200, 60);
    let mut other = app("dropout_slide", ColorMode::TrueColor);
    press(&mut other, Key::Char('d'));
    let s = text(&screen(&other, 120, 40));
    assert!(s.contains("needs 2-D inputs") && s.contains("d = 3"), "{s}");
}

#[test]
fn ensemble_view() {
    let mut a = app("regularization/dropout", ColorMode::TrueColor);
    a.train(50);
    a.refresh_if_stale();
    press(&mut a, Key::Char('e'));
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("Dropout as an ensemble"));
    let r = a.panels.ensemble.as_ref().unwrap().result.unwrap();
    let g = r.geometric;
    let rows = [
        ("mean of K = 1 ", r.k1, g.k1),
        ("mean of K = 10 ", r.k10, g.k10),
        ("mean of K = 100", r.k100, g.k100),
    ];
    for (label, score, geo) in rows {
        let line = s.lines().find(|l| l.contains(label)).unwrap();
        assert!(line.contains(&format!("{:.1}%", 100.0 * score.acc)), "{line}");
        let (acc, loss) = (format!("{:.1}%", 100.0 * geo.acc), nnviz::ui::text::num(geo.loss));
        assert!(line.contains(&acc) && line.contains(&loss), "the geometric mean beside: {line}");
    }
    assert!(s.contains(&format!("{:.1}%", 100.0 * r.full.acc)));
    assert!(s.contains("arithmetic mean") && s.contains("geometric mean"));
    assert!(s.contains("K = 100: full net's loss") && s.contains("(geometric"), "{s}");
    insta::assert_snapshot!("ensemble_dropout_120x40", s);
    assert!(text(&screen(&a, 80, 24)).contains("Dropout as an ensemble"));
    let small = panel_text(&screen(&a, 80, 24), sub_area(&a, 80, 24));
    // The table and the whole sentence fit at 80×24.
    let words: String = small.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("K = 100 ") && words.contains("(geometric "), "{small}");
    for line in small.lines() {
        assert!(!line.trim_start().starts_with("0."), "a table row wrapped: {small}");
    }
    assert!(words.contains(&nnviz::ui::text::num(g.k100.loss)), "{small}");
    let mut none = app("zero_w2", ColorMode::TrueColor);
    press(&mut none, Key::Char('e'));
    assert!(panel_text(&screen(&none, 80, 24), sub_area(&none, 80, 24)).contains("nothing can be dropped"));
}

#[test]
fn gradient_check_view() {
    let mut a = app("random_init", ColorMode::TrueColor);
    for _ in 0..3 {
        press(&mut a, Key::Char('n'));
    }
    press(&mut a, Key::Char('G'));
    let mut b = screen(&a, 120, 40);
    let s = text(&b);
    assert!(s.contains("Gradient check at step 3"));
    assert!(s.contains("agrees: every checked element passes"), "{s}");
    assert!(s.lines().filter(|l| l.contains("  yes  ")).count() == 4, "each tensor passes");
    for t in ["W1", "b1", "W2", "b2"] {
        assert!(s.lines().any(|l| l.contains(&format!("│{t}  ")) && l.contains("e-")), "{t}'s error shown");
    }
    // The errors are rounding noise (different SIMD kernels round differently): the
    // snapshot blanks their column.
    let area = sub_area(&a, 120, 40);
    for y in area.y + 2..area.y + 6 {
        for x in area.x + 5..area.x + 29 {
            b[(x, y)].set_symbol("#");
        }
    }
    insta::assert_snapshot!("gradcheck_random_init_120x40", text(&b));
    assert!(text(&screen(&a, 80, 24)).contains("Gradient check"));
    let _ = screen(&a, 200, 60);
}

#[test]
fn wide_network_gradient_check_is_sampled() {
    let mut a = wide_app();
    press(&mut a, Key::Char('G'));
    let c = a.panels.gradcheck.as_ref().unwrap();
    assert!(c.capped());
    assert!(c.sampled[Tensor::W1 as usize] < c.total[Tensor::W1 as usize]);
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("of 200704)"), "{s}");
    assert!(s.contains("sampled"));
}

#[test]
fn help_shows_the_keys_of_the_view_it_is_opened_from() {
    let mut a = compare_app(2);
    press(&mut a, Key::Char('?'));
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("Keys of the compare view"), "{s}");
    assert!(s.contains("select the left column") && s.contains("open the run (b, d, e, G)"));
    assert!(!s.contains("select the scenario above"), "no menu keys in the compare view's help");
    assert!(!s.contains("zoom in"), "no heatmap keys where there is no heatmap cursor");
    assert!(s.contains("loss y-axis"), "y works in the compare view too");
    let mut m = App::new(ColorMode::TrueColor);
    press(&mut m, Key::Char('?'));
    let s = text(&screen(&m, 120, 40));
    assert!(s.contains("Keys of the menu") && s.contains("open the selected scenario"), "{s}");
    assert!(!s.contains("gradient check"));
}

#[test]
fn fixed_masks_are_named_by_the_units_they_drop() {
    let a = app("dropout_slide", ColorMode::TrueColor);
    let s = text(&screen(&a, 120, 40));
    let header = s.lines().next().unwrap();
    assert!(header.contains("drops input 2, hidden 2"), "{header}");
    assert!(!header.contains("keep 1/1"), "{header}");
}

#[test]
fn nothing_is_chosen_at_step_0_and_a_tie_is_named() {
    let names = ["regularization/none", "regularization/l2", "regularization/l1", "regularization/dropout"];
    let mut a = App::new(ColorMode::TrueColor);
    a.paused = true;
    a.open_all(names.iter().map(|n| nnviz::load::load(n, None).unwrap()).collect());
    let s = text(&screen(&a, 200, 60));
    assert!(!s.contains('★'), "all runs are alike at step 0:\n{s}");
    assert_eq!(a.chosen(), None);
    for _ in 0..20 {
        press(&mut a, Key::Char('n'));
    }
    let s = text(&screen(&a, 200, 60));
    match a.choice() {
        nnviz::app::Choice::One(c) => {
            assert!(s.contains("★ chosen"), "{s}");
            assert_eq!(a.chosen(), Some(c));
        }
        nnviz::app::Choice::Tie(runs) => {
            assert!(!s.contains('★') && s.contains("tied on validation"), "{runs:?}\n{s}");
        }
        other => panic!("after 20 steps: {other:?}"),
    }
    // Two copies of one scenario tie exactly, and no ★ is drawn.
    let mut twins = App::new(ColorMode::TrueColor);
    twins.paused = true;
    let l = nnviz::load::load("random_init", None).unwrap();
    twins.open_all(vec![l.clone(), l]);
    for _ in 0..5 {
        press(&mut twins, Key::Char('n'));
    }
    assert_eq!(twins.choice(), nnviz::app::Choice::Tie(vec![0, 1]));
    let s = text(&screen(&twins, 120, 40));
    assert!(!s.contains('★') && s.contains("tied on validation: random_init, random_init"), "{s}");
}

#[test]
fn lecture_scenarios_open_paused_at_step_0() {
    for name in
        ["zero_all", "zero_w1", "zero_w2", "random_init", "constant_init", "large_init", "dropout_slide"]
    {
        let l = nnviz::load::load(name, None).unwrap();
        assert!(l.scenario.ui.paused, "{name}");
        let mut a = App::new(ColorMode::TrueColor);
        a.open(l);
        assert!(a.paused, "{name} opens paused");
        let s = text(&screen(&a, 120, 40));
        assert!(s.contains("paused at step 0: n takes one step"), "{name}:\n{s}");
    }
    // From the menu too.
    let mut m = App::new(ColorMode::TrueColor);
    let zero_w2 = nnviz::bundled::BUNDLED.iter().position(|(n, _)| n.contains("zero_w2")).unwrap();
    for _ in 0..zero_w2 {
        press(&mut m, Key::Down);
    }
    press(&mut m, Key::Enter);
    assert!(m.paused && m.run().unwrap().loaded.scenario.name == "zero_w2");
    let digits = nnviz::load::load("digits", None).unwrap();
    assert!(!digits.scenario.ui.paused);
}

/// The rows of a panel's inside, each as text.
fn panel_rows(b: &Buffer, area: Rect) -> Vec<String> {
    (area.top() + 1..area.bottom().saturating_sub(1))
        .map(|y| (area.left() + 1..area.right().saturating_sub(1)).map(|x| b[(x, y)].symbol()).collect())
        .collect()
}

/// The y-axis tick labels of a chart: what stands left of its `│` on each row.
fn ticks(rows: &[String]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| r.split_once('│').map(|(t, _)| t.trim().to_string()))
        .filter(|t| !t.is_empty())
        .collect()
}

fn loss_panel(a: &App, w: u16, h: u16) -> (String, Vec<String>) {
    let b = screen(a, w, h);
    let area = nnviz::ui::layout::areas(Rect::new(0, 0, w, h), a).unwrap().loss;
    let title: String = (area.left()..area.right()).map(|x| b[(x, area.top())].symbol()).collect();
    (title, panel_rows(&b, area))
}

#[test]
fn loss_of_digits_on_a_log_axis_with_decades() {
    let mut a = app("digits", ColorMode::TrueColor);
    a.train(3000);
    a.refresh_if_stale();
    assert!(a.log_y_on(), "train 0.004 against a first loss of 2.3: log by itself");
    let (title, rows) = loss_panel(&a, 120, 40);
    assert!(title.contains("Loss log"), "{title}");
    assert_eq!(ticks(&rows), ["10", "1", "0.1", "0.01", "0.001"], "{rows:#?}");
    let run = a.run().unwrap();
    let end = |v: Option<f64>| nnviz::ui::chart::sig3(v.unwrap());
    let (train, val) = (end(run.metrics.train.map(|e| e.loss)), end(run.metrics.val.map(|e| e.loss)));
    for label in [format!("train {train}"), format!("val {val}")] {
        assert!(rows.iter().any(|r| r.trim_end().ends_with(&label)), "{label} at the right end:\n{rows:#?}");
    }
    // y: back to the linear axis from 0, and it sticks.
    press(&mut a, Key::Char('y'));
    assert!(!a.log_y_on(), "y overrides the automatic log axis");
    let (title, rows) = loss_panel(&a, 120, 40);
    assert!(!title.contains("log"));
    assert_eq!(ticks(&rows).last().map(String::as_str), Some("0"));
    assert!(!ticks(&rows).contains(&"0.01".to_string()));
    press(&mut a, Key::Char('y'));
    assert!(a.log_y_on());
    insta::assert_snapshot!("loss_digits_log_120x40", text(&screen(&a, 120, 40)));
    for (w, h) in [(80, 24), (200, 60)] {
        assert!(loss_panel(&a, w, h).0.contains("Loss log"), "{w}×{h}");
    }
}

#[test]
fn y_toggles_and_l_stays_cursor_right() {
    assert_eq!(action_for(Key::Char('l')), Some(nnviz::app::Action::Right));
    assert_eq!(action_for(Key::Char('y')), Some(nnviz::app::Action::ToggleLogY));
    let mut a = app("zero_w2", ColorMode::TrueColor);
    assert!(!a.log_y_on(), "one point: linear");
    press(&mut a, Key::Char('y'));
    assert!(a.log_y_on());
    assert!(loss_panel(&a, 120, 40).0.contains("Loss log"));
    press(&mut a, Key::Char('y'));
    assert!(!a.log_y_on());
    let mut c = compare_app(2);
    assert!(c.log_y_on(), "the compare view is log by default");
    press(&mut c, Key::Char('y'));
    assert!(!c.log_y_on());
    assert!(!text(&screen(&c, 120, 40)).contains("Validation loss log"));
}

#[test]
fn constant_guess_line_and_the_runs_that_converge_onto_it() {
    for name in ["zero_all", "zero_w1"] {
        let mut a = app(name, ColorMode::TrueColor);
        let steps = a.run().unwrap().loaded.scenario.train.steps;
        a.train(steps);
        a.refresh_if_stale();
        let run = a.run().unwrap();
        let h = run.constant_guess;
        assert!((h - run.trainer.data.train.class_entropy()).abs() < 1e-15);
        let last = run.metrics.train.unwrap().loss;
        assert!((last - h).abs() < 0.02 * h, "{name}: train loss {last} ends on H = {h}");
        for (w, hgt) in [(120, 40), (200, 60)] {
            let (_, rows) = loss_panel(&a, w, hgt);
            let label = format!("constant guess H {}", nnviz::ui::text::num(h));
            assert!(rows.iter().any(|r| r.contains(&label)), "{name} {w}×{hgt}: {label}\n{rows:#?}");
        }
        assert!(loss_panel(&a, 80, 24).1.iter().any(|r| r.contains("constant guess H")), "{name} 80×24");
    }
    let a = app("zero_w2", ColorMode::Mono);
    let (_, rows) = loss_panel(&a, 120, 40);
    assert!(rows.iter().any(|r| r.contains("constant guess H 1.09")), "{rows:#?}");
}

#[test]
fn train_and_val_differ_without_colour() {
    let mut a = app("digits", ColorMode::Mono);
    a.train(500);
    a.refresh_if_stale();
    let (title, rows) = loss_panel(&a, 120, 40);
    let braille = |s: &str| s.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c));
    assert!(title.contains("⠤ train") && title.contains("• val"), "the legend shows each marker: {title}");
    let plot: Vec<&str> = rows.iter().map(|r| r.split_once('│').map_or("", |x| x.1)).collect();
    assert!(plot.iter().any(|r| braille(r)), "training: a Braille line");
    assert!(plot.iter().any(|r| r.contains('•')), "validation: a line of dots");
    assert!(rows.iter().any(|r| r.contains("train ")) && rows.iter().any(|r| r.contains("val ")));
}

#[test]
fn compare_overlay_fits_the_range_after_the_first_steps() {
    // A run whose loss starts high and falls within its first 5% of steps (large_init on
    // blobs, as it was before it moved to digits, where its loss stays above 10 for longer).
    let loaded: Vec<_> =
        ["regularization/none", "regularization/l2", "tests/fixtures/valid/large_blobs.toml"]
            .iter()
            .map(|n| nnviz::load::load(n, None).unwrap())
            .collect();
    let mut a = App::new(ColorMode::TrueColor);
    a.paused = true;
    a.open_all(loaded);
    a.train(400);
    a.refresh_if_stale();
    let first = a.runs[2].history.points()[0].val_loss.unwrap();
    assert!(first > 20.0, "large_blobs starts high: {first}");
    let b = screen(&a, 120, 40);
    let s = text(&b);
    // The overlay's inside, row by row, without its border.
    let overlay: Vec<String> = s
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with('└'))
        .map(|l| {
            let c: Vec<char> = l.chars().collect();
            c[1..c.len() - 1].iter().collect()
        })
        .collect();
    let top: f64 = ticks(&overlay)[0].parse().unwrap();
    assert!(top < first / 2.0, "the first losses do not set the range: top {top}\n{s}");
    for name in ["none", "l2", "large_blobs"] {
        assert!(overlay.iter().any(|l| l.trim_end().ends_with(name)), "{name} at its curve's end\n{s}");
    }
    assert!(s.contains("Validation loss log"));
    assert!(
        s.contains("⠤ none") && s.contains("• l2") && s.contains("▚ large_blobs"),
        "each run its marker\n{s}"
    );
}

#[test]
fn the_table_calls_frozen_only_what_is_frozen_for_good() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_nnviz"))
        .args(["--headless", "--table", "--steps", "1", "zero_w2", "zero_w1"])
        .output()
        .unwrap();
    let s = String::from_utf8(o.stdout).unwrap();
    let row = |name: &str| s.lines().find(|l| l.starts_with(name)).unwrap().to_string();
    assert!(!row("zero_w2").contains("W1,b1"), "W1 and b1 are waiting at step 1:\n{s}");
    assert!(row("zero_w1").contains("W1,b1,W2"), "{s}");
}

#[test]
fn the_gradient_check_says_what_it_could_not_compare() {
    let mut a = app("zero_all", ColorMode::TrueColor);
    press(&mut a, Key::Char('n'));
    press(&mut a, Key::Char('G'));
    let s = panel_text(&screen(&a, 120, 40), sub_area(&a, 120, 40));
    let c = a.panels.gradcheck.as_ref().unwrap();
    // W1 = b1 = 0: every probe of them moves a ReLU input across 0, so none is compared.
    assert_eq!((c.passed[0], c.passed[1]), (None, None), "{s}");
    assert!(s.contains("W1, b1: nothing compared") && !s.contains("every checked element passes"), "{s}");
}

#[test]
fn network_view_draws_the_slides_dropout_example() {
    let mut a = app("dropout_slide", ColorMode::TrueColor);
    press(&mut a, Key::Char('v'));
    let s = text(&screen(&a, 120, 40));
    // The slide's input, its red neurons (input 2, hidden unit 2) and logits [60, 132].
    for want in ["Network 3-3-2", "x1 0", "x3 2", "h1 6", "60", "132", "× dropped at step 1"] {
        assert!(s.replace('\u{a0}', " ").contains(want), "{want} missing:\n{s}");
    }
    assert_eq!(s.matches('×').count(), 3, "two dropped units and the key:\n{s}");
    insta::assert_snapshot!("dropout_slide_network_120x40", s);
    // A network wider than the diagram draws says so instead.
    let mut a = app("digits", ColorMode::TrueColor);
    press(&mut a, Key::Char('v'));
    assert!(text(&screen(&a, 120, 40)).contains("at most 12 units per layer"));
}
