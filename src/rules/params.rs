//! Rule params: typed values, their SQL literals, and the `{{param}}` / `{name}` templates.

use std::fmt;

/// A param's value; its variant is the param's declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An array of strings.
    StrList(Vec<String>),
}

impl ParamValue {
    /// The type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Int(_) => "integer",
            Self::Float(_) => "float",
            Self::Str(_) => "string",
            Self::Bool(_) => "boolean",
            Self::StrList(_) => "array of strings",
        }
    }

    /// Reads a declared param from TOML; `Err` says which types are allowed.
    pub fn from_toml(value: &toml::Value) -> Result<Self, String> {
        match value {
            toml::Value::Integer(i) => Ok(Self::Int(*i)),
            toml::Value::Float(f) => Ok(Self::Float(*f)),
            toml::Value::String(s) => Ok(Self::Str(s.clone())),
            toml::Value::Boolean(b) => Ok(Self::Bool(*b)),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Self::StrList)
                .ok_or_else(|| "arrays must hold strings only".to_string()),
            other => Err(format!(
                "a {} is not a param type (use an integer, float, string, boolean or array of strings)",
                other.type_str()
            )),
        }
    }

    /// Converts an override to this param's type (integers are accepted for floats).
    pub fn coerce(&self, value: &toml::Value) -> Result<Self, String> {
        let new = match (self, value) {
            (Self::Float(_), toml::Value::Integer(i)) => {
                #[allow(clippy::cast_precision_loss)]
                let f = *i as f64;
                Self::Float(f)
            }
            _ => Self::from_toml(value)?,
        };
        if std::mem::discriminant(&new) == std::mem::discriminant(self) {
            Ok(new)
        } else {
            Err(format!(
                "expected {}, found {}",
                self.type_name(),
                new.type_name()
            ))
        }
    }

    /// The SQL literal substituted for `{{param}}`.
    pub fn sql_literal(&self) -> String {
        match self {
            Self::Int(i) => i.to_string(),
            Self::Float(f) if f.is_finite() => format!("{f:?}"),
            Self::Float(_) => "NULL".into(),
            Self::Str(s) => quote(s),
            Self::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            // `x IN ()` is a syntax error; `x IN (NULL)` matches nothing.
            Self::StrList(v) if v.is_empty() => "NULL".into(),
            Self::StrList(v) => v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", "),
        }
    }
}

impl fmt::Display for ParamValue {
    /// The text substituted for `{param}` in a message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => f.write_str(&format_float(*x)),
            Self::Str(s) => f.write_str(s),
            Self::Bool(b) => write!(f, "{b}"),
            Self::StrList(v) => f.write_str(&v.join(", ")),
        }
    }
}

/// A float as a message shows it: integral values without `.0`.
pub fn format_float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One `{{name}}` placeholder in a query: its name and byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    /// The param name (trimmed).
    pub name: String,
    /// Byte offset of the opening `{{`.
    pub offset: usize,
}

/// Every `{{name}}` in a query.
pub fn query_placeholders(query: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let mut rest = query;
    let mut base = 0;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(Placeholder {
            name: after[..end].trim().to_string(),
            offset: base + start,
        });
        let consumed = start + 2 + end + 2;
        base += consumed;
        rest = &rest[consumed..];
    }
    out
}

/// Replaces every `{{name}}` with `lookup(name)`; unknown names are left as they are (validation
/// has already rejected them).
pub fn render_query(query: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(query.len());
    let mut last = 0;
    for p in query_placeholders(query) {
        let end = query[p.offset..]
            .find("}}")
            .map_or(query.len(), |e| p.offset + e + 2);
        out.push_str(&query[last..p.offset]);
        match lookup(&p.name) {
            Some(lit) => out.push_str(&lit),
            None => out.push_str(&query[p.offset..end]),
        }
        last = end;
    }
    out.push_str(&query[last..]);
    out
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names of every `{name}` in a message (identifier characters only; other braces are text).
pub fn message_fields(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    render_message(message, |name| {
        out.push(name.to_string());
        None
    });
    out
}

/// Replaces every `{name}` with `lookup(name)`; unknown names stay as written.
pub fn render_message(message: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_ident(&after[..end]) => {
                let name = &after[..end];
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// True for a valid param name (`[a-z_][a-z0-9_]*`).
pub fn is_param_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn literals_quote_escape_and_join() {
        assert_eq!(ParamValue::Int(90).sql_literal(), "90");
        assert_eq!(ParamValue::Float(0.5).sql_literal(), "0.5");
        assert_eq!(ParamValue::Float(65536.0).sql_literal(), "65536.0");
        assert_eq!(ParamValue::Str("it's".into()).sql_literal(), "'it''s'");
        assert_eq!(ParamValue::Bool(true).sql_literal(), "TRUE");
        assert_eq!(
            ParamValue::StrList(vec!["a".into(), "b'c".into()]).sql_literal(),
            "'a', 'b''c'"
        );
        assert_eq!(ParamValue::StrList(vec![]).sql_literal(), "NULL");
    }

    #[test]
    fn placeholders_are_found_and_rendered() {
        let q = "SELECT 1 WHERE a > {{ max }} AND b IN ({{list}}) AND c = '{{max}}'";
        let names: Vec<_> = query_placeholders(q).into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["max", "list", "max"]);
        let out = render_query(q, |n| match n {
            "max" => Some("5".into()),
            _ => None,
        });
        assert_eq!(out, "SELECT 1 WHERE a > 5 AND b IN ({{list}}) AND c = '5'");
    }

    #[test]
    fn messages_render_fields_and_leave_other_braces() {
        assert_eq!(
            message_fields("Token '{entity_name}' {age_days}d { x } {}"),
            ["entity_name", "age_days"]
        );
        let out = render_message("{a} and {b} and {not valid} {", |n| {
            (n == "a").then(|| "A".to_string())
        });
        assert_eq!(out, "A and {b} and {not valid} {");
    }

    #[test]
    fn overrides_are_type_checked() {
        let int = ParamValue::Int(1);
        assert_eq!(int.coerce(&toml::Value::Integer(5)), Ok(ParamValue::Int(5)));
        assert!(int.coerce(&toml::Value::String("5".into())).is_err());
        let float = ParamValue::Float(1.0);
        assert_eq!(
            float.coerce(&toml::Value::Integer(2)),
            Ok(ParamValue::Float(2.0))
        );
        let list = ParamValue::StrList(vec![]);
        assert!(
            list.coerce(&toml::Value::Array(vec![toml::Value::Integer(1)]))
                .is_err()
        );
    }
}
