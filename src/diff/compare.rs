//! The generic comparison: every kind is reduced to [`Entity`] values keyed by a stable id, and two
//! such maps are compared field by field and set by set.

use std::collections::BTreeMap;

use super::report::{Change, ChangeType, Detail, Kind};

/// A compared value: compared by `key`, shown as `display` (e.g. a user id shown with its login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub(crate) key: String,
    pub(crate) display: String,
}

impl Value {
    /// A value shown as itself.
    pub(crate) fn plain(s: impl Into<String>) -> Self {
        let s = s.into();
        Self {
            key: s.clone(),
            display: s,
        }
    }

    /// A value compared by `key` and shown as `display`.
    pub(crate) fn shown(key: impl Into<String>, display: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            display: display.into(),
        }
    }
}

/// One side's view of an entity, reduced to what is compared and what gives context.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entity {
    /// Display name.
    pub(crate) name: String,
    /// Context only, never compared.
    pub(crate) attributes: BTreeMap<String, String>,
    /// Compared scalar fields.
    pub(crate) fields: BTreeMap<String, Value>,
    /// Compared sets: member key → display.
    pub(crate) sets: BTreeMap<String, BTreeMap<String, String>>,
}

impl Entity {
    /// An entity with a display name.
    pub(crate) fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Adds a context attribute (skipped when empty).
    pub(crate) fn attr(&mut self, k: &str, v: impl Into<String>) {
        let v = v.into();
        if !v.is_empty() {
            self.attributes.insert(k.to_string(), v);
        }
    }

    /// Sets a compared field.
    pub(crate) fn field(&mut self, k: &str, v: Value) {
        self.fields.insert(k.to_string(), v);
    }

    /// Adds a member to a compared set (creating the set).
    pub(crate) fn member(&mut self, set: &str, key: impl Into<String>, display: impl Into<String>) {
        self.sets
            .entry(set.to_string())
            .or_default()
            .insert(key.into(), display.into());
    }

    /// Declares a compared set, so that "empty" is recorded even without members.
    pub(crate) fn set(&mut self, set: &str) {
        self.sets.entry(set.to_string()).or_default();
    }
}

/// The entities of one kind on one side, by stable id.
pub(crate) type Entities = BTreeMap<String, Entity>;

/// Compares OLD and NEW entities of one kind; the result is sorted by id.
pub(crate) fn compare(kind: Kind, old: &Entities, new: &Entities) -> Vec<Change> {
    let mut out = Vec::new();
    let ids: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for id in ids {
        match (old.get(id), new.get(id)) {
            (None, Some(n)) => out.push(change(kind, ChangeType::Added, id, n, Vec::new())),
            (Some(o), None) => out.push(change(kind, ChangeType::Removed, id, o, Vec::new())),
            (Some(o), Some(n)) => {
                let details = details(o, n);
                if !details.is_empty() {
                    out.push(change(kind, ChangeType::Changed, id, n, details));
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn change(kind: Kind, change: ChangeType, id: &str, e: &Entity, details: Vec<Detail>) -> Change {
    Change {
        kind,
        change,
        id: id.to_string(),
        name: e.name.clone(),
        attributes: e.attributes.clone(),
        details,
    }
}

/// Every field and set that differs, sorted by field name.
fn details(old: &Entity, new: &Entity) -> Vec<Detail> {
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> =
        old.fields.keys().chain(new.fields.keys()).collect();
    for name in names {
        // A field on one side only belongs to a set member added or removed (a secret's status),
        // which the set already reports.
        let (Some(o), Some(n)) = (old.fields.get(name), new.fields.get(name)) else {
            continue;
        };
        if o.key != n.key {
            out.push(Detail {
                field: name.clone(),
                old: Some(o.display.clone()),
                new: Some(n.display.clone()),
                added: Vec::new(),
                removed: Vec::new(),
            });
        }
    }
    let empty = BTreeMap::new();
    let sets: std::collections::BTreeSet<&String> =
        old.sets.keys().chain(new.sets.keys()).collect();
    for name in sets {
        let o = old.sets.get(name).unwrap_or(&empty);
        let n = new.sets.get(name).unwrap_or(&empty);
        let added: Vec<String> = n
            .iter()
            .filter(|(k, _)| !o.contains_key(*k))
            .map(|(_, d)| d.clone())
            .collect();
        let removed: Vec<String> = o
            .iter()
            .filter(|(k, _)| !n.contains_key(*k))
            .map(|(_, d)| d.clone())
            .collect();
        if !added.is_empty() || !removed.is_empty() {
            out.push(Detail {
                field: name.clone(),
                old: None,
                new: None,
                added,
                removed,
            });
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_compare_by_key_and_show_display() {
        let mut o = Entity::named("t");
        o.field("owner", Value::shown("00u1", "alice (00u1)"));
        let mut n = Entity::named("t");
        n.field("owner", Value::shown("00u1", "alice.renamed (00u1)"));
        let mut old = Entities::new();
        old.insert("a".into(), o);
        let mut new = Entities::new();
        new.insert("a".into(), n.clone());
        assert!(compare(Kind::ApiToken, &old, &new).is_empty());
        n.field("owner", Value::shown("00u2", "bob (00u2)"));
        new.insert("a".into(), n);
        let c = compare(Kind::ApiToken, &old, &new);
        assert_eq!(c[0].details[0].text(), "owner: alice (00u1) → bob (00u2)");
    }
}
