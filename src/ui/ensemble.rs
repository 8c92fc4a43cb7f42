//! The ensemble view (`e`): the full network against the average softmax of K = 1, 10, 100
//! sampled sub-networks on the validation split, computed when the view opened
//! ([`crate::app::panels::Ensemble`]).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::text::num;
use crate::app::panels::NoEnsemble;
use crate::app::{App, Run};
use crate::scenario::DropoutMode;
use crate::train::ensemble::Score;

pub fn lines(app: &App, run: &Run) -> Vec<Line<'static>> {
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
            out.push(Line::styled(format!("{:<20}{:>9}{:>10}", "validation", "acc", "loss"), dim));
            let row = |name: &str, s: &Score, style: Style| {
                Line::from(vec![
                    Span::styled(format!("{name:<20}"), style),
                    Span::raw(format!("{:>8.1}%{:>10}", 100.0 * s.acc, num(s.loss))),
                ])
            };
            out.push(row(full, &r.full, bold));
            out.push(row("mean of K = 1", &r.k1, Style::new()));
            out.push(row("mean of K = 10", &r.k10, Style::new()));
            out.push(row("mean of K = 100", &r.k100, Style::new()));
            out.push(Line::from(
                "The claim: dropout trains many sub-networks that share weights, and the full \
                 network approximates the average of their predictions — compare it with K = 100.",
            ));
            out.push(Line::styled(
                "Sub-network i drops the units training step i dropped (the same seed); K of them \
                 average their softmax outputs.",
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
    Paragraph::new(lines(app, run))
        .wrap(Wrap { trim: false })
        .block(super::view_block(title, "e or Esc closes"))
        .render(area, buf);
}
