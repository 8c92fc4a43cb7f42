//! The ensemble view (`e`): the full network against the arithmetic and the normalized
//! geometric mean of the softmax outputs of K = 1, 10, 100 sampled sub-networks on the
//! validation split, computed when the view opened ([`crate::app::panels::Ensemble`]), and
//! one sentence, computed from those numbers, on which mean the full network is nearer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::text::num;
use crate::app::panels::NoEnsemble;
use crate::app::{App, Run};
use crate::scenario::DropoutMode;
use crate::train::ensemble::{EnsembleResult, Score};

/// A mean whose loss is within this fraction of the full network's counts as close.
pub const CLOSE: f64 = 0.1;

/// One sentence on how close the K = 100 means' losses are to the full network's: which
/// are within [`CLOSE`] of it, which is nearer, and each one's relative difference
/// (mean − full) / full.
pub fn verdict(r: &EnsembleResult) -> String {
    let (full, a, g) = (r.full.loss, r.k100.loss, r.geometric.k100.loss);
    if !(full.is_finite() && a.is_finite() && g.is_finite()) || full <= 0.0 {
        return "K = 100: the losses cannot be compared (not finite, or the full net's is 0).".to_string();
    }
    let off = |v: f64| (v - full) / full;
    let pct = |v: f64| {
        let x = 100.0 * off(v);
        if x.abs() >= 10.0 { format!("{x:+.0}%") } else { format!("{x:+.1}%") }
    };
    let (near_a, near_g) = (off(a).abs() <= CLOSE, off(g).abs() <= CLOSE);
    let nearer = if off(g).abs() < off(a).abs() { "geometric" } else { "arithmetic" };
    let within = format!("within {:.0}%", 100.0 * CLOSE);
    let lead = match (near_a, near_g) {
        (true, true) => format!("is {within} of both means, nearer the {nearer}"),
        (false, true) => format!("is {within} of the geometric mean only"),
        (true, false) => format!("is {within} of the arithmetic mean only"),
        (false, false) => format!("is not {within} of either mean, nearer the {nearer}"),
    };
    format!("K = 100: full net's loss {} {lead} (geometric {}, arithmetic {}).", num(full), pct(g), pct(a))
}

/// Below this width the table drops to one header line and short row names.
const WIDE: u16 = 56;
/// Below this width its columns close up too (a 36-column panel at 80×24 holds 35).
const NARROW: u16 = 42;

pub fn lines(app: &App, run: &Run, width: u16) -> Vec<Line<'static>> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().add_modifier(Modifier::DIM);
    let Some(e) = app.panels.ensemble.as_ref() else { return vec![Line::from("e computes the comparison")] };
    let mut out = Vec::new();
    match &e.result {
        Err(NoEnsemble::NoDropout) => {
            out.push(Line::styled("No dropout in this scenario: nothing can be dropped.", bold));
            out.push(Line::from(
                "Every sub-network is the full network, so there is no ensemble to compare with. \
                 Try regularization/dropout.",
            ));
        }
        Err(NoEnsemble::NoValidation) => {
            out.push(Line::styled("No validation split: nothing to compare on.", bold));
            out.push(Line::from(
                "The comparison is made on the validation split only (data.validation = 0 here).",
            ));
        }
        Ok(r) => {
            let full = match run.loaded.scenario.dropout.mode {
                DropoutMode::Classic => "full net (W × keep)",
                DropoutMode::Inverted => "full net (inverted)",
            };
            let g = &r.geometric;
            let rows = [
                (full, "full net", &r.full, None),
                ("mean of K = 1", "K = 1", &r.k1, Some(&g.k1)),
                ("mean of K = 10", "K = 10", &r.k10, Some(&g.k10)),
                ("mean of K = 100", "K = 100", &r.k100, Some(&g.k100)),
            ];
            let wide = width >= WIDE;
            let (name_w, acc_w, loss_w) = match width {
                _ if wide => (20, 7, 9),
                NARROW.. => (11, 6, 8),
                _ => (8, 5, 7),
            };
            let pair_w = acc_w + 1 + loss_w;
            let sep = if wide { "  " } else { " " };
            if wide {
                let head = format!(
                    "{:<20}{:^pair_w$}{sep}{:^pair_w$}",
                    "validation", "arithmetic mean", "geometric mean"
                );
                out.push(Line::styled(head, dim));
                let acc_loss = format!("{:>w$}{:>loss_w$}", "acc", "loss", w = acc_w + 1);
                out.push(Line::styled(format!("{:<20}{acc_loss}{sep}{acc_loss}", ""), dim));
            } else {
                let head = format!(
                    "{:<name_w$}{:>pair_w$}{sep}{:>pair_w$}",
                    if width >= NARROW { "validation" } else { "val." },
                    "arithmetic",
                    "geometric"
                );
                out.push(Line::styled(head, dim));
            }
            let pair = |s: &Score| format!("{:>acc_w$.1}%{:>loss_w$}", 100.0 * s.acc, num(s.loss));
            for (i, (long, short, a, g)) in rows.into_iter().enumerate() {
                let name = if wide { long } else { short };
                let style = if i == 0 { bold } else { Style::new() };
                let mut spans = vec![Span::styled(format!("{name:<name_w$}"), style), Span::raw(pair(a))];
                if let Some(g) = g {
                    spans.push(Span::raw(format!("{sep}{}", pair(g))));
                }
                out.push(Line::from(spans));
            }
            if wide {
                out.push(Line::from(""));
            }
            out.push(Line::styled(verdict(r), bold));
            out.push(Line::styled(
                "Sub-network i drops the units training step i dropped (the same seed). Arithmetic: \
                 the mean of their softmax outputs; geometric: the softmax of their mean \
                 log-probabilities, which the weight-scaled full network approximates (Hinton et al. \
                 2012; Srivastava et al. 2014).",
                dim,
            ));
        }
    }
    if e.step != run.trainer.step {
        out.push(Line::styled(format!("now at step {}: e twice recomputes", run.trainer.step), dim));
    }
    out
}

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    let step = app.panels.ensemble.as_ref().map_or(run.trainer.step, |e| e.step);
    let now = run.trainer.step;
    let title = if step == now {
        format!("Dropout as an ensemble  step {step}")
    } else {
        format!("Dropout as an ensemble  as of step {step} (now {now})")
    };
    let width = area.width.saturating_sub(2);
    Paragraph::new(lines(app, run, width))
        .wrap(Wrap { trim: false })
        .block(super::view_block(title, "e or Esc closes"))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::ensemble::Geometric;

    fn result(full: f64, arithmetic: f64, geometric: f64) -> EnsembleResult {
        let s = |loss| Score { acc: 0.9, loss };
        let k100 = s(geometric);
        EnsembleResult {
            full: s(full),
            k1: s(1.0),
            k10: s(1.0),
            k100: s(arithmetic),
            geometric: Geometric { k1: s(1.0), k10: s(1.0), k100 },
        }
    }

    #[test]
    fn the_sentence_follows_the_numbers() {
        let v = verdict(&result(0.1351, 0.2804, 0.1320));
        assert_eq!(
            v,
            "K = 100: full net's loss 0.1351 is within 10% of the geometric mean only \
             (geometric -2.3%, arithmetic +108%)."
        );
        assert!(verdict(&result(1.0, 1.05, 1.02)).contains("within 10% of both means, nearer the geometric"));
        assert!(
            verdict(&result(1.0, 1.01, 1.08)).contains("within 10% of both means, nearer the arithmetic")
        );
        assert!(verdict(&result(1.0, 1.05, 1.5)).contains("of the arithmetic mean only"));
        assert!(
            verdict(&result(1.0, 2.0, 1.5))
                .contains("is not within 10% of either mean, nearer the geometric")
        );
        assert!(verdict(&result(1.0, f64::NAN, 1.5)).contains("cannot be compared"));
    }
}
