//! The element under the cursor: value, gradient split into its terms, last update,
//! whether it ever changed, and which units it connects.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::text::{UNIT_BASE, num};
use crate::app::{App, Run};
use crate::nn::Tensor;
use crate::nn::model::sign;
use crate::scenario::L1Mode;

/// Row-major index of a displayed (row, col) in the tensor's storage.
pub fn index(run: &Run, t: Tensor, (r, c): (usize, usize)) -> usize {
    let (_, cols) = run.shape(t);
    r * cols + c
}

fn connects(t: Tensor, (r, c): (usize, usize)) -> String {
    let (r, c) = (r + UNIT_BASE, c + UNIT_BASE);
    match t {
        Tensor::W1 => format!("input {c} → hidden {r}"),
        Tensor::B1 => format!("bias of hidden {r}"),
        Tensor::W2 => format!("hidden {c} → output {r}"),
        Tensor::B2 => format!("bias of output {r}"),
    }
}

pub fn lines(app: &App, run: &Run) -> Vec<Line<'static>> {
    let t = app.view.focus;
    let (r, c) = app.view.cursor[t as usize];
    let (rows, cols) = run.shape(t);
    if r >= rows || c >= cols {
        return vec![Line::from("no element")];
    }
    let i = index(run, t, (r, c));
    let tr = &run.trainer;
    let value = tr.params.get(t)[i];
    let before = tr.prev.get(t)[i];
    let applied = tr.grads.get(t)[i];
    let data = tr.data_grads.get(t)[i];
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let name = match t {
        Tensor::B1 | Tensor::B2 => format!("{}[{r}]", t.name()),
        _ => format!("{}[{r},{c}]", t.name()),
    };
    let changed = if tr.changes.ever_changed(t, i) { "changed" } else { "never changed" };
    let mut out = vec![
        Line::from(vec![Span::styled(name, bold), Span::raw(format!("  {}", connects(t, (r, c))))]),
        Line::from(format!("value {}  Δ {}  {changed}", num(value), num(value - before))),
    ];
    if tr.step == 0 {
        out.push(Line::from("∇: no step taken yet (n steps once)"));
        return out;
    }
    let mut terms = format!("∇ {} = data {}", num(applied), num(data));
    if let Some(l) = t.layer() {
        let reg = tr.reg();
        let l2 = reg.l2[l] * before;
        terms.push_str(&format!(" + L2 {}", num(l2)));
        if reg.l1[l] > 0.0 {
            match reg.l1_mode {
                L1Mode::Subgradient => terms.push_str(&format!(" + L1 {}", num(reg.l1[l] * sign(before)))),
                L1Mode::Proximal => terms.push_str(&format!(
                    " (L1 proximal: shrink {})",
                    num(tr.scenario.train.learning_rate * reg.l1[l],)
                )),
            }
        }
    }
    if tr.step > 0 && applied == 0.0 && data == 0.0 && dropped(run, t, (r, c)) {
        terms.push_str("  (dropped: not updated)");
    }
    out.push(Line::from(terms));
    out
}

/// Whether the last step's masks dropped a unit this element belongs to.
fn dropped(run: &Run, t: Tensor, (r, c): (usize, usize)) -> bool {
    let m = &run.trainer.masks;
    match t {
        Tensor::W1 => !m.hidden_kept(r) || !m.input_kept(c),
        Tensor::B1 => !m.hidden_kept(r),
        Tensor::W2 => !m.hidden_kept(c),
        Tensor::B2 => false,
    }
}

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    Paragraph::new(lines(app, run))
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title("Inspector"))
        .render(area, buf);
}
