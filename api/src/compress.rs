//! Answers compressed when the client accepts it: zstd, br or gzip, chosen by the
//! client's `Accept-Encoding` (its q-values first; at equal weight zstd, then br, then
//! gzip), streamed as the answer is produced.
//!
//! The large organisation's gap report is megabytes of JSON; over a factory's VPN that
//! is seconds uncompressed. Only text-like answers are compressed (JSON, problem+json,
//! HTML, CSV, YAML, iCalendar, scripts, style sheets, SVG): a workbook is already a zip
//! file. Every compressible answer says `Vary: Accept-Encoding`, for caches. We choose
//! the encoding here rather than with poem's `Compression` middleware, whose parser
//! never recognises `zstd` (it looks for "zsdt") and which also inflates request
//! bodies by their `Content-Encoding` — past the body limit's back.

use std::sync::Arc;

use poem::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use poem::http::{HeaderMap, HeaderValue, Method, StatusCode};
use poem::web::{Compress, CompressionAlgo, CompressionLevel};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The encodings offered, best first at equal weight.
const OFFERED: [(&str, CompressionAlgo); 3] = [
    ("zstd", CompressionAlgo::ZSTD),
    ("br", CompressionAlgo::BR),
    ("gzip", CompressionAlgo::GZIP),
];

/// The codings `headers` accept with their q-values, names in lower case.
fn weights(headers: &HeaderMap) -> Vec<(String, f32)> {
    let mut weights = Vec::new();
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let Some(coding) = parts.next().filter(|c| !c.is_empty()) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            weights.push((coding.to_ascii_lowercase(), q.clamp(0.0, 1.0)));
        }
    }
    weights
}

/// The weight `weights` give `coding` (`*` stands for any not named).
fn weight(weights: &[(String, f32)], coding: &str) -> f32 {
    let star = weights.iter().find(|(c, _)| c == "*").map(|(_, q)| *q);
    weights
        .iter()
        .find(|(c, _)| c == coding)
        .map(|(_, q)| *q)
        .or(star)
        .unwrap_or(0.0)
}

/// The encoding to answer `headers` with, if any: the highest q-value among those
/// offered (`*` stands for any not named), ties broken by [`OFFERED`]'s order.
pub fn choose(headers: &HeaderMap) -> Option<CompressionAlgo> {
    let weights = weights(headers);
    let mut best: Option<(f32, CompressionAlgo)> = None;
    for (name, algo) in OFFERED {
        let q = weight(&weights, name);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, algo));
        }
    }
    best.map(|(_, algo)| algo)
}

/// Whether `headers` accept gzip at all: a kept report is stored gzip, and any
/// client that takes it gets those bytes as they are.
pub fn takes_gzip(headers: &HeaderMap) -> bool {
    weight(&weights(headers), "gzip") > 0.0
}

/// Whether the answer is worth compressing: text-like, not already encoded, with a
/// body.
fn compressible(resp: &Response) -> bool {
    let status = resp.status();
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || resp.headers().contains_key(CONTENT_ENCODING)
    {
        return false;
    }
    let Some(kind) = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let kind = kind
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if kind == "text/event-stream" {
        return false;
    }
    kind.starts_with("text/")
        || kind.ends_with("+json")
        || kind.ends_with("+xml")
        || matches!(
            kind.as_str(),
            "application/json"
                | "application/yaml"
                | "application/javascript"
                | "application/xml"
                | "image/svg+xml"
        )
}

/// The middleware: the endpoint's answer, compressed when the client accepts it.
pub async fn negotiate<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let choice = if req.method() == Method::HEAD {
        None
    } else {
        choose(req.headers())
    };
    let mut resp = ep.call(req).await?.into_response();
    if !compressible(&resp) {
        return Ok(resp);
    }
    // One Vary header, naming what it named before and Accept-Encoding.
    let mut vary: Vec<String> = resp
        .headers()
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if !vary
        .iter()
        .any(|v| v.eq_ignore_ascii_case("accept-encoding"))
    {
        vary.push("Accept-Encoding".to_owned());
    }
    if let Ok(v) = HeaderValue::from_str(&vary.join(", ")) {
        resp.headers_mut().insert(VARY, v);
    }
    Ok(match choice {
        Some(algo) => {
            let level = match algo {
                // Brotli's default (11) is for files compressed once; 4 is as fast as
                // gzip's default and smaller.
                CompressionAlgo::BR => CompressionLevel::Precise(4),
                _ => CompressionLevel::Default,
            };
            Compress::new(resp, algo)
                .with_quality(level)
                .into_response()
        }
        None => resp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Option<&'static str> {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        choose(&h).map(|a| match a {
            CompressionAlgo::ZSTD => "zstd",
            CompressionAlgo::BR => "br",
            CompressionAlgo::GZIP => "gzip",
            CompressionAlgo::DEFLATE => "deflate",
        })
    }

    #[test]
    fn the_client_s_weights_then_ours() {
        assert_eq!(accept("gzip, br"), Some("br"));
        assert_eq!(accept("gzip, deflate, br, zstd"), Some("zstd"));
        assert_eq!(accept("gzip"), Some("gzip"));
        assert_eq!(accept("br;q=0.5, gzip;q=0.8"), Some("gzip"));
        assert_eq!(accept("zstd;q=0, br;q=0, gzip;q=0"), None);
        assert_eq!(accept("identity"), None);
        assert_eq!(accept("deflate"), None);
        assert_eq!(accept("*"), Some("zstd"));
        assert_eq!(accept("*;q=0.1, gzip"), Some("gzip"));
        assert_eq!(accept("GZIP ; Q=0.9"), Some("gzip"));
        assert_eq!(accept(""), None);
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let takes = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            takes_gzip(&h)
        };
        assert!(takes("gzip, br"));
        assert!(takes("br, *;q=0.1"));
        assert!(!takes("br, zstd"));
        assert!(!takes("gzip;q=0, *"));
        assert!(!takes(""));
    }
}
