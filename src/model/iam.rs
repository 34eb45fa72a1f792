//! `custom_roles`, `custom_role_permissions`, `resource_sets`, `resource_set_resources`,
//! `resource_set_bindings` and `binding_members`.
//!
//! Permissions, resources and members are accepted both as Okta lists them (objects) and as bare
//! strings (hand-written snapshots). A binding's role is `role_id`, else the raw binding's `id`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use polars::prelude::DataFrame;
use serde_json::Value;

use super::frame::FrameBuilder;
use super::json::{Loaded, Obj};
use super::privilege::{RiskClass, permission_risk};
use super::resources::{Resource, parse_member, parse_resource};
use super::users::UserIndex;
use super::{ModelError, table_def};

/// What other tables need to know about a custom role.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleInfo {
    /// The role's label.
    pub(crate) label: Option<String>,
    /// It has at least one write (high or medium) permission.
    pub(crate) writes: bool,
}

/// Custom roles by id.
pub(crate) type RoleIndex = HashMap<String, RoleInfo>;

/// Display names of principals, for `binding_members.principal_name`.
pub(crate) struct Names<'a> {
    pub(crate) users: &'a UserIndex,
    pub(crate) groups: &'a HashMap<String, String>,
    /// App labels by client id and by app id.
    pub(crate) clients: &'a HashMap<String, String>,
}

/// The frames this module builds.
pub(crate) struct IamFrames {
    pub(crate) custom_roles: DataFrame,
    pub(crate) custom_role_permissions: DataFrame,
    pub(crate) resource_sets: DataFrame,
    pub(crate) resource_set_resources: DataFrame,
    pub(crate) resource_set_bindings: DataFrame,
    pub(crate) binding_members: DataFrame,
}

struct Permission {
    label: String,
    conditions: bool,
    created: Option<String>,
}

struct Member {
    id: Option<String>,
    href: Option<String>,
}

struct Binding {
    role_id: Option<String>,
    members: Vec<Member>,
}

/// One resource of a set: its id, ORN, REST URL and what they name.
struct SetResource {
    id: Option<String>,
    orn: Option<String>,
    href: Option<String>,
    parsed: Resource,
}

struct Set {
    id: Option<String>,
    label: Option<String>,
    description: Option<String>,
    created: Option<String>,
    last_updated: Option<String>,
    resources: Vec<SetResource>,
    bindings: Vec<Binding>,
}

impl Set {
    fn has(&self, kind: &str) -> bool {
        self.resources.iter().any(|r| r.parsed.kind == kind)
    }

    fn org_wide(&self) -> bool {
        self.has("all_users") || self.has("all_groups") || self.has("all_apps")
    }
}

fn has_text(s: Option<&str>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

/// An element that may be a string or an object, as an object (strings yield `None`).
fn element<'a>(v: &'a Value, file: &'a Path, at: String) -> Result<Option<Obj<'a>>, ModelError> {
    match v {
        Value::String(_) | Value::Null => Ok(None),
        _ => Obj::new(v, file, at).map(Some),
    }
}

fn parse_permissions(entry: &Obj<'_>, file: &Path) -> Result<Vec<Permission>, ModelError> {
    let mut out = Vec::new();
    for (i, v) in entry.array("permissions")?.iter().enumerate() {
        if let Value::String(s) = v {
            out.push(Permission {
                label: s.clone(),
                conditions: false,
                created: None,
            });
        } else if let Some(p) = element(v, file, format!("permission {i}"))?
            && let Some(label) = p.str("label")?
        {
            out.push(Permission {
                label,
                conditions: p.raw("conditions").is_some(),
                created: p.str("created")?,
            });
        }
    }
    Ok(out)
}

fn parse_sets(sets: &Loaded) -> Result<Vec<Set>, ModelError> {
    let mut out = Vec::new();
    for entry in sets.objects()? {
        let rs = entry.obj("resource_set")?;
        let field = |k: &str| -> Result<Option<String>, ModelError> {
            rs.as_ref().map_or(Ok(None), |r| r.str(k))
        };
        let mut resources = Vec::new();
        for (i, v) in entry.array("resources")?.iter().enumerate() {
            let (id, orn, href) = match v {
                Value::String(s) => (None, Some(s.clone()), None),
                _ => match element(v, &sets.file, format!("resource {i}"))? {
                    Some(r) => (r.str("id")?, r.str("orn")?, {
                        match r.obj("_links")? {
                            Some(l) => l.str_at(&["self", "href"])?,
                            None => None,
                        }
                    }),
                    None => continue,
                },
            };
            let parsed = orn
                .as_deref()
                .map(parse_resource)
                .filter(|r| r.kind != "other")
                .or_else(|| href.as_deref().map(parse_resource))
                .unwrap_or_else(|| parse_resource(""));
            resources.push(SetResource {
                id,
                orn,
                href,
                parsed,
            });
        }
        let mut bindings = Vec::new();
        for b in entry.objects("bindings")? {
            let role_id = match b.str("role_id")? {
                Some(r) => Some(r),
                None => match b.obj("binding")? {
                    Some(raw) => raw.str("id")?,
                    None => b.str("role")?,
                },
            };
            let mut members = Vec::new();
            for (i, v) in b.array("members")?.iter().enumerate() {
                match v {
                    Value::String(s) => members.push(Member {
                        id: None,
                        href: Some(s.clone()),
                    }),
                    _ => {
                        if let Some(m) = element(v, &sets.file, format!("member {i}"))? {
                            let href = match m.obj("_links")? {
                                Some(l) => l.str_at(&["self", "href"])?,
                                None => None,
                            };
                            members.push(Member {
                                id: m.str("id")?,
                                href: href.or(m.str("principal")?),
                            });
                        }
                    }
                }
            }
            bindings.push(Binding { role_id, members });
        }
        out.push(Set {
            id: field("id")?,
            label: field("label")?,
            description: field("description")?,
            created: field("created")?,
            last_updated: field("lastUpdated")?,
            resources,
            bindings,
        });
    }
    Ok(out)
}

/// Builds the IAM tables and the custom-role index. `sets_known`: the resource_sets collection was
/// collected (else the binding columns of `custom_roles` are null).
pub(crate) fn build(
    roles: &Loaded,
    sets: &Loaded,
    sets_known: bool,
    names: &Names<'_>,
) -> Result<(IamFrames, RoleIndex), ModelError> {
    let sets = parse_sets(sets)?;
    // Per role: (bindings, org-wide bindings, members).
    let mut per_role: HashMap<&str, (usize, usize, usize)> = HashMap::new();
    for s in &sets {
        for b in &s.bindings {
            if let Some(r) = b.role_id.as_deref() {
                let e = per_role.entry(r).or_default();
                e.0 += 1;
                e.1 += usize::from(s.org_wide());
                e.2 += b.members.len();
            }
        }
    }

    let mut index = RoleIndex::new();
    let mut rb = FrameBuilder::new(table_def("custom_roles")?);
    let mut pb = FrameBuilder::new(table_def("custom_role_permissions")?);
    for entry in roles.objects()? {
        let role = entry.obj("role")?;
        let field = |k: &str| -> Result<Option<String>, ModelError> {
            role.as_ref().map_or(Ok(None), |r| r.str(k))
        };
        let (id, label, description) = (field("id")?, field("label")?, field("description")?);
        let perms = parse_permissions(&entry, &roles.file)?;
        let classes: Vec<RiskClass> = perms.iter().map(|p| permission_risk(&p.label)).collect();
        let count = |c: RiskClass| classes.iter().filter(|x| **x == c).count();
        let high: BTreeSet<&str> = perms
            .iter()
            .zip(&classes)
            .filter(|(_, c)| **c == RiskClass::High)
            .map(|(p, _)| p.label.as_str())
            .collect();
        let (bindings, org_wide, members) = id
            .as_deref()
            .and_then(|i| per_role.get(i).copied())
            .unwrap_or_default();
        let enrich = |n: usize| sets_known.then_some(n);
        rb.push(vec![
            ("id", id.clone().into()),
            ("label", label.clone().into()),
            ("has_description", has_text(description.as_deref()).into()),
            ("description", description.into()),
            ("created", field("created")?.into()),
            ("last_updated", field("lastUpdated")?.into()),
            ("permission_count", perms.len().into()),
            ("high_risk_permission_count", count(RiskClass::High).into()),
            (
                "medium_risk_permission_count",
                count(RiskClass::Medium).into(),
            ),
            (
                "write_permission_count",
                (count(RiskClass::High) + count(RiskClass::Medium)).into(),
            ),
            (
                "high_risk_permissions",
                high.into_iter().collect::<Vec<_>>().join(", ").into(),
            ),
            ("binding_count", enrich(bindings).map(usize_i64).into()),
            (
                "org_wide_binding_count",
                enrich(org_wide).map(usize_i64).into(),
            ),
            ("member_count", enrich(members).map(usize_i64).into()),
        ])?;
        for (p, class) in perms.iter().zip(&classes) {
            pb.push(vec![
                ("role_id", id.clone().into()),
                ("role_label", label.clone().into()),
                ("permission", p.label.as_str().into()),
                ("risk_class", class.as_str().into()),
                ("is_write", (*class != RiskClass::Read).into()),
                ("has_conditions", p.conditions.into()),
                ("created", p.created.clone().into()),
            ])?;
        }
        if let Some(id) = id {
            let writes = classes.iter().any(|c| *c != RiskClass::Read);
            index.insert(id, RoleInfo { label, writes });
        }
    }

    let frames = set_frames(&sets, &index, names)?;
    Ok((
        IamFrames {
            custom_roles: rb.finish()?,
            custom_role_permissions: pb.finish()?,
            ..frames
        },
        index,
    ))
}

fn usize_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The resource-set frames (`custom_roles` and its permissions are left empty).
fn set_frames(sets: &[Set], roles: &RoleIndex, names: &Names<'_>) -> Result<IamFrames, ModelError> {
    let mut sb = FrameBuilder::new(table_def("resource_sets")?);
    let mut rb = FrameBuilder::new(table_def("resource_set_resources")?);
    let mut bb = FrameBuilder::new(table_def("resource_set_bindings")?);
    let mut mb = FrameBuilder::new(table_def("binding_members")?);
    for s in sets {
        let members: usize = s.bindings.iter().map(|b| b.members.len()).sum();
        sb.push(vec![
            ("id", s.id.clone().into()),
            ("label", s.label.clone().into()),
            ("description", s.description.clone().into()),
            ("has_description", has_text(s.description.as_deref()).into()),
            ("created", s.created.clone().into()),
            ("last_updated", s.last_updated.clone().into()),
            ("resource_count", s.resources.len().into()),
            ("all_users", s.has("all_users").into()),
            ("all_groups", s.has("all_groups").into()),
            ("all_apps", s.has("all_apps").into()),
            ("org_wide", s.org_wide().into()),
            ("binding_count", s.bindings.len().into()),
            ("member_count", members.into()),
        ])?;
        for SetResource {
            id,
            orn,
            href,
            parsed,
        } in &s.resources
        {
            rb.push(vec![
                ("resource_set_id", s.id.clone().into()),
                ("resource_set_label", s.label.clone().into()),
                ("id", id.clone().into()),
                ("orn", orn.clone().into()),
                ("href", href.clone().into()),
                ("kind", parsed.kind.into()),
                ("target_id", parsed.target_id.clone().into()),
            ])?;
        }
        for b in &s.bindings {
            let role_label = b
                .role_id
                .as_deref()
                .and_then(|r| roles.get(r))
                .and_then(|r| r.label.clone());
            bb.push(vec![
                ("resource_set_id", s.id.clone().into()),
                ("resource_set_label", s.label.clone().into()),
                ("role_id", b.role_id.clone().into()),
                ("role_label", role_label.into()),
                ("member_count", b.members.len().into()),
                ("org_wide", s.org_wide().into()),
            ])?;
            for m in &b.members {
                let principal = m.href.as_deref().and_then(parse_member);
                let name = principal.as_ref().and_then(|(t, id)| match *t {
                    "USER" => names.users.get(id).and_then(|u| u.login.clone()),
                    "GROUP" => names.groups.get(id).cloned(),
                    _ => names.clients.get(id).cloned(),
                });
                let (ptype, pid) = principal.unzip();
                mb.push(vec![
                    ("resource_set_id", s.id.clone().into()),
                    ("role_id", b.role_id.clone().into()),
                    ("member_id", m.id.clone().into()),
                    ("principal_type", ptype.into()),
                    ("principal_id", pid.into()),
                    ("principal_name", name.into()),
                    ("href", m.href.clone().into()),
                ])?;
            }
        }
    }
    Ok(IamFrames {
        custom_roles: DataFrame::empty(),
        custom_role_permissions: DataFrame::empty(),
        resource_sets: sb.finish()?,
        resource_set_resources: rb.finish()?,
        resource_set_bindings: bb.finish()?,
        binding_members: mb.finish()?,
    })
}

/// True when a role assignment only reads: a read-only standard role, or a custom role whose
/// permissions are all read-only (unknown custom roles count as writing).
pub(crate) fn assignment_reads_only(
    role_type: Option<&str>,
    custom_role_id: Option<&str>,
    roles: &RoleIndex,
) -> bool {
    let role_type = role_type.unwrap_or("");
    if super::privilege::is_read_only_role(role_type) {
        return true;
    }
    role_type.eq_ignore_ascii_case("CUSTOM")
        && custom_role_id
            .and_then(|id| roles.get(id))
            .is_some_and(|r| !r.writes)
}
