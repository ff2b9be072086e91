//! Numbers and booleans as real clients send them. Some clients (the MCP Inspector's
//! command line among them) send every argument as a string: `"10"`, `"0.2"`,
//! `"false"`. Where a tool's schema asks for a number or a boolean, such a string is
//! read as one; anything else is refused with what was expected. The schemas still
//! say `integer`, `number` and `boolean`: these readers only widen what is accepted.
//! Lists of column names may likewise come as a JSON string, or as one bare name.

use serde::de::Error;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use svmq_data::ScalingMethod;
use svmq_tune::approximation::Approximation;

/// What the argument holds, before its type is checked.
fn argument<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Ok(Option::<Value>::deserialize(deserializer)?.filter(|value| !value.is_null()))
}

/// An argument as an error message shows it: its JSON, cut short past 40 characters,
/// so that a huge argument is not echoed back whole.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
        None => text,
    }
}

/// The text of a string argument, trimmed.
fn text(value: &Value) -> Option<&str> {
    value.as_str().map(str::trim)
}

/// An optional value read from a JSON number by `from_number` or from a string by
/// `from_text`; anything else is refused as not being `expected`.
fn read<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    from_number: impl Fn(&serde_json::Number) -> Option<T>,
    from_text: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Result<Option<T>, D::Error> {
    let Some(value) = argument(deserializer)? else {
        return Ok(None);
    };
    let parsed = match &value {
        Value::Number(number) => from_number(number),
        other => text(other).and_then(&from_text),
    };
    parsed
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("expected {expected}, got {}", shown(&value))))
}

/// An optional whole number, given as a number or as a string holding one.
fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    read(
        deserializer,
        serde_json::Number::as_i64,
        |text| text.parse().ok(),
        "a whole number",
    )
}

/// An optional whole number of at least zero, given as a number or as a string.
fn unsigned<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    read(
        deserializer,
        serde_json::Number::as_u64,
        |text| text.parse().ok(),
        "a whole number of at least 0",
    )
}

/// An optional 32-bit whole number (a priority), given as a number or as a string.
fn small_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i32>, D::Error> {
    match integer(deserializer)? {
        None => Ok(None),
        Some(value) => i32::try_from(value).map(Some).map_err(|_| {
            D::Error::custom(format!(
                "expected a whole number between {} and {}, got {value}",
                i32::MIN,
                i32::MAX
            ))
        }),
    }
}

/// An optional number, given as a number or as a string holding a finite one.
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    read(
        deserializer,
        serde_json::Number::as_f64,
        |text| text.parse::<f64>().ok().filter(|number| number.is_finite()),
        "a number",
    )
}

/// An optional boolean, given as `true`/`false` or as the string `"true"`/`"false"`.
fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let Some(value) = argument(deserializer)? else {
        return Ok(None);
    };
    let parsed = match &value {
        Value::Bool(flag) => Some(*flag),
        other => match text(other).map(str::to_ascii_lowercase).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        },
    };
    parsed
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("expected true or false, got {}", shown(&value))))
}

/// An optional list of column names: an array of strings, a string holding such an
/// array as JSON, or a single name.
fn names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    let Some(value) = argument(deserializer)? else {
        return Ok(None);
    };
    let listed = |items: &[Value]| -> Option<Vec<String>> {
        items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect()
    };
    let parsed = match &value {
        Value::Array(items) => listed(items),
        Value::String(text) => match serde_json::from_str::<Value>(text.trim()) {
            Ok(Value::Array(items)) => listed(&items),
            _ => Some(vec![text.trim().to_string()]),
        },
        _ => None,
    };
    parsed.map(Some).ok_or_else(|| {
        D::Error::custom(format!(
            "expected an array of column names, got {}",
            shown(&value)
        ))
    })
}

/// A reader for one parameter: the kind's reader, with the parameter's name and
/// what it takes in its error.
macro_rules! parameter {
    ($name:ident, $reader:ident, $type:ty, $takes:literal) => {
        #[doc = concat!("`", stringify!($name), "`: ", $takes, ".")]
        pub fn $name<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<$type>, D::Error> {
            $reader(deserializer).map_err(|error| {
                D::Error::custom(format!(
                    concat!(stringify!($name), " must be ", $takes, " ({})"),
                    error
                ))
            })
        }
    };
}

parameter!(n_trials, integer, i64, "a whole number from 1 to 1000");
parameter!(cv_folds, integer, i64, "a whole number from 2 to 20");
parameter!(
    target_dimension,
    integer,
    i64,
    "a whole number from 1 to 100"
);
parameter!(limit, integer, i64, "a whole number from 1 to 1000");
parameter!(landmarks, integer, i64, "a whole number from 0 to 2000");
parameter!(tail, integer, i64, "a whole number from 1 to 10000");
parameter!(seed, unsigned, u64, "a whole number of at least 0");
parameter!(
    timeout_seconds,
    unsigned,
    u64,
    "a whole number from 1 to 2592000"
);
parameter!(priority, small_integer, i32, "a whole number");
parameter!(test_size, number, f64, "a fraction between 0.01 and 0.9");
parameter!(optimize_hyperparameters, boolean, bool, "true or false");
parameter!(validate_data, boolean, bool, "true or false");
parameter!(use_async_queue, boolean, bool, "true or false");
parameter!(include_probabilities, boolean, bool, "true or false");
parameter!(
    exclude_columns,
    names,
    Vec<String>,
    "an array of column names"
);
parameter!(
    include_columns,
    names,
    Vec<String>,
    "an array of column names"
);

/// `scaling_method`: one of [`ScalingMethod::NAMES`]. A method of the original that
/// svmq does not implement (quantile, power) is refused as such, with the supported
/// ones; so is any other name, echoed cut short.
pub fn scaling_method<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ScalingMethod>, D::Error> {
    let Some(value) = argument(deserializer)? else {
        return Ok(None);
    };
    let name = text(&value).unwrap_or_default();
    if let Some(method) = ScalingMethod::from_name(name) {
        return Ok(Some(method));
    }
    let reason = ScalingMethod::unknown_name_message(name);
    Err(D::Error::custom(
        if ScalingMethod::UNSUPPORTED.contains(&name) {
            format!("scaling_method: {reason}")
        } else {
            format!("scaling_method: {reason}; got {}", shown(&value))
        },
    ))
}

/// `approximation`: one of [`Approximation::NAMES`]; anything else is refused with
/// them, echoed cut short.
pub fn approximation<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Approximation>, D::Error> {
    let Some(value) = argument(deserializer)? else {
        return Ok(None);
    };
    if let Some(approximation) = text(&value).and_then(Approximation::from_name) {
        return Ok(Some(approximation));
    }
    Err(D::Error::custom(format!(
        "approximation must be one of {}; got {}",
        Approximation::NAMES.join(", "),
        shown(&value)
    )))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Arguments {
        #[serde(default, deserialize_with = "super::n_trials")]
        n_trials: Option<i64>,
        #[serde(default, deserialize_with = "super::seed")]
        seed: Option<u64>,
        #[serde(default, deserialize_with = "super::priority")]
        priority: Option<i32>,
        #[serde(default, deserialize_with = "super::test_size")]
        test_size: Option<f64>,
        #[serde(default, deserialize_with = "super::use_async_queue")]
        use_async_queue: Option<bool>,
        #[serde(default, deserialize_with = "super::exclude_columns")]
        exclude_columns: Option<Vec<String>>,
        #[serde(default, deserialize_with = "super::scaling_method")]
        scaling_method: Option<svmq_data::ScalingMethod>,
    }

    fn read(value: serde_json::Value) -> Result<Arguments, String> {
        serde_json::from_value(value).map_err(|error| error.to_string())
    }

    #[test]
    fn strings_holding_numbers_and_booleans_are_read_as_them() {
        let strings = read(json!({
            "n_trials": "10", "seed": " 7 ", "priority": "-3", "test_size": "0.25",
            "use_async_queue": "False"
        }))
        .unwrap();
        let typed = read(json!({
            "n_trials": 10, "seed": 7, "priority": -3, "test_size": 0.25,
            "use_async_queue": false
        }))
        .unwrap();
        assert_eq!(strings, typed);
        let names = Some(vec!["id".to_string(), "code".to_string()]);
        for given in [json!(["id", "code"]), json!("[\"id\", \"code\"]")] {
            let read = read(json!({ "exclude_columns": given })).unwrap();
            assert_eq!(read.exclude_columns, names);
        }
        let single = read(json!({"exclude_columns": " id "})).unwrap();
        assert_eq!(single.exclude_columns, Some(vec!["id".to_string()]));
        assert_eq!(
            read(json!({"n_trials": null})).unwrap(),
            read(json!({})).unwrap()
        );
    }

    #[test]
    fn anything_else_is_refused_saying_what_was_expected() {
        for (arguments, expected) in [
            (
                json!({"n_trials": "ten"}),
                "n_trials must be a whole number from 1 to 1000",
            ),
            (json!({"n_trials": 2.5}), "n_trials must be a whole number"),
            (
                json!({"seed": -1}),
                "seed must be a whole number of at least 0",
            ),
            (
                json!({"priority": 1_u64 << 40}),
                "priority must be a whole number",
            ),
            (json!({"test_size": "NaN"}), "test_size must be a fraction"),
            (json!({"test_size": [0.2]}), "test_size must be a fraction"),
            (
                json!({"use_async_queue": "yes"}),
                "use_async_queue must be true or false",
            ),
            (
                json!({"use_async_queue": 1}),
                "use_async_queue must be true or false",
            ),
            (
                json!({"exclude_columns": [1, 2]}),
                "exclude_columns must be an array of column names",
            ),
        ] {
            let error = read(arguments.clone()).unwrap_err();
            assert!(error.contains(expected), "{arguments}: {error}");
        }
        for (method, expected) in [
            (
                json!("quantile"),
                "scaling_method: quantile scaling is not supported",
            ),
            (
                json!("power"),
                "scaling_method: power scaling is not supported",
            ),
            (json!("zscore"), "scaling_method: unknown scaling method"),
            (json!(3), "scaling_method: unknown scaling method"),
        ] {
            let error = read(json!({ "scaling_method": method })).unwrap_err();
            assert!(error.contains(expected), "{method}: {error}");
            assert!(
                error.contains("standard, minmax, robust, none"),
                "{method}: {error}"
            );
        }
        assert_eq!(
            read(json!({"scaling_method": " robust "}))
                .unwrap()
                .scaling_method,
            Some(svmq_data::ScalingMethod::Robust)
        );
        // A huge argument is not echoed back whole.
        let huge = "9".repeat(10 << 20) + "x";
        let error = read(json!({ "n_trials": huge })).unwrap_err();
        assert!(error.len() < 300, "{} bytes", error.len());
        assert!(error.contains("bytes)"), "{error}");
        let error = read(json!({ "scaling_method": huge })).unwrap_err();
        assert!(error.len() < 400, "{} bytes", error.len());
        assert!(error.contains("bytes)"), "{error}");
    }
}
