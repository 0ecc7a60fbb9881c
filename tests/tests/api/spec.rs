//! The committed spec must match the code. `UPDATE_OPENAPI=1 cargo test` rewrites it.

use std::path::PathBuf;

use serde_json::json;

fn committed_spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/cxpm.yaml")
}

#[test]
fn the_committed_spec_matches_the_code() {
    let generated = cxpm_api::http::spec_yaml();
    let path = committed_spec_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let diff: Vec<String> = committed
            .lines()
            .zip(generated.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(20)
            .map(|(i, (a, b))| format!("line {}:\n  committed: {a}\n  generated: {b}", i + 1))
            .collect();
        panic!(
            "openapi/cxpm.yaml is out of date ({} committed lines, {} generated). Run `UPDATE_OPENAPI=1 cargo test -p cxpm-tests --test api spec` and commit it.\n{}",
            committed.lines().count(),
            generated.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn every_operation_has_an_id_a_summary_a_tag_and_error_answers() {
    let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no operationId"));
            assert!(
                id.contains('_'),
                "{name}: operationId `{id}` is not <verb>_<resource>"
            );
            assert!(op["summary"].is_string(), "{name}: no summary");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: no tag"
            );
            if path.starts_with("/api/") {
                let responses = op["responses"].as_object().unwrap();
                for status in ["400", "401", "403", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{name}: {status} not documented"
                    );
                }
            }
        }
    }
}

/// `If-Match` is required in the spec wherever a change without it is a 428 — every
/// operation that takes it, but rotating a webhook's secret (which changes nothing a
/// person typed, and without `If-Match` rotates whatever version is current).
#[test]
fn if_match_is_required_where_its_absence_is_a_428() {
    let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
    let mut taking = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(params) = op["parameters"].as_array() else {
                continue;
            };
            for p in params.iter().filter(|p| p["name"] == "If-Match") {
                taking += 1;
                let optional = op["operationId"] == "rotate_webhook_secret";
                assert_eq!(
                    p["required"], !optional,
                    "{method} {path}: If-Match required: {}",
                    !optional
                );
            }
        }
    }
    assert!(taking > 20, "{taking} operations take If-Match");
}

/// Whether a field or parameter called `name` holds an id: `id`, `…_id`, `…_ids`, a
/// page's `cursor`, a report's `since_snapshot` — not an outside system's
/// `external_id`, a mail's `message_id` or the audit trail's `entity_id` (any
/// entity's key).
fn names_an_id(name: &str) -> bool {
    let outside = ["external_id", "message_id", "entity_id"];
    (name == "id"
        || name.ends_with("_id")
        || name.ends_with("_ids")
        || ["cursor", "next_cursor", "since_snapshot", "people"].contains(&name))
        && !outside.contains(&name)
}

/// Every id a request names — in its address, its query or its body — is `format:
/// uuid` in the spec (one that is not a UUID names nothing: a 404 in an address, a 422
/// or 400 naming the field elsewhere), and so is every id of the resources' answers.
#[test]
fn ids_are_uuids() {
    let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
    let (mut in_paths, mut elsewhere) = (0, 0);
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                if name == "cursor" {
                    // A UUID, or empty for the first page.
                    assert_eq!(
                        p["schema"]["anyOf"],
                        json!([{"type": "string", "format": "uuid"}, {"type": "string", "maxLength": 0}]),
                        "{method} {path}: cursor"
                    );
                } else if p["in"] == "path" || names_an_id(name) {
                    if p["in"] == "path" {
                        in_paths += 1;
                    }
                    assert_eq!(
                        p["schema"]["format"], "uuid",
                        "{method} {path}: parameter {name} is not format: uuid"
                    );
                }
            }
        }
    }
    // Reports' lines and rollups name what they are about with the ids of several
    // kinds of things; the resources' own fields are checked here.
    let reports = [
        "GapLine",
        "GapRollup",
        "ClosedLine",
        "GapReport",
        "ProgressReport",
        "PlanProgress",
        "DepartmentProgress",
        "SnapshotChanges",
        "FeedbackResponse",
    ];
    for (schema_name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if reports.contains(&schema_name.as_str()) {
            continue;
        }
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            if !names_an_id(field) {
                continue;
            }
            elsewhere += 1;
            let format = property["format"]
                .as_str()
                .or(property["items"]["format"].as_str());
            assert_eq!(
                format,
                Some("uuid"),
                "{schema_name}.{field} is not format: uuid"
            );
        }
    }
    assert!(in_paths > 90, "{in_paths} ids in addresses");
    assert!(elsewhere > 150, "{elsewhere} ids in bodies and answers");
}

type Schema = serde_json::Map<String, serde_json::Value>;

/// Every schema in the spec with the name of the field or parameter it describes
/// (`?` where none): the properties of objects, the parameters of operations, and
/// whatever they nest.
fn named_schemas(spec: &serde_json::Value) -> Vec<(String, &Schema)> {
    fn walk<'a>(v: &'a serde_json::Value, name: Option<&str>, out: &mut Vec<(String, &'a Schema)>) {
        match v {
            serde_json::Value::Object(o) => {
                out.push((name.unwrap_or("?").to_owned(), o));
                for (k, child) in o {
                    match k.as_str() {
                        "properties" => {
                            for (prop, schema) in child.as_object().into_iter().flatten() {
                                walk(schema, Some(prop), out);
                            }
                        }
                        "parameters" => {
                            for p in child.as_array().into_iter().flatten() {
                                walk(&p["schema"], p["name"].as_str(), out);
                            }
                        }
                        _ => walk(child, name, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|c| walk(c, name, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(spec, None, &mut out);
    // The properties of `name_translations` are names, one per language.
    for (field, _) in &mut out {
        if cxpm_domain::values::Locale::ALL
            .iter()
            .any(|l| l.as_str() == field.as_str())
        {
            "name".clone_into(field);
        }
    }
    out
}

/// Every text field's `maxLength` in the spec is the limit the domain holds it to
/// (`cxpm_domain::limits`), so the schema and the use cases cannot drift apart.
#[test]
fn every_text_limit_in_the_spec_is_the_domains() {
    use cxpm_domain::limits;
    let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
    let mut seen = Vec::new();
    for (field, schema) in named_schemas(&spec) {
        // (`maxLength: 0` is the empty `cursor` that asks for a first page.)
        if let Some(max) = schema
            .get("maxLength")
            .and_then(|m| m.as_u64())
            .filter(|&m| m > 0)
        {
            let limit = cxpm_domain::limits::max_chars(&field);
            assert_eq!(
                limit,
                Some(max as usize),
                "`{field}` has maxLength {max} in the spec, {limit:?} in cxpm_domain::limits"
            );
            seen.push(field);
        }
    }
    for field in [
        "name",
        "description",
        "blocked_reason",
        "delivers",
        "email",
        "code",
    ] {
        assert!(
            seen.iter().any(|f| f == field),
            "`{field}` has no maxLength in the spec"
        );
    }
    // A change states its texts' limits as a creation does, the clearable ones
    // (`description: null`) too; and a chat's or webhook's `url` is an absolute URI.
    let (mut patched, mut urls) = (0, 0);
    for (schema_name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let text = property["type"] == "string" && property["format"].is_null();
            if schema_name.ends_with("Patch") && text && limits::max_chars(field).is_some() {
                assert!(
                    property["maxLength"].is_u64(),
                    "{schema_name}.{field} states no maxLength"
                );
                patched += 1;
            }
            if field == "url" && schema["additionalProperties"] == false {
                assert_eq!(property["format"], "uri", "{schema_name}.url");
                urls += 1;
            }
        }
    }
    assert!(
        patched >= 20 && urls == 4,
        "{patched} texts of changes, {urls} urls"
    );
}

/// Every `pattern` in the spec is the domain's rule for that kind of value (an email,
/// a department code, a crontab line), every time zone field names the `TimeZone`
/// schema listing the domain's zones, and the languages are the domain's: the schema
/// states what the use cases enforce, from the one place it is written.
#[test]
fn every_pattern_and_enumeration_in_the_spec_is_the_domains() {
    use cxpm_domain::schedule::CronSchedule;
    use cxpm_domain::values::{
        DepartmentCode, Email, Locale, Name, REQUIRED_TEXT_PATTERN, SEARCH_PATTERN, TEXT_PATTERN,
        TimeZone,
    };
    let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
    let mut seen = Vec::new();
    for (field, schema) in named_schemas(&spec) {
        if let Some(pattern) = schema.get("pattern").and_then(|p| p.as_str()) {
            let rules: &[&str] = match field.as_str() {
                "email" | "external_emails" => &[Email::PATTERN],
                "q" => &[SEARCH_PATTERN],
                "code" => &[DepartmentCode::PATTERN],
                "cron" | "cadence_cron" => &[CronSchedule::PATTERN],
                "name" | "title" => &[Name::PATTERN],
                // A snapshot's label is a name; a token's, a short text.
                "label" => &[Name::PATTERN, TEXT_PATTERN],
                "delivers" | "responsibility" | "unit" => &[REQUIRED_TEXT_PATTERN],
                "business_line" | "source" | "effect_metric" | "external_id" | "description"
                | "goal" | "note" | "notes" | "comment" | "customer_expects" | "blocked_reason"
                | "skip_reason" => &[TEXT_PATTERN],
                other => panic!("`{other}` has a pattern no domain rule names"),
            };
            assert!(
                rules.contains(&pattern),
                "`{field}`'s pattern is not the domain's: {pattern}"
            );
            seen.push(field.clone());
        }
        if schema.get("$ref").and_then(|r| r.as_str()) == Some("#/components/schemas/TimeZone") {
            seen.push(format!("{field}: TimeZone"));
        }
    }
    assert!(seen.iter().any(|f| f == "external_emails"), "{seen:?}");
    for field in [
        "email",
        "q",
        "code",
        "cron",
        "cadence_cron",
        "name",
        "title",
        "label",
        "description",
        "goal",
        "customer_expects",
        "delivers",
        "responsibility",
        "business_line",
        "time_zone: TimeZone",
        "cadence_time_zone: TimeZone",
    ] {
        assert!(
            seen.iter().filter(|f| *f == field).count() >= 2,
            "`{field}` is stated in fewer than two request schemas: {seen:?}"
        );
    }
    let zones: Vec<&str> = spec["components"]["schemas"]["TimeZone"]["enum"]
        .as_array()
        .expect("a TimeZone schema with an enum")
        .iter()
        .filter_map(|z| z.as_str())
        .collect();
    assert_eq!(zones, TimeZone::names().collect::<Vec<_>>());
    assert!(zones.contains(&"Asia/Shanghai") && zones.contains(&"America/Sao_Paulo"));
    let locales: Vec<&str> = spec["components"]["schemas"]["LocaleName"]["enum"]
        .as_array()
        .expect("a LocaleName schema with an enum")
        .iter()
        .filter_map(|z| z.as_str())
        .collect();
    assert_eq!(
        locales,
        Locale::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>()
    );
}

/// Dates are `format: date` (poem-openapi's own `naive-date` is known to no client),
/// and every integer of a bounded Rust width says its range.
#[test]
fn dates_and_integer_ranges_are_stated_as_clients_read_them() {
    let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
    let (mut dates, mut integers) = (0, 0);
    for (field, schema) in named_schemas(&spec) {
        match schema.get("format").and_then(|f| f.as_str()) {
            Some("naive-date") => panic!("`{field}` is format: naive-date"),
            Some("date") => dates += 1,
            Some(width @ ("int32" | "uint32" | "uint16")) => {
                integers += 1;
                assert!(
                    schema.contains_key("minimum") && schema.contains_key("maximum"),
                    "`{field}` ({width}) states no range"
                );
            }
            _ => {}
        }
    }
    assert!(
        dates >= 10 && integers >= 50,
        "{dates} dates, {integers} integers"
    );
}

/// The ranges of numbers are stated as the domain's (the schema's numbers are
/// literals in the derive; this holds them to the constants): a program's minimum of
/// respondents, its survey scale and severity thresholds, and every measured value.
#[test]
fn the_number_ranges_are_the_domains() {
    use cxpm_domain::metric::VALUE_MAX;
    use cxpm_domain::program::{SeverityThresholds, SurveyScale};
    let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let range = |schema: &str, field: &str| {
        let f = &schemas[schema]["properties"][field];
        let bound = |key: &str, exclusive: &str| f[key].as_f64().map(|v| (v, f[exclusive] == true));
        (
            bound("minimum", "exclusiveMinimum"),
            bound("maximum", "exclusiveMaximum"),
        )
    };
    for name in ["NewProgram", "ProgramPatch"] {
        let respondents = f64::from(cxpm_domain::feedback::MIN_RESPONDENTS_MAX);
        assert_eq!(
            range(name, "min_respondents"),
            (Some((1.0, false)), Some((respondents, false))),
            "{name}"
        );
        assert_eq!(
            range(name, "scale_min").0,
            Some((f64::from(SurveyScale::LOWEST), false)),
            "{name}"
        );
        assert_eq!(
            range(name, "scale_max").1,
            Some((f64::from(SurveyScale::HIGHEST), false)),
            "{name}"
        );
        for field in ["minor_max", "major_max"] {
            assert_eq!(
                range(name, field),
                (Some((0.0, true)), Some((SeverityThresholds::CEILING, true))),
                "{name}.{field}"
            );
        }
    }
    for (name, field) in [
        ("NewAction", "effect_target"),
        ("ActionPatch", "effect_target"),
        ("NewMetric", "target"),
        ("MetricPatch", "target"),
        ("NewReading", "value"),
    ] {
        assert_eq!(
            range(name, field),
            (Some((-VALUE_MAX, false)), Some((VALUE_MAX, false))),
            "{name}.{field}"
        );
    }
}
