//! `users` and `user_types` tables, and the user lookup other tables enrich from.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;

use super::frame::{Cell, FrameBuilder};
use super::json::Loaded;
use super::time::{days_between, parse_ts};
use super::{ModelError, table_def};

/// What other tables need to know about a user.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserInfo {
    pub(crate) login: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) user_type: Option<String>,
    pub(crate) type_name: Option<String>,
}

/// Users by id.
pub(crate) type UserIndex = HashMap<String, UserInfo>;

/// Builds `user_types`; returns the frame and type id → name.
pub(crate) fn build_user_types(
    types: &Loaded,
) -> Result<(DataFrame, HashMap<String, String>), ModelError> {
    let def = table_def("user_types")?;
    let mut b = FrameBuilder::new(def);
    let mut names = HashMap::new();
    for t in types.objects()? {
        let id = t.str("id")?;
        let name = t.str("name")?;
        if let (Some(id), Some(name)) = (&id, &name) {
            names.insert(id.clone(), name.clone());
        }
        b.push(vec![
            ("id", id.into()),
            ("name", name.into()),
            ("display_name", t.str("displayName")?.into()),
            ("is_default", t.bool("default")?.into()),
        ])?;
    }
    Ok((b.finish()?, names))
}

/// Builds `users`; returns the frame and the user index.
pub(crate) fn build_users(
    users: &Loaded,
    type_names: &HashMap<String, String>,
    as_of: DateTime<Utc>,
) -> Result<(DataFrame, UserIndex), ModelError> {
    let def = table_def("users")?;
    let mut b = FrameBuilder::new(def);
    let mut index = UserIndex::new();
    for u in users.objects()? {
        let id = u.str("id")?;
        let login = u.str_at(&["profile", "login"])?;
        let status = u.str("status")?;
        let user_type = u.str_at(&["profile", "userType"])?;
        let type_id = u.str_at(&["type", "id"])?;
        let type_name = type_id.as_ref().and_then(|t| type_names.get(t)).cloned();
        let last_login = u.str("lastLogin")?;
        let last_login_days = parse_ts(last_login.as_deref()).map(|t| days_between(t, as_of));
        if let Some(id) = &id {
            index.insert(
                id.clone(),
                UserInfo {
                    login: login.clone(),
                    status: status.clone(),
                    user_type: user_type.clone(),
                    type_name: type_name.clone(),
                },
            );
        }
        b.push(vec![
            ("id", id.into()),
            ("login", login.into()),
            ("email", u.str_at(&["profile", "email"])?.into()),
            ("status", status.into()),
            ("user_type", user_type.into()),
            ("type_id", type_id.into()),
            ("type_name", type_name.into()),
            ("created", u.str("created")?.into()),
            ("last_login", last_login.into()),
            ("last_login_days", Cell::Int(last_login_days)),
        ])?;
    }
    Ok((b.finish()?, index))
}
