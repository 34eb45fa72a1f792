//! The model: a snapshot's raw Okta JSON turned into named, typed polars tables.
//!
//! Every table of the [`catalogue`] is always built — empty, with its catalogue schema, when a
//! source collection is missing — so that every rule's query plans. A table is
//! [`TableStatus::Complete`] only when all its source collections are `complete` in the manifest;
//! the rule engine reports rules over incomplete tables as not evaluated. Derived facts (token ages,
//! zone address counts, effective roles, permission risk classes, System Log activity) are computed
//! here, once, in Rust.

mod apps;
mod caller;
mod catalogue;
mod factors;
mod frame;
mod iam;
pub mod ip;
mod json;
mod logs;
mod privilege;
mod resources;
mod roles;
mod second_slice;
pub mod time;
mod tokens;
mod users;
mod zones;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::DataFrame;
use serde_json::Value;

pub use catalogue::{ColType, ColumnDef, TableDef, catalogue, table};
pub use tokens::{TokenTimes, token_times};

use crate::snapshot::{CollectionStatus, Snapshot, SnapshotError};
use json::Loaded;

/// Whether a table holds everything Okta has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableStatus {
    /// Every source collection is complete.
    Complete,
    /// A source collection is missing, partial, forbidden or failed.
    Incomplete {
        /// Names the collection and its status or error.
        reason: String,
    },
}

impl TableStatus {
    /// True for [`TableStatus::Complete`].
    pub fn is_complete(&self) -> bool {
        matches!(self, Self::Complete)
    }
}

/// Errors building the model. Each names the snapshot file involved.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The snapshot could not be read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// A collection's JSON does not have Okta's shape.
    #[error(
        "snapshot file {path}: {location} {message}; the file does not have the shape Okta returns \
         — collect the snapshot again"
    )]
    Shape {
        /// The data file.
        path: PathBuf,
        /// Item and field.
        location: String,
        /// What was found and expected.
        message: String,
    },
    /// A bug in the model (a table that does not match the catalogue).
    #[error("internal error building table {table}: {message}")]
    Internal {
        /// The table.
        table: String,
        /// What went wrong.
        message: String,
    },
}

/// The tables of one snapshot, built for one `as_of` instant.
#[derive(Debug, Clone)]
pub struct Tables {
    as_of: DateTime<Utc>,
    frames: BTreeMap<String, DataFrame>,
    status: BTreeMap<String, TableStatus>,
}

const UNKNOWN_TABLE: &TableStatus = &TableStatus::Incomplete {
    reason: String::new(),
};

impl Tables {
    /// Tables from frames and statuses (tests and synthetic data); every catalogue table missing
    /// from `frames` is added empty and every table missing from `status` is incomplete.
    pub fn from_parts(
        as_of: DateTime<Utc>,
        mut frames: BTreeMap<String, DataFrame>,
        mut status: BTreeMap<String, TableStatus>,
    ) -> Self {
        for def in catalogue() {
            frames
                .entry(def.name.to_string())
                .or_insert_with(|| def.empty_frame());
        }
        for name in frames.keys() {
            status
                .entry(name.clone())
                .or_insert_with(|| TableStatus::Incomplete {
                    reason: format!("table {name} was not built"),
                });
        }
        Self {
            as_of,
            frames,
            status,
        }
    }

    /// The frame of a table.
    pub fn get(&self, name: &str) -> Option<&DataFrame> {
        self.frames.get(name)
    }

    /// The status of a table; unknown tables are incomplete.
    pub fn status(&self, name: &str) -> &TableStatus {
        self.status.get(name).unwrap_or(UNKNOWN_TABLE)
    }

    /// Table names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.frames.keys().map(String::as_str)
    }

    /// The instant every age was computed against.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// `as_of` as RFC 3339 with seconds and `Z`.
    pub fn as_of_rfc3339(&self) -> String {
        self.as_of.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// The catalogue entry of a table the model builds (missing only through a bug).
fn table_def(name: &str) -> Result<&'static TableDef, ModelError> {
    table(name).ok_or_else(|| ModelError::Internal {
        table: name.to_string(),
        message: "not in the catalogue".into(),
    })
}

/// Why a collection makes a table incomplete, or `None` when it is complete.
fn collection_gap(snapshot: &Snapshot, collection: &str) -> Option<String> {
    let manifest = snapshot.manifest();
    match manifest.collections.get(collection) {
        None => Some(format!("collection {collection} was not collected")),
        Some(r) if r.status == CollectionStatus::Complete => None,
        Some(r) => Some(match &r.error {
            Some(e) => format!("collection {collection} is {}: {e}", r.status),
            None => format!("collection {collection} is {}", r.status),
        }),
    }
}

/// Loads a collection stored as a top-level array (or `null`). Missing → empty. A forbidden or
/// failed collection whose file is not an array counts as empty; otherwise a non-array is an error.
fn load_array(snapshot: &Snapshot, collection: &str) -> Result<Loaded, ModelError> {
    let Some(record) = snapshot.manifest().collections.get(collection) else {
        return Ok(Loaded::default());
    };
    let file = snapshot.dir().join(&record.file);
    let value: Option<Value> = snapshot.load(collection)?;
    match value {
        None | Some(Value::Null) => Ok(Loaded {
            file,
            items: Vec::new(),
        }),
        Some(Value::Array(items)) => Ok(Loaded { file, items }),
        Some(_)
            if matches!(
                record.status,
                CollectionStatus::Forbidden | CollectionStatus::Failed
            ) =>
        {
            Ok(Loaded {
                file,
                items: Vec::new(),
            })
        }
        Some(other) => Err(json::shape_err(&file, "the top level", &other, "an array")),
    }
}

/// Builds every catalogue table from a snapshot, for the instant `as_of`.
pub fn build(snapshot: &Snapshot, as_of: DateTime<Utc>) -> Result<Tables, ModelError> {
    let mut frames = BTreeMap::new();

    let org_value: Option<Value> = match snapshot.manifest().collections.get("org") {
        Some(_) => snapshot.load("org")?,
        None => None,
    };
    let org_id = org_value
        .as_ref()
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut ob = frame::FrameBuilder::new(table_def("org")?);
    ob.push(vec![
        ("org_id", org_id.into()),
        ("org_url", snapshot.manifest().org_url.as_str().into()),
        (
            "as_of",
            as_of.to_rfc3339_opts(SecondsFormat::Secs, true).into(),
        ),
    ])?;
    frames.insert("org".to_string(), ob.finish()?);

    let (types_df, type_names) = users::build_user_types(&load_array(snapshot, "user_types")?)?;
    frames.insert("user_types".to_string(), types_df);
    let (users_df, index) =
        users::build_users(&load_array(snapshot, "users")?, &type_names, as_of)?;
    frames.insert("users".to_string(), users_df);

    let tokens_loaded = load_array(snapshot, "api_tokens")?;
    let (tokens_df, token_zones_df) = tokens::build(&tokens_loaded, &index, as_of)?;
    frames.insert("api_tokens".to_string(), tokens_df);
    frames.insert("api_token_zones".to_string(), token_zones_df);

    frames.insert(
        "network_zones".to_string(),
        zones::build(&load_array(snapshot, "network_zones")?)?,
    );

    let groups_loaded = load_array(snapshot, "groups")?;
    let r = roles::build(
        &groups_loaded,
        &load_array(snapshot, "role_assignments")?,
        &index,
    )?;
    frames.insert("groups".to_string(), r.groups);
    frames.insert("group_members".to_string(), r.group_members);
    frames.insert("role_assignments".to_string(), r.role_assignments);
    frames.insert("role_targets".to_string(), r.role_targets);
    frames.insert("effective_roles".to_string(), r.effective_roles);

    second_slice::build(
        snapshot,
        as_of,
        &index,
        &groups_loaded,
        &tokens_loaded,
        &mut frames,
    )?;

    let status = catalogue()
        .iter()
        .map(|def| {
            let gaps: Vec<String> = def
                .sources
                .iter()
                .filter_map(|c| collection_gap(snapshot, c))
                .collect();
            let st = if gaps.is_empty() {
                TableStatus::Complete
            } else {
                TableStatus::Incomplete {
                    reason: gaps.join("; "),
                }
            };
            (def.name.to_string(), st)
        })
        .collect();
    Ok(Tables::from_parts(as_of, frames, status))
}

#[cfg(test)]
mod tests;
