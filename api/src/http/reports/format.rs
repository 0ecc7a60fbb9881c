//! Reports in more than one format: typed JSON, CSV for spreadsheets, an Excel
//! workbook (one sheet per section, typed cells), or a printable HTML page with charts, chosen by the `format` query parameter (for links) or else
//! the `Accept` header; the page's words follow `Accept-Language`.

use std::marker::PhantomData;
use std::sync::Arc;

use cxpm_domain::values::Locale;
use poem::http::HeaderValue;
use poem::http::header::{CONTENT_ENCODING, VARY};
use poem::{IntoResponse, Request, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Enum};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::report_cache::Rendered;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Json,
    Csv,
    Html,
    Xlsx,
}

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The format asked for: `format` wins, then the first of `Accept` we serve, then JSON.
pub fn negotiate(format: Option<ReportFormat>, req: &Request) -> ReportFormat {
    if let Some(f) = format {
        return f;
    }
    let accept = req
        .headers()
        .get(poem::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for media in accept
        .split(',')
        .map(|m| m.split(';').next().unwrap_or("").trim())
    {
        match media {
            "text/csv" => return ReportFormat::Csv,
            "text/html" => return ReportFormat::Html,
            XLSX => return ReportFormat::Xlsx,
            "application/json" | "application/*" | "*/*" => return ReportFormat::Json,
            _ => {}
        }
    }
    ReportFormat::Json
}

/// A report answer: a rendering kept (or to keep) in
/// [`ReportCache`](crate::report_cache::ReportCache), typed by the
/// body its JSON has for the spec.
pub struct Report<T> {
    rendered: Arc<Rendered>,
    takes_gzip: bool,
    body: PhantomData<fn() -> T>,
}

impl<T> Report<T> {
    /// `rendered`, for a client that takes gzip or not.
    pub fn new(rendered: Arc<Rendered>, takes_gzip: bool) -> Self {
        Self {
            rendered,
            takes_gzip,
            body: PhantomData,
        }
    }
}

/// The renderings of a report, written to keep: text compressed as it is produced.
pub mod render {
    use std::io::Write;

    use poem::http::HeaderValue;
    use poem::http::header::{CONTENT_DISPOSITION, CONTENT_LANGUAGE};
    use serde::Serialize;

    use super::XLSX;
    use crate::error::{ApiError, ApiResult};
    use crate::report_cache::{Rendered, Writer};

    /// JSON straight from the typed body with serde into the compressor: a large
    /// report builds neither a `serde_json::Value` tree nor its whole text. The body
    /// types derive both `Object` (the spec) and `Serialize`; a test holds the two
    /// writings equal.
    pub fn json<T: Serialize>(body: &T) -> ApiResult<Rendered> {
        let mut w = Writer::new();
        serde_json::to_writer(&mut w, body).map_err(|e| ApiError::internal(&e))?;
        Ok(Rendered {
            content_type: "application/json; charset=utf-8",
            headers: Vec::new(),
            body: w.finish()?,
            gzip: true,
        })
    }

    /// CSV, UTF-8 with a byte-order mark, so that spreadsheets read Chinese text
    /// right.
    pub fn csv(text: &str) -> ApiResult<Rendered> {
        let mut w = Writer::new();
        w.write_all("\u{feff}".as_bytes())
            .and_then(|()| w.write_all(text.as_bytes()))
            .map_err(|e| ApiError::internal(&e))?;
        Ok(Rendered {
            content_type: "text/csv; charset=utf-8",
            headers: vec![(
                CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"report.csv\""),
            )],
            body: w.finish()?,
            gzip: true,
        })
    }

    /// A self-contained page, in language `lang`.
    pub fn html(page: &str, lang: &'static str) -> ApiResult<Rendered> {
        let mut w = Writer::new();
        w.write_all(page.as_bytes())
            .map_err(|e| ApiError::internal(&e))?;
        Ok(Rendered {
            content_type: "text/html; charset=utf-8",
            headers: vec![(CONTENT_LANGUAGE, HeaderValue::from_static(lang))],
            body: w.finish()?,
            gzip: true,
        })
    }

    /// An Excel workbook (already a zip file), named `name`.
    pub fn xlsx(book: Vec<u8>, name: &'static str) -> ApiResult<Rendered> {
        let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .map_err(|e| ApiError::internal(&e))?;
        Ok(Rendered {
            content_type: XLSX,
            headers: vec![(CONTENT_DISPOSITION, disposition)],
            body: book.into(),
            gzip: false,
        })
    }
}

/// The reader's language: their own when known (a signed-in person's profile),
/// else the best match of `Accept-Language`.
pub fn locale(own: Option<Locale>, req: &Request) -> Locale {
    own.unwrap_or_else(|| {
        Locale::from_accept_language(
            req.headers()
                .get(poem::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )
    })
}

/// A time as poem-openapi writes it (`…+00:00`), for report bodies written by serde.
pub fn rfc3339<S: serde::Serializer>(
    at: &chrono::DateTime<chrono::Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339())
}

impl<T: Send> IntoResponse for Report<T> {
    fn into_response(self) -> Response {
        let (body, gzip) = self.rendered.body_for(self.takes_gzip);
        let mut response = Response::builder()
            .content_type(self.rendered.content_type)
            .body(body);
        let headers = response.headers_mut();
        for (name, value) in &self.rendered.headers {
            headers.insert(name.clone(), value.clone());
        }
        if gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        headers.insert(
            VARY,
            HeaderValue::from_static(if self.rendered.gzip {
                "Accept, Accept-Language, Accept-Encoding"
            } else {
                "Accept, Accept-Language"
            }),
        );
        response
    }
}

impl<T: ToJSON + Type + Send> ApiResponse for Report<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The report, as JSON, as CSV (one row per line item, with a header), \
                              as an Excel workbook (one sheet per section) or as a printable \
                              HTML page with charts.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: T::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/csv; charset=utf-8",
                        schema: String::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/html; charset=utf-8",
                        schema: String::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: XLSX,
                        schema: poem_openapi::types::Binary::<Vec<u8>>::schema_ref(),
                    },
                ],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// Writes rows (header first) as CSV text. Every cell goes through
/// [`cxpm_domain::csv::neutralise`]: a name a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`) is written as text.
pub fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> ApiResult<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(header)
        .map_err(|e| ApiError::internal(&e))?;
    for row in rows {
        writer
            .write_record(
                row.iter()
                    .map(|c| cxpm_domain::csv::neutralise(c).into_owned()),
            )
            .map_err(|e| ApiError::internal(&e))?;
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::internal(&e))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(&e))
}

/// An optional number as a CSV cell.
pub fn cell<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A measured number as a CSV cell, rounded as the reports show it (at most four
/// decimals, no trailing zeros): `0.2`, never `0.20000000000000018`.
pub fn number(v: f64) -> String {
    let text = format!("{v:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}
