//! The tour's panels: the open lesson (the slide's claim, what to press, its checks as
//! measured), the list of lessons (`L`) and the question whether to resume.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use serde_json::Value;

use super::text::{compact, wrap};
use crate::app::keymap::label_of;
use crate::app::{Action, LessonState, Status, Tour};
use crate::lecture::{Check, Test};
use crate::theme::ColorMode;

fn good(colors: ColorMode) -> Style {
    if colors == ColorMode::Mono { Style::new() } else { Style::new().fg(Color::Green) }
}

fn bad(colors: ColorMode) -> Style {
    let s = Style::new().add_modifier(Modifier::BOLD);
    if colors == ColorMode::Mono { s } else { s.fg(Color::Red) }
}

fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

/// A JSON value as the panel shows it: numbers to four significant digits, lists in
/// brackets (long ones cut with …), strings quoted.
pub fn value(v: &Value, room: usize) -> String {
    let s = match v {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), compact),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| value(i, room)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Null => "none".to_owned(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > room.max(2) {
        s.chars().take(room.max(2) - 1).collect::<String>() + "…"
    } else {
        s
    }
}

/// ` ± 0.01` for `close_to`, nothing for the other tests.
fn tolerance(c: &Check) -> String {
    if c.test == Test::CloseTo { format!(" ± {}", super::text::short(c.tolerance)) } else { String::new() }
}

/// One line per check: its mark, what it claims, and the measurement (or when it will be).
fn check_line(tour: &Tour, c: &Check, status: &Status, width: usize, colors: ColorMode) -> Line<'static> {
    let (mark, style, detail) = match status {
        Status::Ahead => ("·", dim(), format!("at step {}", c.step)),
        Status::Waiting => {
            let other = crate::lecture::eval::paths(c)
                .find_map(|p| p.scenario.map(|_| tour.scenario_name(p).to_owned()));
            ("…", dim(), format!("training {} to step {}", other.unwrap_or_default(), c.step))
        }
        Status::Measured(o) => {
            let (m, e) = (value(&o.measured, 20), value(&o.expected, 20));
            let at = format!("{m} {} {e}{} (step {})", c.test.symbol(), tolerance(c), c.step);
            if o.passed { ("✓", good(colors), at) } else { ("✗", bad(colors), at) }
        }
        Status::Broken(e) => ("✗", bad(colors), e.clone()),
    };
    // On a narrow panel the measurement alone, without what it is compared with.
    let detail = match status {
        Status::Measured(o) if width.saturating_sub(detail.chars().count() + 4) < 16 => {
            value(&o.measured, 14)
        }
        _ => detail,
    };
    let say_room = width.saturating_sub(detail.chars().count() + 4).max(12);
    let say: String = if c.say.chars().count() > say_room {
        c.say.chars().take(say_room - 1).collect::<String>() + "…"
    } else {
        c.say.clone()
    };
    let gap = width.saturating_sub(2 + say.chars().count() + detail.chars().count()).max(1);
    Line::from(vec![
        Span::styled(format!("{mark} "), style),
        Span::raw(say),
        Span::raw(" ".repeat(gap)),
        Span::styled(detail, if matches!(status, Status::Measured(_)) { Style::new() } else { dim() }),
    ])
}

/// The open lesson, in `area`: the slide (as much as fits), what to press, the checks, then
/// nnviz's note when there is room.
/// `departs`: the run was changed with the knobs, so its checks measure that run, not the
/// lesson's scenario as written (the title says so).
pub fn render(tour: &Tour, departs: bool, colors: ColorMode, area: Rect, buf: &mut Buffer) {
    let lesson = tour.lesson();
    let n = tour.lecture.lessons.len();
    let keys = format!(
        " {} next  {} previous  {} lessons ",
        label_of(Action::NextLesson),
        label_of(Action::PrevLesson),
        label_of(Action::Lessons)
    );
    let block = Block::bordered()
        .title(Line::styled(
            format!(
                "Lesson {} of {n}: {}{}",
                tour.index + 1,
                lesson.title,
                if departs { " (with live changes: r restores the lesson's run)" } else { "" }
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::from(if area.width >= 60 { keys } else { String::new() }).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let (width, height) = (usize::from(inner.width), usize::from(inner.height));
    let statuses = &tour.status[tour.index];
    let checks: Vec<Line> =
        lesson.checks.iter().zip(statuses).map(|(c, s)| check_line(tour, c, s, width, colors)).collect();
    let press = (!lesson.keys.is_empty()).then(|| {
        Line::from(vec![
            Span::styled("Press ", dim()),
            Span::styled(lesson.keys.clone(), Style::new().add_modifier(Modifier::BOLD)),
        ])
    });
    let fixed = checks.len() + usize::from(press.is_some());
    let slide = wrap(&format!("“{}”", lesson.slide), width);
    let slide_room = height.saturating_sub(fixed).max(1).min(slide.len());
    let mut lines: Vec<Line> = slide
        .iter()
        .take(slide_room)
        .enumerate()
        .map(|(i, l)| {
            let cut = i + 1 == slide_room && slide_room < slide.len();
            let text = if cut { format!("{}…", l.trim_end_matches('”')) } else { l.clone() };
            Line::styled(text, Style::new().add_modifier(Modifier::ITALIC))
        })
        .collect();
    lines.extend(press);
    let room_for_checks = height.saturating_sub(lines.len());
    if checks.len() > room_for_checks && room_for_checks > 0 {
        let shown = room_for_checks - 1;
        lines.extend(checks.iter().take(shown).cloned());
        let rest = &statuses[shown..];
        let count = |f: fn(&Status) -> bool| rest.iter().filter(|s| f(s)).count();
        let passed = count(|s| matches!(s, Status::Measured(o) if o.passed));
        let failed =
            count(|s| matches!(s, Status::Measured(o) if !o.passed) || matches!(s, Status::Broken(_)));
        let more = format!(
            "… {} more: {passed} ✓  {failed} ✗  {} not yet",
            rest.len(),
            rest.len() - passed - failed
        );
        lines.push(Line::styled(more, dim()));
    } else {
        lines.extend(checks);
    }
    let left = height.saturating_sub(lines.len());
    if left >= 2 && !lesson.note.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(wrap(&lesson.note, width).into_iter().take(left - 1).map(Line::raw));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// How many rows the lesson panel would like at this width (its border included).
pub fn height_wanted(tour: &Tour, width: u16) -> u16 {
    let lesson = tour.lesson();
    let w = usize::from(width.saturating_sub(2));
    let slide = wrap(&format!("“{}”", lesson.slide), w).len();
    let note = if lesson.note.is_empty() { 0 } else { 1 + wrap(&lesson.note, w).len() };
    (slide + usize::from(!lesson.keys.is_empty()) + lesson.checks.len() + note + 2) as u16
}

/// The list of lessons (`L`), over the screen.
pub fn render_list(tour: &Tour, selected: usize, colors: ColorMode, area: Rect, buf: &mut Buffer) {
    let n = tour.lecture.lessons.len();
    let width = 96u16.min(area.width.saturating_sub(2));
    let r = super::help::popup(area, width, n as u16 + 4);
    Clear.render(r, buf);
    let block = Block::bordered()
        .title(Line::styled(
            format!(" {} — {n} lessons ", tour.lecture.title),
            Style::new().add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::from(" Up/Down choose  Enter opens  L or Esc closes ").right_aligned());
    let inner = block.inner(r);
    block.render(r, buf);
    let mut lines =
        vec![Line::styled("✓ every check measured so far passed   ✗ one failed   · not reached yet", dim())];
    let visible = usize::from(inner.height).saturating_sub(1).max(1);
    let first = selected.saturating_sub(visible - 1);
    for (i, l) in tour.lecture.lessons.iter().enumerate().skip(first).take(visible) {
        let (mark, style, count) = match tour.state(i) {
            LessonState::NotReached => ("·", dim(), String::new()),
            LessonState::Passing { measured, total } => ("✓", good(colors), format!("{measured}/{total}")),
            LessonState::Failing { failed } => ("✗", bad(colors), format!("{failed} failed")),
        };
        let here = if i == tour.index { ">" } else { " " };
        let row = format!("{here}{:>3}  {:<18} {}", i + 1, l.id, l.title);
        let room = usize::from(inner.width).saturating_sub(count.chars().count() + 4);
        let row: String = row.chars().take(room).collect();
        let gap = room.saturating_sub(row.chars().count()) + 1;
        let selected_style =
            if i == selected { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(format!("{row}{}", " ".repeat(gap)), selected_style),
            Span::raw(count),
        ]));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// The question asked when the tour opens with saved progress.
pub fn render_resume(tour: &Tour, saved: usize, area: Rect, buf: &mut Buffer) {
    let n = tour.lecture.lessons.len();
    let lesson = &tour.lecture.lessons[saved];
    let text = vec![
        Line::from(format!("Last time the tour was at lesson {} of {n}:", saved + 1)),
        Line::styled(format!("  {}", lesson.title), Style::new().add_modifier(Modifier::BOLD)),
        Line::raw(""),
        Line::from(format!(
            "{} or {} resumes there, {} or {} starts at lesson 1",
            label_of(Action::ToggleLogY),
            label_of(Action::Enter),
            label_of(Action::Step),
            label_of(Action::Back)
        )),
    ];
    let width = 64u16.min(area.width.saturating_sub(2));
    let r = super::help::popup(area, width, 6);
    Clear.render(r, buf);
    Paragraph::new(text).block(Block::bordered().title(" Resume the tour? ")).render(r, buf);
}
