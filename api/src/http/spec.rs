//! The spec as served (`/openapi.json`, `/openapi.yaml`, `/docs`), printed by
//! `cxpm openapi` and committed under `openapi/`: what poem-openapi generates, plus two
//! rules its parser keeps for every request body that its schemas do not state.
//!
//! - **No unknown fields.** Every object a request body is read into is declared with
//!   `deny_unknown_fields`, so a field the schema does not define is a 422 naming it;
//!   poem-openapi cannot write `additionalProperties: false`, so it is added here to
//!   every object schema a request body reaches.
//! - **`null` is leaving a field out.** poem-openapi reads an explicit `null` for a
//!   field that is not required as if the field were absent (`Option` → none, a
//!   default → the default, a PATCH's `MaybeUndefined` → clear), so every such
//!   property of those objects is `nullable` here.
//!
//! - **Formats as clients know them.** poem-openapi writes a `chrono::NaiveDate` as
//!   `format: naive-date`, which no client or validator knows: it is `format: date`
//!   (RFC 3339's full-date, what the server reads). And an integer's Rust width
//!   (`format: int32`, `uint32`, `uint16`, `uint64`) is stated as its `minimum` and
//!   `maximum`, which clients do read: a `u32` position of 2^49 is refused.
//!
//! The black-box test `every_request_body_refuses_unknown_fields_and_takes_null_for_optional_ones`
//! holds the server to both, operation by operation.

use std::collections::BTreeSet;

// A YAML value keeps its keys in the order poem-openapi wrote them (serde_json's
// would sort them), so the committed spec reads as before.
use serde_yaml::{Mapping, Value};

/// The spec as JSON, from poem-openapi's (`raw`). Writing a value out cannot fail;
/// were it to, the raw spec is served (and the drift test fails).
pub fn json(raw: &str) -> String {
    serde_json::to_string_pretty(&tightened(raw)).unwrap_or_else(|_| raw.to_owned())
}

/// The spec as YAML, from poem-openapi's (`raw`); empty were writing it to fail.
pub fn yaml(raw: &str) -> String {
    serde_yaml::to_string(&tightened(raw)).unwrap_or_default()
}

/// poem-openapi's spec, tightened (as it is, were it not JSON — it always is).
fn tightened(raw: &str) -> Value {
    let mut spec: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
    tighten(&mut spec);
    formats(&mut spec);
    spec
}

const SCHEMAS: &str = "#/components/schemas/";

fn entries(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_mapping().into_iter().flat_map(Mapping::values)
}

/// Closes every object schema reachable from a JSON request body and makes its
/// optional properties nullable.
fn tighten(spec: &mut Value) {
    let mut reached = BTreeSet::new();
    let mut todo = Vec::new();
    for op in entries(&spec["paths"]).flat_map(entries) {
        for (media, content) in op["requestBody"]["content"]
            .as_mapping()
            .into_iter()
            .flatten()
        {
            if media
                .as_str()
                .is_some_and(|m| m.starts_with("application/json"))
            {
                refs(&content["schema"], &mut todo);
            }
        }
    }
    while let Some(name) = todo.pop() {
        if reached.insert(name.clone()) {
            refs(&spec["components"]["schemas"][name.as_str()], &mut todo);
        }
    }
    let Some(schemas) = spec
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_mapping_mut)
    else {
        return;
    };
    for name in &reached {
        if let Some(Value::Mapping(schema)) = schemas.get_mut(name.as_str()) {
            close(schema);
        }
    }
}

/// The names of the component schemas `v` refers to.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            if let Some(name) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMAS))
            {
                out.push(name.to_owned());
            }
            m.values().for_each(|c| refs(c, out));
        }
        Value::Sequence(s) => s.iter().for_each(|c| refs(c, out)),
        _ => {}
    }
}

fn close(schema: &mut Mapping) {
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return;
    }
    let required: BTreeSet<String> = schema
        .get("required")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    let Some(Value::Mapping(properties)) = schema.get_mut("properties") else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if !name.as_str().is_some_and(|n| required.contains(n)) {
            nullable(property);
        }
    }
    if !schema.contains_key("additionalProperties") {
        schema.insert("additionalProperties".into(), Value::Bool(false));
    }
}

/// Lets `property` take `null` too. A bare `$ref` cannot carry siblings in OpenAPI
/// 3.0, so it is wrapped in an `allOf` first.
fn nullable(property: &mut Value) {
    let Value::Mapping(p) = property else {
        return;
    };
    if p.len() == 1 && p.contains_key("$ref") {
        let reference = Value::Mapping(std::mem::take(p));
        p.insert("allOf".into(), Value::Sequence(vec![reference]));
    }
    p.insert("nullable".into(), Value::Bool(true));
}

/// `format: date` for dates, and every integer's range from its width.
fn formats(v: &mut Value) {
    match v {
        Value::Mapping(m) => {
            if m.get("format").and_then(Value::as_str) == Some("naive-date") {
                m.insert("format".into(), "date".into());
            }
            let range: Option<(i64, Option<u64>)> = match m.get("format").and_then(Value::as_str) {
                Some("int32") => Some((i32::MIN.into(), Some(i32::MAX as u64))),
                Some("uint32") => Some((0, Some(u32::MAX.into()))),
                Some("uint16") => Some((0, Some(u16::MAX.into()))),
                Some("uint64") => Some((0, None)),
                _ => None,
            };
            if let Some((low, high)) = range {
                if !m.contains_key("minimum") {
                    m.insert("minimum".into(), low.into());
                }
                if let Some(high) = high.filter(|_| !m.contains_key("maximum")) {
                    m.insert("maximum".into(), high.into());
                }
            }
            m.values_mut().for_each(formats);
        }
        Value::Sequence(s) => s.iter_mut().for_each(formats),
        _ => {}
    }
}
