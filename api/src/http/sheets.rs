//! Spreadsheets sent to the API: an xlsx workbook read with `calamine` as the CSV
//! text the import reads (its first sheet, row for row from its first filled row —
//! the header in row 1 keeps the sheet's row numbers in every problem), with the same
//! validation after.

use calamine::{Data, Reader, Xlsx};

/// The most rows a workbook may hold (the import's own limit comes after).
const MAX_ROWS: usize = 20_000;

/// A cell as the CSV import reads it: numbers without a needless `.0` (a code `12`
/// typed into Excel comes back as 12.0), dates as `YYYY-MM-DD`, errors as empty.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// The first sheet of workbook `bytes` as CSV text, or why it cannot be read.
pub fn first_sheet_as_csv(bytes: &[u8]) -> Result<String, String> {
    let unreadable = |detail: String| detail;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(format!("the body is not an xlsx workbook: {e}")))?;
    let Some(name) = book.sheet_names().first().cloned() else {
        return Err(unreadable("the workbook has no sheet".into()));
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(format!("the sheet `{name}` could not be read: {e}")))?;
    if range.height() > MAX_ROWS {
        return Err(unreadable(format!("at most {MAX_ROWS} rows per workbook")));
    }
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in range.rows() {
        writer
            .write_record(row.iter().map(cell_text))
            .map_err(|e| e.to_string())?;
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}
