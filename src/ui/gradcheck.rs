//! The gradient-check view (`G`): largest relative error per tensor between the analytic
//! gradient and central differences on the next step's batch, and the elements skipped at a
//! ReLU or L1 kink; computed on the key press ([`crate::app::gradcheck`]).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::text::{ix, num};
use crate::app::gradcheck::Check;
use crate::app::{App, Run};
use crate::nn::Tensor;
use crate::nn::gradcheck::EPSILON;

/// An element of a tensor by its row-major index, in the screen's numbering.
fn element(t: Tensor, idx: usize, cols: usize) -> String {
    match t {
        Tensor::W1 | Tensor::W2 => {
            format!("{}[{},{}]", t.name(), ix(idx / cols.max(1)), ix(idx % cols.max(1)))
        }
        Tensor::B1 | Tensor::B2 => format!("{}[{}]", t.name(), ix(idx)),
    }
}

pub fn lines(c: &Check, now: u64, cols: [usize; 4]) -> Vec<Line<'static>> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().add_modifier(Modifier::DIM);
    let mut out = vec![Line::styled(
        format!(
            "{:<4}{:>12}{:>12}  {:<6}{:>8}  {}",
            "", "max rel err", "max abs err", "passed", "skipped", "checked"
        ),
        dim,
    )];
    let cell = |v: Option<f64>| v.map_or("—".to_string(), num);
    for t in Tensor::ALL {
        let i = t as usize;
        let probed = if c.sampled[i] == c.total[i] {
            format!("{} of {}", c.checked[i], c.total[i])
        } else {
            format!("{} (sampled {} of {})", c.checked[i], c.sampled[i], c.total[i])
        };
        let passed = match c.passed[i] {
            Some(true) => Span::raw(format!("{:<6}", "yes")),
            Some(false) => Span::styled(format!("{:<6}", "NO"), bold),
            None => Span::raw(format!("{:<6}", "—")),
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:<4}", t.name()), bold),
            Span::raw(format!("{:>12}{:>12}  ", cell(c.max_rel_error[i]), cell(c.max_abs_error[i]))),
            passed,
            Span::raw(format!("{:>8}  {probed}", c.skipped[i])),
        ]));
    }
    let failed: Vec<Tensor> =
        Tensor::ALL.into_iter().filter(|&t| c.passed[t as usize] == Some(false)).collect();
    let verdict = if let Some(why) = c.not_finite {
        format!("nothing compared: {why}")
    } else if c.passed.iter().all(Option::is_none) {
        "every element sat at a kink: nothing compared".to_string()
    } else if failed.is_empty() {
        let none: Vec<Tensor> = Tensor::ALL.into_iter().filter(|&t| c.passed[t as usize].is_none()).collect();
        if none.is_empty() {
            "agrees: every checked element passes".to_string()
        } else {
            let names: Vec<&str> = none.iter().map(|t| t.name()).collect();
            format!(
                "agrees on what was compared; {}: nothing compared (every probe crossed a kink)",
                names.join(", ")
            )
        }
    } else {
        let names: Vec<String> = failed
            .iter()
            .filter_map(|&t| {
                c.worst[t as usize].map(|(idx, a, n)| {
                    format!("{}: analytic {} numeric {}", element(t, idx, cols[t as usize]), num(a), num(n))
                })
            })
            .collect();
        format!("differs, worst {}", names.join("; "))
    };
    out.push(Line::styled(verdict, bold));
    out.push(Line::styled(
        format!(
            "passed: |a−n| ≤ 1e-7 + 1e-5·|n| for every element (rel err |a−n| / max(|a|,|n|,1e-8) is \
             large where ∇ is tiny); central differences ε = {EPSILON:e} on the {} rows of step {}'s batch; \
             skipped: a probe crossed a ReLU or L1 kink",
            c.rows,
            c.step + 1
        ),
        dim,
    ));
    if c.step != now {
        out.push(Line::styled(format!("as of step {}; now at step {now}: G twice recomputes", c.step), dim));
    }
    out
}

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    let Some(c) = app.panels.gradcheck.as_ref() else {
        Block::bordered().title("Gradient check").render(area, buf);
        return;
    };
    let now = run.trainer.step;
    let title = if c.step == now {
        format!("Gradient check at step {now}")
    } else {
        format!("Gradient check as of step {} (now {now})", c.step)
    };
    let p = &run.trainer.params;
    let cols = [p.inputs(), 1, p.hidden(), 1];
    Paragraph::new(lines(c, run.trainer.step, cols))
        .wrap(Wrap { trim: false })
        .block(super::view_block(title, "G or Esc closes"))
        .render(area, buf);
}
