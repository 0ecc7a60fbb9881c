use cxpm_tests::{TestApp, both_databases};
use reqwest::StatusCode;

both_databases!(
    health_and_readiness_answer_without_a_token,
    |app: TestApp| async move {
        let health = reqwest::get(app.url("/healthz")).await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        let ready = reqwest::get(app.url("/readyz")).await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK);
        assert_eq!(ready.text().await.unwrap(), "ready");
    }
);

both_databases!(
    the_spec_and_the_docs_are_served,
    |app: TestApp| async move {
        let json: serde_json::Value = reqwest::get(app.url("/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(json["paths"]["/api/v1/people"].is_object());
        let yaml = reqwest::get(app.url("/openapi.yaml"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(yaml.starts_with("openapi: 3"));
        let docs = reqwest::get(app.url("/docs")).await.unwrap();
        assert_eq!(docs.status(), StatusCode::OK);
        assert!(docs.text().await.unwrap().contains("swagger"));
    }
);
