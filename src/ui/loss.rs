//! Training and validation loss over time, with the current values as numbers.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Widget};

use super::text::{num, opt, percent};
use crate::app::Run;
use crate::theme::ColorMode;

pub fn render(run: &Run, colors: ColorMode, area: Rect, buf: &mut Buffer) {
    let m = &run.metrics;
    let title = format!("Loss  train {}  val {}", opt(m.train.map(|e| e.loss)), opt(m.val.map(|e| e.loss)));
    let acc = format!("acc train {}  val {}", percent(m.train.map(|e| e.acc)), percent(m.val.map(|e| e.acc)));
    let block = Block::bordered().title(title).title_bottom(Line::from(acc).right_aligned());
    let train = run.history.series(|p| p.train_loss);
    let val = run.history.series(|p| p.val_loss);
    let x_max = (run.trainer.step as f64).max(1.0);
    let y_max = train.iter().chain(&val).map(|p| p.1).fold(0.0f64, f64::max).max(1e-9);
    let (train_style, val_style) = if colors == ColorMode::Mono {
        (Style::new(), Style::new())
    } else {
        (Style::new().fg(Color::Cyan), Style::new().fg(Color::Yellow))
    };
    let marker = if colors == ColorMode::Mono { Marker::Dot } else { Marker::Braille };
    let mut datasets = vec![
        Dataset::default()
            .name("train")
            .marker(marker)
            .graph_type(GraphType::Line)
            .style(train_style)
            .data(&train),
    ];
    if !val.is_empty() {
        let val_marker = if colors == ColorMode::Mono { Marker::Block } else { marker };
        datasets.push(
            Dataset::default()
                .name("val")
                .marker(val_marker)
                .graph_type(GraphType::Line)
                .style(val_style)
                .data(&val),
        );
    }
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([0.0, x_max])
                .labels([Line::from("0"), Line::from(format!("step {}", run.trainer.step))]),
        )
        .y_axis(Axis::default().bounds([0.0, y_max * 1.05]).labels([Line::from("0"), Line::from(num(y_max))]))
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Ratio(1, 2),
            ratatui::layout::Constraint::Ratio(1, 2),
        ));
    chart.render(area, buf);
}
