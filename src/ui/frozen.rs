//! The "Frozen" panel: which tensors have not moved since step 0, and why; dead and
//! duplicate units, zeros, and the update/weight ratio.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::text::ix;
use crate::app::Run;
use crate::nn::Tensor;
use crate::train::status::{Lasting, Status};

fn groups(g: &[Vec<usize>]) -> String {
    if g.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<String> = g.iter().map(|u| format!("{{{}}}", list(u))).collect();
    shown.join(" ")
}

/// "1,2,3" or "1..16" for a run of consecutive units, numbered as on screen.
fn list(u: &[usize]) -> String {
    match (u.first(), u.last()) {
        (Some(&a), Some(&b)) if u.len() > 3 && b - a + 1 == u.len() => format!("{}..{}", ix(a), ix(b)),
        _ => u.iter().map(|&j| ix(j).to_string()).collect::<Vec<_>>().join(","),
    }
}

/// Below this inner width (a sub-view took the space) the table drops its "first change"
/// column: a frozen tensor has none, a moving one says "since N".
const COMPACT_WIDTH: u16 = 36;

/// A tensor's status as shown: the diagnosis's, unless the tensor has moved since it was made
/// (moving is a fact of the trainer, known at every step).
fn shown_status(run: &Run, x: Tensor) -> Status {
    let status = run.diagnosis.status[x as usize].status;
    if run.trainer.changes.first_change_step(x).is_some() {
        Status::Moving
    } else if run.trainer.step == 0 {
        Status::NotStepped
    } else {
        status
    }
}

/// One line for a compare column: "not stepped", or the frozen and waiting tensors.
pub fn summary(run: &Run) -> String {
    if run.trainer.step == 0 {
        return "not stepped".to_string();
    }
    let with = |s: Status| -> Vec<Tensor> {
        Tensor::ALL.into_iter().filter(|&x| shown_status(run, x) == s).collect()
    };
    let mut parts = Vec::new();
    for (s, name) in [(Status::Frozen, "frozen"), (Status::Waiting, "waiting"), (Status::Stalled, "stalled")]
    {
        let ts = with(s);
        if !ts.is_empty() {
            parts.push(format!("{name} {}", names(&ts)));
        }
    }
    if parts.is_empty() { "all moving".to_string() } else { parts.join("; ") }
}

fn word(s: Status) -> &'static str {
    match s {
        Status::NotStepped => "not stepped",
        Status::Moving => "moving",
        Status::Frozen => "FROZEN",
        Status::Waiting => "waiting",
        Status::Stalled => "stalled",
    }
}

fn names(ts: &[Tensor]) -> String {
    ts.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

/// Why a frozen tensor never moves, in the lecture's words, ending on what keeps it so.
fn lasting_text(run: &Run, lasting: Lasting) -> String {
    let p = &run.trainer.params;
    let zero = |v: &[f64]| v.iter().all(|&w| w == 0.0);
    let z1 = if zero(p.get(Tensor::W1)) && zero(p.get(Tensor::B1)) {
        "because W1 = b1 = 0".to_string()
    } else {
        "because z1 = W1x + b1 ≤ 0 on every training example".to_string()
    };
    let forever = |on: &[Tensor]| {
        let they = if on.len() == 1 { "is" } else { "are" };
        format!(" — and {} {they} frozen too, so this never ends", names(on))
    };
    match lasting {
        Lasting::ReluDead => {
            format!("g = 0 for every example because relu′(z1) = 0, {z1}{}", forever(lasting.depends_on()))
        }
        Lasting::W2Zero => format!("g = 0 for every example because W2 = 0{}", forever(lasting.depends_on())),
        Lasting::HZero => format!(
            "∇W2 = (ŷ−y)hᵀ = 0 for every example because h = relu(z1) = 0, {z1}{}",
            forever(lasting.depends_on())
        ),
        Lasting::InputsDropped => {
            "the fixed dropout mask drops every input, so x̃ = 0 at every step".to_string()
        }
        Lasting::Dropped => "the fixed dropout mask drops every hidden unit at every step".to_string(),
    }
}

/// The status lines under the table: what is frozen for good and why, what waits for which
/// step, and at step 0 what step 1 will change.
fn explanations(run: &Run, bold: Style) -> Vec<Line<'static>> {
    let t = &run.trainer;
    let d = &run.diagnosis;
    let mut out = Vec::new();
    if t.step == 0 && !d.computed {
        out.push(Line::from("not stepped yet (working out what step 1 will change)"));
        return out;
    }
    if t.step == 0 {
        let (will, wont): (Vec<Tensor>, Vec<Tensor>) =
            Tensor::ALL.into_iter().partition(|&x| d.status[x as usize].changes_next_step);
        let mut text = format!(
            "not stepped yet: step 1 will change {}",
            if will.is_empty() { "nothing".to_string() } else { names(&will) }
        );
        if !wont.is_empty() && !will.is_empty() {
            text.push_str(&format!(", not {}", names(&wont)));
        }
        out.push(Line::from(text));
        return out;
    }
    let stale = d.step != t.step;
    let as_of = if stale { format!(" (as of step {})", d.step) } else { String::new() };
    // Tensors with the same status for the same reason share one line ("W1, b1 waiting: …"),
    // so the lesson fits a small panel.
    let mut groups: Vec<(Status, String, Vec<Tensor>)> = Vec::new();
    for x in Tensor::ALL {
        let s = &d.status[x as usize];
        let status = shown_status(run, x);
        let text = match status {
            Status::Frozen => match s.lasting {
                Some(l) => lasting_text(run, l),
                None => continue,
            },
            Status::Waiting => {
                let why = t.why[x as usize]
                    .map_or(String::new(), |w| format!("; at step {} {}", t.step, short(&w)));
                let moving: Vec<Tensor> = s
                    .depends_on
                    .iter()
                    .copied()
                    .filter(|&o| shown_status(run, o) == Status::Moving)
                    .collect();
                let now = match moving.len() {
                    0 => String::new(),
                    1 => format!(", and {} is moving now", names(&moving)),
                    _ => format!(", and {} are moving now", names(&moving)),
                };
                format!("changes at step {}{why}{now}{as_of}", d.step + 1)
            }
            Status::Stalled => {
                let why = t.why[x as usize]
                    .map_or(String::new(), |w| format!("at step {} {}; ", t.step, short(&w)));
                format!(
                    "{why}step {} will not change it either, but nothing holds it for good{as_of}",
                    d.step + 1
                )
            }
            Status::NotStepped | Status::Moving => continue,
        };
        // Only identical sentences merge.
        match groups.iter_mut().find(|(st, tx, _)| *st == status && *tx == text) {
            Some((_, _, ts)) => ts.push(x),
            None => groups.push((status, text, vec![x])),
        }
    }
    for (status, mut text, ts) in groups {
        if ts.len() > 1 {
            text = text.replace("change it either", "change them either").replace("holds it", "holds them");
        }
        let label = Span::styled(format!("{} {}: ", names(&ts), word(status)), bold);
        out.push(Line::from(vec![label, Span::raw(text)]));
    }
    out
}

/// The last step's reason in a few words (the full sentence names every factor).
fn short(w: &crate::train::frozen::Why) -> String {
    match w.code {
        Some("w2_zero") => "g = 0 because W2 = 0".to_string(),
        Some("relu_dead") => "g = 0 because relu′(z1) = 0 on every example".to_string(),
        Some("h_zero") if w.depends_on().is_empty() => {
            "h = 0: the mask dropped every hidden unit".to_string()
        }
        Some("h_zero") => "h = 0 on every example, so ∇W2 = 0".to_string(),
        Some("dropped") => "the mask dropped every unit it feeds".to_string(),
        _ => w.text(),
    }
}

pub fn lines(run: &Run, width: u16) -> Vec<Line<'static>> {
    let t = &run.trainer;
    let d = &run.diagnosis;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let compact = width < COMPACT_WIDTH;
    let header = if compact { "   unchanged/total" } else { "   unchanged/total  first change" };
    let mut out = vec![Line::styled(header, Style::new().add_modifier(Modifier::DIM))];
    for x in Tensor::ALL {
        let (unchanged, total) = (t.changes.unchanged(x), t.changes.total(x));
        let status = shown_status(run, x);
        let state =
            if status == Status::Frozen { Span::styled(word(status), bold) } else { Span::raw(word(status)) };
        let name = Span::styled(format!("{:<3}", x.name()), bold);
        if compact {
            let first = t.changes.first_change_step(x).map_or(String::new(), |s| format!(" since {s}"));
            out.push(Line::from(vec![
                name,
                Span::raw(format!("{:>9} ", format!("{unchanged}/{total}"))),
                state,
                Span::raw(first),
            ]));
        } else {
            let first = t.changes.first_change_step(x).map_or("—".to_string(), |s| s.to_string());
            out.push(Line::from(vec![
                name,
                Span::raw(format!("{:>11}  {first:<6}", format!("{unchanged}/{total}"))),
                state,
            ]));
        }
    }
    out.extend(explanations(run, bold));
    let now = if d.step == t.step { "now".to_string() } else { format!("at step {}", d.step) };
    let m = run.trainer.params.hidden();
    let pct = |v: f64| format!("{:.1}", 100.0 * v);
    let ratio = |v: Option<f64>| v.map_or("—".to_string(), |r| format!("{r:.2}"));
    out.push(Line::from(format!(
        "{now}: dead units {}/{m}  duplicate units {}",
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
