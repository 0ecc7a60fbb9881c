//! The reports as Excel workbooks (`?format=xlsx`), with `rust_xlsxwriter`: one sheet
//! per section, headers in the reader's language, a frozen header row and an
//! autofilter on every sheet, typed cells — numbers as numbers, dates as dates, a
//! relative gap as a percentage — and each severity in its colour. Names are written
//! as text, never as formulas.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

use super::html::{change_label, finding_label, function_label, severity_label, trend_label};
use super::views::{GapReport, GapRollup, PhaseName, ProgressReport, SeverityName};
use crate::error::{ApiError, ApiResult};
use crate::labels::Labels;

/// One cell of a sheet.
enum Cell {
    Text(String),
    Number(f64),
    /// A share, shown as a percentage.
    Percent(f64),
    Date(NaiveDate),
    Severity(SeverityName, &'static str),
    Empty,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn number(v: impl Into<f64>) -> Cell {
    Cell::Number(v.into())
}

fn maybe(v: Option<f64>, make: fn(f64) -> Cell) -> Cell {
    v.map(make).unwrap_or(Cell::Empty)
}

/// The formats a workbook's sheets share.
struct Formats {
    header: Format,
    date: Format,
    number: Format,
    percent: Format,
    severity: [Format; 4],
}

impl Formats {
    fn new() -> Self {
        let fill = |bg: u32, ink: u32| {
            Format::new()
                .set_background_color(Color::RGB(bg))
                .set_font_color(Color::RGB(ink))
                .set_bold()
        };
        Self {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xE6EAEF))
                .set_border_bottom(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            number: Format::new().set_num_format("0.####"),
            percent: Format::new().set_num_format("0.0%"),
            severity: [
                fill(0xE8F3EC, 0x1B6E3A),
                fill(0xFFF6E0, 0x8A5A00),
                fill(0xFDE2C8, 0x9A3412),
                fill(0xFDECEC, 0xA4161A),
            ],
        }
    }

    fn of(&self, s: SeverityName) -> &Format {
        &self.severity[match s {
            SeverityName::Met => 0,
            SeverityName::Minor => 1,
            SeverityName::Major => 2,
            SeverityName::Critical => 3,
        }]
    }
}

/// Adds a sheet named `name` with `header` and `rows`: the header row frozen, an
/// autofilter over the table, columns wide enough for their header.
fn sheet(
    book: &mut Workbook,
    f: &Formats,
    name: &str,
    header: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), XlsxError> {
    let ws = book.add_worksheet();
    ws.set_name(sheet_name(name))?;
    for (c, h) in header.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(0, col, *h, &f.header)?;
        let width = (h.chars().count() as f64 * 1.2).clamp(10.0, 40.0);
        ws.set_column_width(col, width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Number(v) => {
                    ws.write_number_with_format(r, c, *v, &f.number)?;
                }
                Cell::Percent(v) => {
                    ws.write_number_with_format(r, c, *v, &f.percent)?;
                }
                Cell::Date(d) => {
                    let date =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    ws.write_date_with_format(r, c, &date, &f.date)?;
                }
                Cell::Severity(s, label) => {
                    ws.write_string_with_format(r, c, *label, f.of(*s))?;
                }
                Cell::Empty => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = header.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, rows.len() as u32, last_col)?;
    Ok(())
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect()
}

fn finish(book: &mut Workbook) -> ApiResult<Vec<u8>> {
    book.save_to_buffer().map_err(|e| ApiError::internal(&e))
}

fn xlsx_error(e: XlsxError) -> ApiError {
    ApiError::internal(&e)
}

/// The gap report: every line, worst first, then the roll-ups by department, stage
/// and relationship.
pub fn gap_xlsx(t: &'static Labels, report: &GapReport) -> ApiResult<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let header = [
        t.name,
        t.department,
        t.owner,
        t.period_start,
        t.period_end,
        t.expected,
        t.actual,
        t.gap,
        t.relative_gap,
        t.severity,
        t.trend_column,
        t.previous_gap,
        t.importance,
        t.sample_size,
        t.open_actions,
        t.findings,
        t.change,
    ];
    let rows = report
        .lines
        .iter()
        .map(|l| {
            vec![
                text(&l.name),
                text(l.department_name.clone().unwrap_or_default()),
                text(l.owner_name.clone().unwrap_or_default()),
                Cell::Date(l.period_start),
                Cell::Date(l.period_end),
                number(l.expected),
                number(l.actual),
                number(l.gap),
                maybe(l.relative_gap, Cell::Percent),
                Cell::Severity(l.severity, severity_label(t, l.severity)),
                text(trend_label(t, l.trend)),
                maybe(l.previous_gap, Cell::Number),
                number(l.importance),
                maybe(l.sample_size.map(f64::from), Cell::Number),
                number(l.open_actions),
                text(
                    l.findings
                        .iter()
                        .map(|x| finding_label(t, *x))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                text(l.change.map(|c| change_label(t, c)).unwrap_or_default()),
            ]
        })
        .collect();
    sheet(&mut book, &f, t.all_lines, &header, rows).map_err(xlsx_error)?;
    let rollup_header = [
        t.name,
        t.lines,
        t.relative_gap,
        t.severity,
        t.worst,
        t.severities[0],
        t.severities[1],
        t.severities[2],
        t.severities[3],
    ];
    let rollup_rows = |groups: &[GapRollup]| {
        groups
            .iter()
            .map(|g| {
                vec![
                    text(&g.name),
                    number(g.lines),
                    maybe(g.relative_gap, Cell::Percent),
                    Cell::Severity(g.severity, severity_label(t, g.severity)),
                    Cell::Severity(g.worst, severity_label(t, g.worst)),
                    number(g.lines_by_severity.met),
                    number(g.lines_by_severity.minor),
                    number(g.lines_by_severity.major),
                    number(g.lines_by_severity.critical),
                ]
            })
            .collect::<Vec<_>>()
    };
    let r = &report.rollups;
    for (name, groups) in [
        (t.by_department, &r.by_department),
        (t.by_stage, &r.by_stage),
        (t.by_relationship, &r.by_relationship),
    ] {
        sheet(&mut book, &f, name, &rollup_header, rollup_rows(groups)).map_err(xlsx_error)?;
    }
    finish(&mut book)
}

/// The progress report: plans, departments, coverage gaps and the maturity phase.
pub fn progress_xlsx(t: &'static Labels, report: &ProgressReport) -> ApiResult<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let [done, open, overdue] = t.action_states;
    let plans = report
        .plans
        .iter()
        .map(|p| {
            vec![
                text(&p.title),
                text(&p.department_name),
                number(p.cycle),
                maybe(p.current_step.map(f64::from), Cell::Number),
                number(p.steps_settled),
                number(p.actions_done),
                number(p.actions_open),
                number(p.actions_overdue),
                number(p.days_since_last_update as f64),
            ]
        })
        .collect();
    let plan_header = [
        t.plan,
        t.department,
        t.cycle,
        t.step,
        t.steps_settled,
        done,
        open,
        overdue,
        t.days_since_update,
    ];
    sheet(&mut book, &f, t.plans, &plan_header, plans).map_err(xlsx_error)?;
    let departments = report
        .departments
        .iter()
        .map(|d| {
            vec![
                text(&d.name),
                number(d.owned_touchpoints),
                number(d.running_plans),
                number(d.open_actions),
                number(d.overdue_actions),
                text(if d.engaged { t.yes } else { t.no }),
                number(d.feedback_asked),
                number(d.feedback_answered),
            ]
        })
        .collect();
    let department_header = [
        t.department,
        t.owned_touchpoints,
        t.running_plans,
        open,
        overdue,
        t.engaged,
        t.feedback_asked,
        t.feedback_answered,
    ];
    sheet(
        &mut book,
        &f,
        t.departments,
        &department_header,
        departments,
    )
    .map_err(xlsx_error)?;
    let cov = &report.coverage;
    let mut gaps: Vec<Vec<Cell>> = Vec::new();
    let [touchpoints, sub_processes, owners, lonely] = t.coverage_gaps;
    gaps.extend(
        cov.touchpoints_without_owner
            .iter()
            .map(|s| vec![text(touchpoints), text(&s.name)]),
    );
    gaps.extend(
        cov.sub_processes_without_owner
            .iter()
            .map(|s| vec![text(sub_processes), text(&s.name)]),
    );
    gaps.extend(
        cov.owners_without_person
            .iter()
            .map(|o| vec![text(owners), text(o.id.0.as_str())]),
    );
    gaps.extend(
        cov.departments_without_relationship
            .iter()
            .map(|d| vec![text(lonely), text(&d.name)]),
    );
    sheet(&mut book, &f, t.coverage, &[t.coverage_gap, t.name], gaps).map_err(xlsx_error)?;
    let m = &report.maturity;
    let phase = t.phases[match m.phase {
        PhaseName::One => 0,
        PhaseName::Two => 1,
        PhaseName::Three => 2,
    }];
    let functions = |fs: &[crate::http::departments::FunctionName]| {
        fs.iter()
            .map(|x| function_label(t, *x))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let maturity = vec![
        vec![text(t.phase), text(phase)],
        vec![
            text(t.engaged_functions),
            text(functions(&m.engaged_functions)),
        ],
        vec![
            text(t.next_phase_needs),
            text(functions(&m.next_phase_needs)),
        ],
        vec![
            text(t.to_engage),
            text(
                m.next_phase_departments
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ],
    ];
    sheet(&mut book, &f, t.maturity, &[t.maturity, ""], maturity).map_err(xlsx_error)?;
    finish(&mut book)
}
