//! Answers are compressed when the client accepts it (gzip, br, zstd), decoded to the
//! very same bytes; never for a client that does not ask, nor for a workbook (already
//! a zip file) or a HEAD. A report is kept gzip: every client that takes gzip gets it.

use cxpm_tests::{Remind, TestApp, both_databases};
use reqwest::StatusCode;
use tokio::io::AsyncReadExt;

async fn decode(encoding: &str, bytes: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZstdDecoder};
    let mut out = Vec::new();
    match encoding {
        "gzip" => GzipDecoder::new(bytes).read_to_end(&mut out).await,
        "br" => BrotliDecoder::new(bytes).read_to_end(&mut out).await,
        "zstd" => ZstdDecoder::new(bytes).read_to_end(&mut out).await,
        other => panic!("unexpected encoding {other}"),
    }
    .unwrap();
    out
}

/// The report, but for the moment it was made.
fn same(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    v["generated_at"] = serde_json::Value::Null;
    v
}

async fn fetch(
    app: &TestApp,
    path: &str,
    token: &str,
    accept: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.request(reqwest::Method::GET, path, Some(token));
    if let Some(a) = accept {
        req = req.header("Accept-Encoding", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

both_databases!(
    answers_are_compressed_when_the_client_accepts_it,
    |app: TestApp| async move {
        let r = app
            .action_to_remind(Remind {
                department: "Quality",
                program: "CX 2027",
                head: ("Helena Head", "en"),
                owner: ("Otto Owner", "en"),
                action: "Check every pallet before loading",
                due: "2020-01-15",
            })
            .await;
        let pid = r.program["id"].as_str().unwrap().to_owned();
        let report = format!("/api/v1/programs/{pid}/reports/gaps");
        let path = "/api/v1/people?limit=100".to_owned();
        let (status, headers, plain) = fetch(&app, &path, &r.coord, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-encoding").is_none(), "not asked");
        let vary = headers["vary"].to_str().unwrap();
        assert!(vary.contains("Accept-Encoding"), "{vary}");
        for (accept, chosen) in [
            ("gzip", "gzip"),
            ("gzip, br", "br"),
            ("gzip, deflate, br, zstd", "zstd"),
            ("br;q=0.4, gzip;q=0.9", "gzip"),
        ] {
            let (status, headers, body) = fetch(&app, &path, &r.coord, Some(accept)).await;
            assert_eq!(status, StatusCode::OK, "{accept}");
            assert_eq!(headers["content-encoding"], chosen, "{accept}");
            assert!(
                headers["vary"]
                    .to_str()
                    .unwrap()
                    .contains("Accept-Encoding")
            );
            assert_eq!(same(&decode(chosen, &body).await), same(&plain), "{accept}");
        }
        // Nothing the client refuses or does not know.
        let (_, headers, body) = fetch(&app, &path, &r.coord, Some("identity, deflate")).await;
        assert!(headers.get("content-encoding").is_none());
        assert_eq!(same(&body), same(&plain));
        // A report is kept gzip: any client that takes gzip gets those bytes; one
        // that does not gets the same report, inflated (or in its own encoding).
        let (status, headers, plain) = fetch(&app, &report, &r.coord, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-encoding").is_none(), "not asked");
        let vary = headers["vary"].to_str().unwrap();
        assert!(
            vary.contains("Accept-Encoding") && vary.contains("Accept-Language"),
            "{vary}"
        );
        for (accept, chosen) in [
            ("gzip", "gzip"),
            ("gzip, deflate, br, zstd", "gzip"),
            ("br, zstd", "zstd"),
            ("br", "br"),
        ] {
            let (status, headers, body) = fetch(&app, &report, &r.coord, Some(accept)).await;
            assert_eq!(status, StatusCode::OK, "{accept}");
            assert_eq!(headers["content-encoding"], chosen, "{accept}");
            assert_eq!(same(&decode(chosen, &body).await), same(&plain), "{accept}");
        }
        let (_, headers, body) = fetch(&app, &report, &r.coord, Some("gzip;q=0, deflate")).await;
        assert!(headers.get("content-encoding").is_none());
        assert_eq!(same(&body), same(&plain));
        let path = report;
        // A problem answer too.
        let (status, headers, body) = fetch(
            &app,
            "/api/v1/programs/00000000-0000-0000-0000-000000000000",
            &r.coord,
            Some("gzip"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers["content-encoding"], "gzip");
        let problem: serde_json::Value =
            serde_json::from_slice(&decode("gzip", &body).await).unwrap();
        assert_eq!(problem["status"], 404);
        // A workbook is a zip file already.
        let (status, headers, _) = fetch(
            &app,
            &format!("{path}?format=xlsx"),
            &r.coord,
            Some("gzip, br, zstd"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-encoding").is_none());
        // HEAD: no body to compress; a kept report says what its GET would.
        let head = |path: String| {
            app.request(reqwest::Method::HEAD, &path, Some(&r.coord))
                .header("Accept-Encoding", "gzip")
                .send()
        };
        let people = head("/api/v1/people?limit=100".to_owned()).await.unwrap();
        assert_eq!(people.status(), StatusCode::OK);
        assert!(people.headers().get("content-encoding").is_none());
        let report = head(path).await.unwrap();
        assert_eq!(report.status(), StatusCode::OK);
        assert_eq!(report.headers()["content-encoding"], "gzip");
    }
);
