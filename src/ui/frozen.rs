//! The "Frozen" panel: which tensors have not moved since step 0, and why; dead and
//! duplicate units, zeros, and the update/weight ratio.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::app::Run;
use crate::nn::Tensor;

fn groups(g: &[Vec<usize>]) -> String {
    if g.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<String> = g.iter().map(|u| format!("{{{}}}", list(u))).collect();
    shown.join(" ")
}

/// "0,1,2" or "0..15" for a run of consecutive units.
fn list(u: &[usize]) -> String {
    match (u.first(), u.last()) {
        (Some(&a), Some(&b)) if u.len() > 3 && b - a + 1 == u.len() => format!("{a}..{b}"),
        _ => u.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
    }
}

/// Below this inner width (a sub-view took the space) the table drops its "first change"
/// column: a frozen tensor has none, a moving one says "since N".
const COMPACT_WIDTH: u16 = 36;

pub fn lines(run: &Run, width: u16) -> Vec<Line<'static>> {
    let t = &run.trainer;
    let d = &run.diagnosis;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let compact = width < COMPACT_WIDTH;
    let header = if compact { "   unchanged/total" } else { "   unchanged/total  first change" };
    let mut out = vec![Line::styled(header, Style::new().add_modifier(Modifier::DIM))];
    for x in Tensor::ALL {
        if compact {
            let (unchanged, total) = (t.changes.unchanged(x), t.changes.total(x));
            let state = if unchanged == total {
                let code = t.why[x as usize]
                    .as_ref()
                    .and_then(|w| w.code)
                    .map_or(String::new(), |c| format!(" {c}"));
                Span::styled(format!("FROZEN{code}"), bold)
            } else {
                let first = t.changes.first_change_step(x).map_or(String::new(), |s| format!(" since {s}"));
                Span::raw(format!("moving{first}"))
            };
            out.push(Line::from(vec![
                Span::styled(format!("{:<3}", x.name()), bold),
                Span::raw(format!("{:>9} ", format!("{unchanged}/{total}"))),
                state,
            ]));
            continue;
        }
        let (unchanged, total) = (t.changes.unchanged(x), t.changes.total(x));
        let first = t.changes.first_change_step(x).map_or("—".to_string(), |s| s.to_string());
        let state = if unchanged == total {
            let code =
                t.why[x as usize].as_ref().and_then(|w| w.code).map_or(String::new(), |c| format!(" {c}"));
            Span::styled(format!("FROZEN{code}"), bold)
        } else {
            Span::raw("moving")
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:<3}", x.name()), bold),
            Span::raw(format!("{:>11}  {first:<6}", format!("{unchanged}/{total}"))),
            state,
        ]));
    }
    for x in Tensor::ALL {
        if let Some(why) = t.why[x as usize].as_ref().filter(|_| t.changes.is_frozen(x)) {
            out.push(Line::from(vec![
                Span::styled(format!("{} frozen: ", x.name()), bold),
                Span::raw(why.text()),
            ]));
        }
    }
    let m = run.trainer.params.hidden();
    let pct = |v: f64| format!("{:.1}", 100.0 * v);
    let ratio = |v: Option<f64>| v.map_or("—".to_string(), |r| format!("{r:.2}"));
    out.push(Line::from(format!(
        "dead units {}/{m}  duplicate units {}",
        d.dead.len(),
        groups(&d.duplicates)
    )));
    out.push(Line::from(format!(
        "exact 0   W1 {}%  W2 {}%",
        pct(d.zero_fraction[0]),
        pct(d.zero_fraction[1])
    )));
    out.push(Line::from(format!(
        "|w|<1e-3  W1 {}%  W2 {}%",
        pct(d.near_zero_fraction[0]),
        pct(d.near_zero_fraction[1])
    )));
    out.push(Line::from(format!(
        "log10 ‖ΔW‖/‖W‖  W1 {}  W2 {}",
        ratio(run.metrics.update_ratio[0]),
        ratio(run.metrics.update_ratio[1])
    )));
    out.push(Line::from(format!("‖W1‖ {:.3}  ‖W2‖ {:.3}", d.norm[0], d.norm[1])));
    out
}

pub fn render(run: &Run, area: Rect, buf: &mut Buffer) {
    Paragraph::new(lines(run, area.width.saturating_sub(2)))
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title("Frozen"))
        .render(area, buf);
}
