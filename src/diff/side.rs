//! One side of the diff: an opened snapshot, its raw collections and the display-name lookups
//! (user logins, group names, zone names, role and resource-set labels) taken from it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::DiffError;
use crate::snapshot::{CollectionStatus, Snapshot};

/// An opened snapshot with its label (`OLD` / `NEW`) and lookups.
#[derive(Debug)]
pub(crate) struct Side {
    /// `OLD` or `NEW`.
    pub(crate) label: &'static str,
    /// The snapshot.
    pub(crate) snapshot: Snapshot,
    /// User id → login.
    pub(crate) users: BTreeMap<String, String>,
    /// Group id → name.
    pub(crate) groups: BTreeMap<String, String>,
    /// Zone id → name.
    pub(crate) zones: BTreeMap<String, String>,
    /// Custom role id → label.
    pub(crate) roles: BTreeMap<String, String>,
    /// Resource set id → label.
    pub(crate) sets: BTreeMap<String, String>,
}

/// The string at a path of object keys.
pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_str()
}

/// The array at a key (empty when missing or not an array).
pub(crate) fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The path of a URL (`https://x/api/v1/users/00u1?y` → `/api/v1/users/00u1`); snapshots of the
/// same org taken through different hosts or ports (the mock) then agree.
pub(crate) fn url_path(href: &str) -> String {
    let no_query = href.split(['?', '#']).next().unwrap_or(href);
    let path = match no_query.find("://") {
        Some(i) => {
            let rest = &no_query[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => no_query,
    };
    path.trim_end_matches('/').to_string()
}

/// The last segment of a URL's path.
pub(crate) fn last_segment(href: &str) -> Option<String> {
    url_path(href)
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Side {
    /// Opens a snapshot and reads its lookups. Lookups are best effort: a missing or odd
    /// collection only means ids are shown without names.
    pub(crate) fn open(label: &'static str, dir: &std::path::Path) -> Result<Self, DiffError> {
        let snapshot = Snapshot::open(dir).map_err(|source| DiffError::Snapshot {
            side: label,
            source,
        })?;
        let mut side = Side {
            label,
            snapshot,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            zones: BTreeMap::new(),
            roles: BTreeMap::new(),
            sets: BTreeMap::new(),
        };
        for u in side.lenient("users") {
            if let (Some(id), Some(login)) =
                (str_at(&u, &["id"]), str_at(&u, &["profile", "login"]))
            {
                side.users.insert(id.into(), login.into());
            }
        }
        for g in side.lenient("groups") {
            let g = g.get("group").unwrap_or(&g);
            if let (Some(id), Some(name)) = (str_at(g, &["id"]), str_at(g, &["profile", "name"])) {
                side.groups.insert(id.into(), name.into());
            }
        }
        for z in side.lenient("network_zones") {
            if let (Some(id), Some(name)) = (str_at(&z, &["id"]), str_at(&z, &["name"])) {
                side.zones.insert(id.into(), name.into());
            }
        }
        for r in side.lenient("custom_roles") {
            let r = r.get("role").unwrap_or(&r);
            if let (Some(id), Some(l)) = (str_at(r, &["id"]), str_at(r, &["label"])) {
                side.roles.insert(id.into(), l.into());
            }
        }
        for s in side.lenient("resource_sets") {
            let s = s.get("resource_set").unwrap_or(&s);
            if let (Some(id), Some(l)) = (str_at(s, &["id"]), str_at(s, &["label"])) {
                side.sets.insert(id.into(), l.into());
            }
        }
        Ok(side)
    }

    /// Items of a collection for lookups: empty when missing, unreadable or not an array.
    fn lenient(&self, collection: &str) -> Vec<Value> {
        match self.snapshot.load::<Value>(collection) {
            Ok(Some(Value::Array(items))) => items,
            _ => Vec::new(),
        }
    }

    /// Why a collection cannot be compared on this side, or `None` when it is complete.
    pub(crate) fn gap(&self, collection: &str) -> Option<String> {
        match self.snapshot.manifest().collections.get(collection) {
            None => Some(format!("missing in {}", self.label)),
            Some(r) if r.status == CollectionStatus::Complete => None,
            Some(r) => Some(match &r.error {
                Some(e) => format!("{} in {} ({e})", r.status, self.label),
                None => format!("{} in {}", r.status, self.label),
            }),
        }
    }

    /// The items of a complete collection; a top level that is not an array is an error naming
    /// the file.
    pub(crate) fn items(&self, collection: &str) -> Result<Vec<Value>, DiffError> {
        let path = self.file(collection);
        let value =
            self.snapshot
                .load::<Value>(collection)
                .map_err(|source| DiffError::Snapshot {
                    side: self.label,
                    source,
                })?;
        match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(DiffError::Shape {
                path,
                message: format!(
                    "{collection}: the top level is not an array; collect the snapshot again"
                ),
            }),
        }
    }

    /// The data file of a collection (for errors).
    pub(crate) fn file(&self, collection: &str) -> PathBuf {
        let name = self
            .snapshot
            .manifest()
            .collections
            .get(collection)
            .map_or_else(|| format!("{collection}.json"), |r| r.file.clone());
        self.snapshot.dir().join(name)
    }

    /// `login (id)` for a user id, or the id.
    pub(crate) fn user(&self, id: &str) -> String {
        named(self.users.get(id), id)
    }

    /// `name (id)` for a group id, or the id.
    pub(crate) fn group(&self, id: &str) -> String {
        named(self.groups.get(id), id)
    }

    /// `name (id)` for a zone id, or the id.
    pub(crate) fn zone(&self, id: &str) -> String {
        named(self.zones.get(id), id)
    }

    /// `label (id)` for a custom role id, or the id.
    pub(crate) fn role(&self, id: &str) -> String {
        named(self.roles.get(id), id)
    }

    /// `label (id)` for a resource set id, or the id.
    pub(crate) fn set(&self, id: &str) -> String {
        named(self.sets.get(id), id)
    }

    /// A principal given by a REST path (`/api/v1/users/00u…`, `/api/v1/groups/00g…`,
    /// `/oauth2/v1/clients/0oa…`), shown with its name.
    pub(crate) fn principal_path(&self, path: &str) -> String {
        let id = path.rsplit('/').next().unwrap_or(path);
        if path.contains("/users/") {
            format!("user {}", self.user(id))
        } else if path.contains("/groups/") {
            format!("group {}", self.group(id))
        } else if path.contains("/clients/") {
            format!("client {id}")
        } else {
            path.to_string()
        }
    }
}

fn named(name: Option<&String>, id: &str) -> String {
    match name {
        Some(n) if n != id => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn url_path_drops_scheme_host_port_and_query() {
        assert_eq!(
            url_path("http://127.0.0.1:4000/api/v1/users/00u1?x=1"),
            "/api/v1/users/00u1"
        );
        assert_eq!(url_path("/api/v1/groups/00g1/"), "/api/v1/groups/00g1");
        assert_eq!(
            last_segment("https://a.okta.com/api/v1/groups/00g1"),
            Some("00g1".into())
        );
    }
}
