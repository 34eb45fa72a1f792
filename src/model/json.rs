//! Null-safe, shape-checked access to raw Okta JSON.
//!
//! A missing or `null` field reads as `None`; a field of the wrong JSON type is a
//! [`ModelError::Shape`] naming the snapshot file, the item and the field.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ModelError;

/// The name of a JSON value's type, for error messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Builds a shape error.
pub(crate) fn shape_err(file: &Path, location: &str, found: &Value, expected: &str) -> ModelError {
    ModelError::Shape {
        path: file.to_path_buf(),
        location: location.to_string(),
        message: format!("is {}, expected {expected}", kind(found)),
    }
}

/// A JSON object read from one snapshot file, with a description of where it sits.
#[derive(Debug, Clone)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    file: &'a Path,
    at: String,
}

impl<'a> Obj<'a> {
    /// Wraps `value`, which must be an object; `at` says where it is ("item 3").
    pub(crate) fn new(value: &'a Value, file: &'a Path, at: String) -> Result<Self, ModelError> {
        match value {
            Value::Object(map) => Ok(Self { map, file, at }),
            other => Err(shape_err(file, &at, other, "an object")),
        }
    }

    /// Adds the item's id to its location, for better error messages.
    pub(crate) fn with_id(mut self) -> Self {
        if let Some(Value::String(id)) = self.map.get("id") {
            self.at = format!("{} (id {id})", self.at);
        }
        self
    }

    /// The raw value of a field (`None` when missing or null).
    pub(crate) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.field(key)
    }

    fn field(&self, key: &str) -> Option<&'a Value> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn err(&self, key: &str, found: &Value, expected: &str) -> ModelError {
        shape_err(
            self.file,
            &format!("{}, field `{key}`", self.at),
            found,
            expected,
        )
    }

    /// A string field.
    pub(crate) fn str(&self, key: &str) -> Result<Option<String>, ModelError> {
        match self.field(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.err(key, other, "a string")),
        }
    }

    /// A boolean field.
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, ModelError> {
        match self.field(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.err(key, other, "a boolean")),
        }
    }

    /// A nested object field.
    pub(crate) fn obj(&self, key: &str) -> Result<Option<Obj<'a>>, ModelError> {
        match self.field(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => {
                Obj::new(v, self.file, format!("{}, field `{key}`", self.at)).map(Some)
            }
            Some(other) => Err(self.err(key, other, "an object")),
        }
    }

    /// An array field (empty when missing).
    pub(crate) fn array(&self, key: &str) -> Result<&'a [Value], ModelError> {
        match self.field(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(self.err(key, other, "an array")),
        }
    }

    /// Elements of an array field as objects.
    pub(crate) fn objects(&self, key: &str) -> Result<Vec<Obj<'a>>, ModelError> {
        self.array(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| Obj::new(v, self.file, format!("{}, field `{key}[{i}]`", self.at)))
            .collect()
    }

    /// An array-of-strings field (empty when missing; null elements skipped).
    pub(crate) fn str_list(&self, key: &str) -> Result<Vec<String>, ModelError> {
        let mut out = Vec::new();
        for (i, v) in self.array(key)?.iter().enumerate() {
            match v {
                Value::String(s) => out.push(s.clone()),
                Value::Null => {}
                other => return Err(self.err(&format!("{key}[{i}]"), other, "a string")),
            }
        }
        Ok(out)
    }

    /// A string at a nested path, e.g. `["profile", "login"]`.
    pub(crate) fn str_at(&self, path: &[&str]) -> Result<Option<String>, ModelError> {
        match path {
            [] => Ok(None),
            [last] => self.str(last),
            [first, rest @ ..] => match self.obj(first)? {
                Some(inner) => inner.str_at(rest),
                None => Ok(None),
            },
        }
    }
}

/// A collection loaded from a snapshot: its file and its items.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// The data file (for error messages).
    pub(crate) file: PathBuf,
    /// The top-level array's elements.
    pub(crate) items: Vec<Value>,
}

impl Loaded {
    /// The items as objects, located as "item N (id …)".
    pub(crate) fn objects(&self) -> Result<Vec<Obj<'_>>, ModelError> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, v)| Obj::new(v, &self.file, format!("item {i}")).map(Obj::with_id))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_and_null_fields_are_none_and_wrong_types_name_the_field() {
        let v = json!({"id": "00T1", "name": null, "network": {"include": ["a", null]}, "bad": 5});
        let o = Obj::new(&v, Path::new("api_tokens.json"), "item 0".into())
            .unwrap()
            .with_id();
        assert_eq!(o.str("name").unwrap(), None);
        assert_eq!(o.str("nope").unwrap(), None);
        assert_eq!(
            o.obj("network")
                .unwrap()
                .unwrap()
                .str_list("include")
                .unwrap(),
            vec!["a"]
        );
        let err = o.str("bad").unwrap_err().to_string();
        assert!(err.contains("api_tokens.json"), "{err}");
        assert!(err.contains("`bad`"), "{err}");
        assert!(err.contains("00T1"), "{err}");
    }
}
