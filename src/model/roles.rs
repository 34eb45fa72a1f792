//! `groups`, `group_members`, `role_assignments`, `role_targets` and `effective_roles`.
//!
//! A user's effective roles are their direct assignments plus every assignment of every group they
//! are a member of. Two sources say so: the `groups` collection (group → members) crossed with the
//! group principals' assignments, and the user's own `/roles` list, which carries the inherited
//! rows with `assignmentType: GROUP` and `_links.assignee.href` ending in the group id. Both are
//! merged without duplicates.

use std::collections::{HashMap, HashSet};

use polars::prelude::DataFrame;

use super::frame::{Cell, FrameBuilder};
use super::json::{Loaded, Obj};
use super::users::UserIndex;
use super::{ModelError, table_def};

/// A group holding an admin role, with its members.
#[derive(Debug, Clone, Default)]
struct Group {
    id: Option<String>,
    name: Option<String>,
    gtype: Option<String>,
    members: Vec<String>,
}

/// A target's (id, name).
type Target = (Option<String>, Option<String>);

/// One role assignment as listed for a principal.
#[derive(Debug, Clone, Default)]
struct Assignment {
    id: Option<String>,
    role_type: Option<String>,
    label: Option<String>,
    status: Option<String>,
    assignment_type: Option<String>,
    created: Option<String>,
    custom_role_id: Option<String>,
    resource_set_id: Option<String>,
    /// Last path segment of `_links.assignee.href` (the group, for inherited rows).
    assignee_id: Option<String>,
    /// Group targets.
    target_groups: Vec<Target>,
    /// App targets.
    target_apps: Vec<Target>,
}

impl Assignment {
    fn is_group_inherited(&self) -> bool {
        self.assignment_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("GROUP"))
    }

    fn targeted(&self) -> bool {
        !self.target_groups.is_empty() || !self.target_apps.is_empty()
    }
}

/// One principal's entry of the `role_assignments` collection.
#[derive(Debug, Clone)]
struct Principal {
    ptype: String,
    id: Option<String>,
    assignments: Vec<Assignment>,
}

/// The frames this module builds.
pub(crate) struct RoleFrames {
    pub(crate) groups: DataFrame,
    pub(crate) group_members: DataFrame,
    pub(crate) role_assignments: DataFrame,
    pub(crate) role_targets: DataFrame,
    pub(crate) effective_roles: DataFrame,
}

fn last_segment(href: &str) -> Option<String> {
    let path = href.split(['?', '#']).next().unwrap_or(href);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn parse_groups(groups: &Loaded) -> Result<Vec<Group>, ModelError> {
    let mut out = Vec::new();
    for entry in groups.objects()? {
        let g = entry.obj("group")?;
        let (id, name, gtype) = match &g {
            Some(g) => (
                g.str("id")?,
                g.str_at(&["profile", "name"])?,
                g.str("type")?,
            ),
            None => (None, None, None),
        };
        out.push(Group {
            id,
            name,
            gtype,
            members: entry.str_list("members")?,
        });
    }
    Ok(out)
}

/// (id, name) pairs of targets: groups are Group objects, apps CatalogApplication objects.
fn targets_of(list: &[Obj<'_>], is_app: bool) -> Result<Vec<Target>, ModelError> {
    let mut out = Vec::new();
    for t in list {
        if is_app {
            let id = t.str("id")?.or(t.str("name")?);
            out.push((id, t.str("displayName")?.or(t.str("name")?)));
        } else {
            out.push((t.str("id")?, t.str_at(&["profile", "name"])?));
        }
    }
    Ok(out)
}

fn parse_assignment(a: &Obj<'_>, targets: Option<&Obj<'_>>) -> Result<Assignment, ModelError> {
    let id = a.str("id")?;
    let assignee_id = match a.obj("_links")? {
        Some(l) => l
            .str_at(&["assignee", "href"])?
            .as_deref()
            .and_then(last_segment),
        None => None,
    };
    let mut target_groups = Vec::new();
    let mut target_apps = Vec::new();
    // Targets the collector fetched from the targets endpoints, keyed by assignment id.
    if let (Some(t), Some(aid)) = (targets, &id)
        && let Some(mine) = t.obj(aid)?
    {
        target_groups.extend(targets_of(&mine.objects("groups")?, false)?);
        target_apps.extend(targets_of(&mine.objects("apps")?, true)?);
    }
    // Targets embedded by `?expand=targets/…`.
    if let Some(embedded) = a
        .obj("_embedded")?
        .map(|e| e.obj("targets"))
        .transpose()?
        .flatten()
    {
        if target_groups.is_empty() {
            target_groups.extend(targets_of(&embedded.objects("groups")?, false)?);
        }
        if target_apps.is_empty()
            && let Some(catalog) = embedded.obj("catalog")?
        {
            target_apps.extend(targets_of(&catalog.objects("apps")?, true)?);
        }
    }
    Ok(Assignment {
        id,
        role_type: a.str("type")?,
        label: a.str("label")?,
        status: a.str("status")?,
        assignment_type: a.str("assignmentType")?,
        created: a.str("created")?,
        custom_role_id: a.str("role")?,
        resource_set_id: a.str("resource-set")?,
        assignee_id,
        target_groups,
        target_apps,
    })
}

fn parse_principals(roles: &Loaded) -> Result<Vec<Principal>, ModelError> {
    let mut out = Vec::new();
    for entry in roles.objects()? {
        let targets = entry.obj("targets")?;
        let assignments = entry
            .objects("assignments")?
            .iter()
            .map(|a| parse_assignment(&a.clone().with_id(), targets.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Principal {
            ptype: entry
                .str("principal_type")?
                .unwrap_or_default()
                .to_ascii_uppercase(),
            id: entry.str("principal_id")?,
            assignments,
        });
    }
    Ok(out)
}

/// Builds the role tables. `groups` and `roles` may be empty (missing collections).
pub(crate) fn build(
    groups: &Loaded,
    roles: &Loaded,
    users: &UserIndex,
) -> Result<RoleFrames, ModelError> {
    let groups = parse_groups(groups)?;
    let principals = parse_principals(roles)?;
    let group_by_id: HashMap<&str, &Group> = groups
        .iter()
        .filter_map(|g| g.id.as_deref().map(|id| (id, g)))
        .collect();
    let group_name = |id: Option<&str>| -> Option<String> {
        id.and_then(|id| group_by_id.get(id))
            .and_then(|g| g.name.clone())
    };
    let login = |id: Option<&str>| {
        id.and_then(|id| users.get(id))
            .and_then(|u| u.login.clone())
    };

    let mut gb = FrameBuilder::new(table_def("groups")?);
    let mut mb = FrameBuilder::new(table_def("group_members")?);
    for g in &groups {
        gb.push(vec![
            ("id", g.id.clone().into()),
            ("name", g.name.clone().into()),
            ("type", g.gtype.clone().into()),
            ("member_count", g.members.len().into()),
        ])?;
        for m in &g.members {
            mb.push(vec![
                ("group_id", g.id.clone().into()),
                ("group_name", g.name.clone().into()),
                ("user_id", m.as_str().into()),
            ])?;
        }
    }

    // role_assignments + role_targets: direct rows of users, all rows of groups and clients, and
    // group rows seen only on users' lists (when the group's own entry is missing).
    let group_principals: HashSet<&str> = principals
        .iter()
        .filter(|p| p.ptype == "GROUP")
        .filter_map(|p| p.id.as_deref())
        .collect();
    let mut held: Vec<(&str, Option<String>, &Assignment)> = Vec::new();
    let mut seen_group_rows: HashSet<(String, String)> = HashSet::new();
    for p in &principals {
        for a in &p.assignments {
            if p.ptype == "USER" && a.is_group_inherited() {
                let Some(gid) = a.assignee_id.as_deref() else {
                    continue;
                };
                if group_principals.contains(gid) {
                    continue;
                }
                let key = (gid.to_string(), assignment_key(a));
                if seen_group_rows.insert(key) {
                    held.push(("GROUP", Some(gid.to_string()), a));
                }
            } else {
                held.push((p.ptype.as_str(), p.id.clone(), a));
            }
        }
    }
    let mut rb = FrameBuilder::new(table_def("role_assignments")?);
    let mut tb = FrameBuilder::new(table_def("role_targets")?);
    for (ptype, pid, a) in &held {
        let pname = match *ptype {
            "USER" => login(pid.as_deref()),
            "GROUP" => group_name(pid.as_deref()),
            _ => None,
        };
        rb.push(vec![
            ("id", a.id.clone().into()),
            ("principal_type", (*ptype).into()),
            ("principal_id", pid.clone().into()),
            ("principal_name", pname.into()),
            ("role_type", a.role_type.clone().into()),
            ("label", a.label.clone().into()),
            ("status", a.status.clone().into()),
            ("assignment_type", a.assignment_type.clone().into()),
            ("created", a.created.clone().into()),
            ("custom_role_id", a.custom_role_id.clone().into()),
            ("resource_set_id", a.resource_set_id.clone().into()),
            ("target_group_count", a.target_groups.len().into()),
            ("target_app_count", a.target_apps.len().into()),
            ("targeted", a.targeted().into()),
        ])?;
        for (ttype, list) in [("GROUP", &a.target_groups), ("APP", &a.target_apps)] {
            for (tid, tname) in list {
                tb.push(vec![
                    ("assignment_id", a.id.clone().into()),
                    ("principal_type", (*ptype).into()),
                    ("principal_id", pid.clone().into()),
                    ("target_type", ttype.into()),
                    ("target_id", tid.clone().into()),
                    ("target_name", tname.clone().into()),
                ])?;
            }
        }
    }

    let effective = effective_roles(&principals, &group_by_id, users)?;
    Ok(RoleFrames {
        groups: gb.finish()?,
        group_members: mb.finish()?,
        role_assignments: rb.finish()?,
        role_targets: tb.finish()?,
        effective_roles: effective,
    })
}

/// What identifies "the same role" across the two sources (assignment ids may differ).
fn assignment_key(a: &Assignment) -> String {
    format!(
        "{}\u{0}{}\u{0}{}",
        a.role_type.as_deref().unwrap_or(""),
        a.custom_role_id.as_deref().unwrap_or(""),
        a.resource_set_id.as_deref().unwrap_or("")
    )
}

/// Accumulates `effective_roles` rows without duplicates.
struct Effective<'a> {
    users: &'a UserIndex,
    group_by_id: &'a HashMap<&'a str, &'a Group>,
    /// (user, via group or "" for direct, role key) already present.
    seen: HashSet<(String, String, String)>,
    /// (user, role key) of rows through any group, for inherited rows whose group is unknown.
    via_any: HashSet<(String, String)>,
    rows: FrameBuilder,
}

impl Effective<'_> {
    fn emit(&mut self, user: &str, via: Option<&str>, a: &Assignment) -> Result<(), ModelError> {
        let key = assignment_key(a);
        if !self
            .seen
            .insert((user.to_string(), via.unwrap_or("").to_string(), key.clone()))
        {
            return Ok(());
        }
        let inherited = via.is_some() || a.is_group_inherited();
        if inherited {
            self.via_any.insert((user.to_string(), key));
        }
        let info = self.users.get(user);
        let via_name = via
            .and_then(|g| self.group_by_id.get(g))
            .and_then(|g| g.name.clone());
        self.rows.push(vec![
            ("user_id", user.into()),
            ("login", info.and_then(|u| u.login.clone()).into()),
            ("user_status", info.and_then(|u| u.status.clone()).into()),
            ("role_type", a.role_type.clone().into()),
            ("label", a.label.clone().into()),
            ("status", a.status.clone().into()),
            ("assignment_id", a.id.clone().into()),
            (
                "assignment_type",
                if inherited { "GROUP" } else { "USER" }.into(),
            ),
            ("via_group_id", Cell::Str(via.map(str::to_string))),
            ("via_group_name", via_name.into()),
            ("targeted", a.targeted().into()),
            ("custom_role_id", a.custom_role_id.clone().into()),
            ("resource_set_id", a.resource_set_id.clone().into()),
        ])
    }
}

fn effective_roles(
    principals: &[Principal],
    group_by_id: &HashMap<&str, &Group>,
    users: &UserIndex,
) -> Result<DataFrame, ModelError> {
    let mut eff = Effective {
        users,
        group_by_id,
        seen: HashSet::new(),
        via_any: HashSet::new(),
        rows: FrameBuilder::new(table_def("effective_roles")?),
    };
    let user_principals = || principals.iter().filter(|p| p.ptype == "USER");
    // 1. Direct assignments of users.
    for p in user_principals() {
        let Some(uid) = p.id.as_deref() else { continue };
        for a in p.assignments.iter().filter(|a| !a.is_group_inherited()) {
            eff.emit(uid, None, a)?;
        }
    }
    // 2. Group assignments × group members.
    for p in principals.iter().filter(|p| p.ptype == "GROUP") {
        let Some(gid) = p.id.as_deref() else { continue };
        let Some(group) = group_by_id.get(gid) else {
            continue;
        };
        for member in &group.members {
            for a in &p.assignments {
                eff.emit(member, Some(gid), a)?;
            }
        }
    }
    // 3. Inherited rows on users' own lists.
    for p in user_principals() {
        let Some(uid) = p.id.as_deref() else { continue };
        for a in p.assignments.iter().filter(|a| a.is_group_inherited()) {
            match a.assignee_id.as_deref() {
                Some(gid) => eff.emit(uid, Some(gid), a)?,
                None if eff.via_any.contains(&(uid.to_string(), assignment_key(a))) => {}
                None => eff.emit(uid, None, a)?,
            }
        }
    }
    eff.rows.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn assignee_href_yields_the_group_id() {
        assert_eq!(
            last_segment("https://org.okta.com/api/v1/groups/00g1a2b3").as_deref(),
            Some("00g1a2b3")
        );
        assert_eq!(
            last_segment("https://o/api/v1/groups/00g9/?x=1").as_deref(),
            Some("00g9")
        );
        assert_eq!(last_segment(""), None);
    }
}
