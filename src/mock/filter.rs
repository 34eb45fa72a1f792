//! The subset of Okta's SCIM-style `filter` the mock understands: `attr op value` terms joined by
//! `and` / `or`, with parentheses. Operators: `eq ne sw co gt ge lt le` and `attr pr`. Values are
//! quoted strings or bare `true` / `false` / numbers. Attributes are dotted paths into the object
//! (`id`, `status`, `profile.login`, `type.id`, `lastUpdated`).

use serde_json::Value;

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    /// Both sides hold.
    And(Box<Filter>, Box<Filter>),
    /// Either side holds.
    Or(Box<Filter>, Box<Filter>),
    /// `attr op value`; `op` is lower case, `value` is `None` for `pr`.
    Term {
        /// Dotted attribute path.
        attr: String,
        /// The operator.
        op: String,
        /// The literal compared against.
        value: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Quoted(String),
}

impl Filter {
    /// Parses a filter, or says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Filter, String> {
        let tokens = tokenize(text)?;
        let mut pos = 0;
        let filter = parse_or(&tokens, &mut pos)?;
        if pos != tokens.len() {
            return Err(format!("unexpected {:?} in filter", tokens[pos]));
        }
        Ok(filter)
    }

    /// Whether `item` matches.
    pub(crate) fn matches(&self, item: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(item) && b.matches(item),
            Filter::Or(a, b) => a.matches(item) || b.matches(item),
            Filter::Term { attr, op, value } => {
                let found = attr.split('.').try_fold(item, |v, k| v.get(k));
                let text = match found {
                    None | Some(Value::Null) => return false,
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                };
                let Some(value) = value else {
                    return true; // `pr`
                };
                match op.as_str() {
                    "eq" => text == *value,
                    "ne" => text != *value,
                    "sw" => text.starts_with(value.as_str()),
                    "co" => text.contains(value.as_str()),
                    "gt" => text.as_str() > value.as_str(),
                    "ge" => text.as_str() >= value.as_str(),
                    "lt" => text.as_str() < value.as_str(),
                    "le" => text.as_str() <= value.as_str(),
                    _ => false,
                }
            }
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => s.extend(chars.next()),
                        Some(ch) => s.push(ch),
                        None => return Err("unterminated string in filter".into()),
                    }
                }
                tokens.push(Token::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || ch == '(' || ch == ')' || ch == '"' {
                        break;
                    }
                    s.push(ch);
                    chars.next();
                }
                tokens.push(Token::Word(s));
            }
        }
    }
    Ok(tokens)
}

fn keyword(tokens: &[Token], pos: usize, word: &str) -> bool {
    matches!(tokens.get(pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
}

fn parse_or(tokens: &[Token], pos: &mut usize) -> Result<Filter, String> {
    let mut left = parse_and(tokens, pos)?;
    while keyword(tokens, *pos, "or") {
        *pos += 1;
        left = Filter::Or(Box::new(left), Box::new(parse_and(tokens, pos)?));
    }
    Ok(left)
}

fn parse_and(tokens: &[Token], pos: &mut usize) -> Result<Filter, String> {
    let mut left = parse_term(tokens, pos)?;
    while keyword(tokens, *pos, "and") {
        *pos += 1;
        left = Filter::And(Box::new(left), Box::new(parse_term(tokens, pos)?));
    }
    Ok(left)
}

fn parse_term(tokens: &[Token], pos: &mut usize) -> Result<Filter, String> {
    match tokens.get(*pos) {
        Some(Token::Open) => {
            *pos += 1;
            let inner = parse_or(tokens, pos)?;
            if tokens.get(*pos) != Some(&Token::Close) {
                return Err("missing ) in filter".into());
            }
            *pos += 1;
            Ok(inner)
        }
        Some(Token::Word(attr)) => {
            let op = match tokens.get(*pos + 1) {
                Some(Token::Word(op)) => op.to_ascii_lowercase(),
                _ => return Err(format!("expected an operator after {attr:?}")),
            };
            *pos += 2;
            if op == "pr" {
                return Ok(Filter::Term {
                    attr: attr.clone(),
                    op,
                    value: None,
                });
            }
            if !["eq", "ne", "sw", "co", "gt", "ge", "lt", "le"].contains(&op.as_str()) {
                return Err(format!("unsupported operator {op:?}"));
            }
            let value = match tokens.get(*pos) {
                Some(Token::Quoted(v)) => v.clone(),
                Some(Token::Word(v))
                    if !v.eq_ignore_ascii_case("and") && !v.eq_ignore_ascii_case("or") =>
                {
                    v.clone()
                }
                _ => return Err(format!("expected a value after {attr} {op}")),
            };
            *pos += 1;
            Ok(Filter::Term {
                attr: attr.clone(),
                op,
                value: Some(value),
            })
        }
        Some(other) => Err(format!("unexpected {other:?} in filter")),
        None => Err("filter ends too early".into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_or_id_matches_either_user() {
        let f = Filter::parse(r#"id eq "00u1" or id eq "00u2""#).unwrap();
        assert!(f.matches(&json!({"id": "00u1"})));
        assert!(f.matches(&json!({"id": "00u2"})));
        assert!(!f.matches(&json!({"id": "00u3"})));
    }

    #[test]
    fn nested_attributes_and_precedence() {
        let f = Filter::parse(
            r#"status eq "ACTIVE" and (profile.login sw "svc" OR type.id eq "oty2")"#,
        )
        .unwrap();
        let user = |status, login, ty| json!({"status": status, "profile": {"login": login}, "type": {"id": ty}});
        assert!(f.matches(&user("ACTIVE", "svc-x@a.com", "oty1")));
        assert!(f.matches(&user("ACTIVE", "bob@a.com", "oty2")));
        assert!(!f.matches(&user("SUSPENDED", "svc-x@a.com", "oty2")));
        let b = Filter::parse("system eq true").unwrap();
        assert!(b.matches(&json!({"system": true})));
        assert!(!b.matches(&json!({"system": false})));
    }

    #[test]
    fn malformed_filters_are_rejected() {
        for bad in [
            "id eq",
            "id",
            r#"id zz "x""#,
            r#"(id eq "x""#,
            r#"id eq "x" or"#,
            r#"id eq "x"#,
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
