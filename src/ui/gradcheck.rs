//! The gradient-check view (`G`): largest relative error per tensor between the analytic
//! gradient and central differences on the next step's batch, and the elements skipped at a
//! ReLU or L1 kink; computed on the key press ([`crate::app::gradcheck`]).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::text::num;
use crate::app::gradcheck::Check;
use crate::app::{App, Run};
use crate::nn::Tensor;
use crate::nn::gradcheck::EPSILON;

/// Below this the two gradients agree (the README's rule of thumb).
const AGREE: f64 = 1e-6;
/// Below this they are close (float rounding where a gradient is small).
const CLOSE: f64 = 1e-4;

pub fn lines(c: &Check, now: u64) -> Vec<Line<'static>> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().add_modifier(Modifier::DIM);
    let mut out =
        vec![Line::styled(format!("{:<4}{:>11}{:>9}  {}", "", "max rel err", "skipped", "checked"), dim)];
    for t in Tensor::ALL {
        let i = t as usize;
        let err = c.max_rel_error[i].map_or("—".to_string(), num);
        let probed = if c.sampled[i] == c.total[i] {
            format!("{} of {}", c.checked[i], c.total[i])
        } else {
            format!("{} (sampled {} of {})", c.checked[i], c.sampled[i], c.total[i])
        };
        let style =
            if c.max_rel_error[i].is_some_and(|e| e.is_nan() || e >= AGREE) { bold } else { Style::new() };
        out.push(Line::from(vec![
            Span::styled(format!("{:<4}", t.name()), bold),
            Span::styled(format!("{err:>11}"), style),
            Span::raw(format!("{:>9}  {probed}", c.skipped[i])),
        ]));
    }
    let worst = Tensor::ALL.into_iter().filter_map(|t| c.max_rel_error[t as usize].map(|e| (e, t))).fold(
        None,
        |a: Option<(f64, Tensor)>, (e, t)| if a.is_some_and(|(w, _)| w >= e) { a } else { Some((e, t)) },
    );
    let verdict = match worst {
        None => "every element sat at a kink: nothing compared".to_string(),
        Some((w, _)) if w < AGREE => format!("all below {}: the gradients agree", num(AGREE)),
        Some((w, t)) if w < CLOSE => {
            format!("largest {} ({}): close; rounding where ∇ is tiny does that", num(w), t.name())
        }
        Some((w, t)) => format!("largest {} ({}): the gradients differ", num(w), t.name()),
    };
    out.push(Line::styled(verdict, bold));
    out.push(Line::styled(
        format!(
            "|a−n| / max(|a|,|n|,1e-8), central differences ε = {EPSILON:e} on the {} rows of step {}'s batch; \
             skipped: a probe crossed a ReLU or L1 kink",
            c.rows,
            c.step + 1
        ),
        dim,
    ));
    if c.step != now {
        out.push(Line::styled(format!("now at step {now}: G twice recomputes"), dim));
    }
    out
}

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    let Some(c) = app.panels.gradcheck.as_ref() else {
        Block::bordered().title("Gradient check").render(area, buf);
        return;
    };
    let title = format!("Gradient check at step {}", c.step);
    Paragraph::new(lines(c, run.trainer.step))
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .title(Line::styled(title, Style::new().add_modifier(Modifier::BOLD)))
                .title_bottom(Line::from(" G or Esc closes ").right_aligned()),
        )
        .render(area, buf);
}
