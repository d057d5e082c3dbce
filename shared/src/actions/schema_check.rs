//! Checks a tool call's input against the tool's generated JSON schema
//! before deserialising, so that a wrong type, a missing required field or
//! an unknown field is reported with the field's name (serde's own errors
//! do not always name it) and with the offending value cut short.
//!
//! Supports the subset `schemars` generates for the action structs:
//! `type` (one or a list), `const`, `enum`, `anyOf`/`oneOf`, `items`,
//! `minimum`/`maximum` and the integer `format`s `uint32`/`uint64`.

use serde_json::Value;

/// Longest quoted value, in characters.
const QUOTE_CHARS: usize = 60;

/// Why an input does not fit its schema.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldError {
    /// The offending field; empty for the whole input.
    pub field: String,
    /// Why, with the value cut short.
    pub reason: String,
    /// The number given, when the field wants a whole number in a range
    /// and got a number outside it (so callers can cite the rules' bound).
    pub number: Option<f64>,
}

/// `value` as JSON, cut to about 60 characters.
pub(crate) fn quote(value: &Value) -> String {
    cut(&value.to_string())
}

/// `text` cut to about 60 characters, with an ellipsis when cut.
pub(crate) fn cut(text: &str) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        text.to_string()
    } else {
        let head: String = text.chars().take(QUOTE_CHARS).collect();
        format!("{head}…")
    }
}

/// Checks `input` (an object) against `schema` (an object schema).
pub(crate) fn check(schema: &Value, input: &Value) -> Result<(), FieldError> {
    let whole = |reason: String| FieldError {
        field: String::new(),
        reason,
        number: None,
    };
    let Some(object) = input.as_object() else {
        return Err(whole(format!(
            "the input must be a JSON object, got {}",
            quote(input)
        )));
    };
    let properties = schema["properties"].as_object();
    for (key, value) in object {
        let Some(property) = properties.and_then(|p| p.get(key)) else {
            let allowed: Vec<&str> = properties
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            return Err(FieldError {
                field: cut(key),
                reason: format!(
                    "unknown field \"{}\"; the fields are {}",
                    cut(key),
                    allowed.join(", ")
                ),
                number: None,
            });
        };
        if let Err(expected) = fits(property, value) {
            return Err(FieldError {
                field: key.clone(),
                reason: format!("expected {expected}, got {}", quote(value)),
                number: value.as_f64().filter(|_| expected.contains("whole number")),
            });
        }
    }
    if let Some(required) = schema["required"].as_array() {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                return Err(FieldError {
                    field: name.to_string(),
                    reason: format!("the required field \"{name}\" is missing"),
                    number: None,
                });
            }
        }
    }
    Ok(())
}

/// Whether `value` fits `schema`; `Err` says what was expected.
fn fits(schema: &Value, value: &Value) -> Result<(), String> {
    if let Some(constant) = schema.get("const") {
        return if constant == value {
            Ok(())
        } else {
            Err(constant.to_string())
        };
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        return if options.contains(value) {
            Ok(())
        } else {
            Err(format!("one of {}", join(options)))
        };
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let mut expected = Vec::new();
            for option in options {
                match fits(option, value) {
                    Ok(()) => return Ok(()),
                    Err(e) => expected.push(e),
                }
            }
            return Err(expected.join(" or "));
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let mut expected = Vec::new();
    for kind in &types {
        match fits_type(schema, kind, value) {
            Ok(()) => return Ok(()),
            Err(e) => expected.push(e),
        }
    }
    Err(expected.join(" or "))
}

fn fits_type(schema: &Value, kind: &str, value: &Value) -> Result<(), String> {
    let ok = match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "object" => value.is_object(),
        "array" => {
            let Some(items) = value.as_array() else {
                return Err("an array".into());
            };
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    fits(item_schema, item).map_err(|e| format!("an array of {e}"))?;
                }
            }
            true
        }
        "integer" => {
            let max = match schema.get("format").and_then(Value::as_str) {
                Some("uint32") => u64::from(u32::MAX),
                _ => u64::MAX,
            };
            let min = schema
                .get("minimum")
                .and_then(Value::as_f64)
                .unwrap_or(f64::MIN);
            let whole = match (value.as_u64(), value.as_i64()) {
                (Some(v), _) => v <= max && v as f64 >= min,
                (None, Some(v)) => v as f64 >= min,
                _ => false,
            };
            if !whole {
                return Err(format!("a whole number from {} to {max}", min.max(0.0)));
            }
            true
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(match kind {
            "null" => "null".to_string(),
            "boolean" => "true or false".to_string(),
            "string" => "a string".to_string(),
            "number" => "a number".to_string(),
            "object" => "an object".to_string(),
            other => other.to_string(),
        })
    }
}

fn join(options: &[Value]) -> String {
    options
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run_lab() -> &'static Value {
        crate::actions::tools::full_schema("run_lab").unwrap()
    }

    #[test]
    fn good_input_passes() {
        let input = json!({"symbol": "sp500", "scope": "family", "name": "random_forest",
            "horizon": 5, "window": "rolling", "cost_bps": 2.5, "train_rows": null});
        assert_eq!(check(run_lab(), &input), Ok(()));
    }

    #[test]
    fn errors_name_the_field() {
        let err = check(run_lab(), &json!({"symbol": "sp500"})).unwrap_err();
        assert_eq!(err.field, "scope");
        let err = check(run_lab(), &json!({"symbol": 5, "scope": "catalog"})).unwrap_err();
        assert_eq!(err.field, "symbol");
        assert!(err.reason.contains("a string"), "{}", err.reason);
        let err = check(run_lab(), &json!({"symbol": "sp500", "scope": "galaxy"})).unwrap_err();
        assert_eq!(err.field, "scope");
        assert!(err.reason.contains("\"catalog\""), "{}", err.reason);
        let err = check(
            run_lab(),
            &json!({"symbol": "sp500", "scope": "catalog", "rm": 1}),
        )
        .unwrap_err();
        assert_eq!(err.field, "rm");
        assert!(err.reason.contains("unknown field"), "{}", err.reason);
        let err = check(
            run_lab(),
            &json!({"symbol": "sp500", "scope": "catalog", "train_rows": 1e308}),
        )
        .unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.number),
            ("train_rows", Some(1e308))
        );
        let err = check(
            run_lab(),
            &json!({"symbol": "sp500", "scope": "catalog", "horizon": -3}),
        )
        .unwrap_err();
        assert_eq!((err.field.as_str(), err.number), ("horizon", Some(-3.0)));
        let err = check(
            run_lab(),
            &json!({"symbol": "sp500", "scope": "catalog", "horizon": 5_000_000_000u64}),
        )
        .unwrap_err();
        assert_eq!(err.field, "horizon");
        let err = check(run_lab(), &json!([1, 2])).unwrap_err();
        assert_eq!(err.field, "");
    }

    #[test]
    fn quotes_are_cut() {
        let long = "x".repeat(10_000);
        let err = check(run_lab(), &json!({"symbol": 1, "scope": long})).unwrap_err();
        assert!(err.reason.len() < 400, "{}", err.reason);
        assert!(cut(&long).ends_with('…'));
        assert_eq!(cut("short"), "short");
    }
}
