//! `--table`: the summaries as a plain aligned table.

use crate::headless::Summary;
use crate::json::Num;
use crate::text::escape;

const HEADERS: [&str; 14] = [
    "scenario",
    "steps",
    "train loss",
    "val loss",
    "val acc",
    "test acc",
    "W1 =0",
    "W1 <1e-3",
    "W2 =0",
    "W2 <1e-3",
    "|W1|",
    "|W2|",
    "frozen",
    "chosen",
];

fn fixed(v: Option<Num>, decimals: usize) -> String {
    v.filter(|n| n.0.is_finite()).map_or("-".to_string(), |n| format!("{:.decimals$}", n.0))
}

fn pct(v: Option<Num>) -> String {
    v.filter(|n| n.0.is_finite()).map_or("-".to_string(), |n| format!("{:.1}%", 100.0 * n.0))
}

fn row(s: &Summary) -> [String; 14] {
    let frozen: Vec<&str> =
        [("W1", &s.frozen.w1), ("b1", &s.frozen.b1), ("W2", &s.frozen.w2), ("b2", &s.frozen.b2)]
            .iter()
            .filter(|(_, f)| f.status == "frozen")
            .map(|(n, _)| *n)
            .collect();
    let steps = match s.diverged {
        Some(d) => format!("{} (diverged {d})", s.steps),
        None => s.steps.to_string(),
    };
    [
        escape(&s.scenario).into_owned(),
        steps,
        fixed(s.train_loss, 4),
        fixed(s.val_loss, 4),
        pct(s.val_acc),
        pct(s.test_acc),
        pct(Some(s.zero_fraction.w1)),
        pct(Some(s.near_zero_fraction.w1)),
        pct(Some(s.zero_fraction.w2)),
        pct(Some(s.near_zero_fraction.w2)),
        fixed(Some(s.weight_norm.w1), 3),
        fixed(Some(s.weight_norm.w2), 3),
        if frozen.is_empty() { "-".to_string() } else { frozen.join(",") },
        if s.chosen == Some(true) { "*".to_string() } else { String::new() },
    ]
}

/// One header line and one line per run; the scenario column is left-aligned, the
/// numbers right-aligned; columns separated by two spaces.
pub fn render(summaries: &[&Summary]) -> String {
    let rows: Vec<[String; 14]> = summaries.iter().map(|s| row(s)).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 14]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            let pad = w - cell.chars().count();
            if i == 0 || i >= 12 {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(HEADERS);
    for r in &rows {
        out.push_str(&line(std::array::from_fn(|i| r[i].as_str())));
    }
    out
}
