//! Synthetic orgs for tests and benchmarks: a seeded, deterministic generator of every fixture
//! file of docs/architecture.md §2, written to a directory that the mock then serves like any
//! fixture org (so the generated data goes through the same loader and checks as hand-written
//! fixtures).
//!
//! Shape of a generated org (counts from [`GenSpec`]):
//! - users `00u…`: the first `direct_admins` hold standard roles directly (user 0 owns the scanning
//!   token and is a Read Only Administrator); the next `admin_groups × admin_group_members` are
//!   admins only through the admin groups they belong to; the last `service_users` are service
//!   accounts (`userType` Service); everyone else is staff. So the org has exactly
//!   [`GenSpec::admins`] admins.
//! - groups `00g…`: the first `admin_groups` hold one standard role each; the others have random
//!   members and serve as role targets.
//! - API tokens `00T…`: 40 % owned by admins, the rest by service accounts; token 0 is the scanner
//!   (its secret is [`SCAN_SECRET`]).
//! - OIDC apps `0oa…`: `service_apps` service apps (grants, secrets or keys, some with client
//!   roles) and `other_apps` web/native apps.
//! - custom roles `cr0…` and resource sets `iam…` whose bindings give custom roles to direct
//!   admins, admin groups and service apps; factors of every admin; System Log events over the
//!   last 89 days (`logs.jsonl`, in published order), most of them caused by API tokens.
//!
//! The same seed and counts always produce the same files, byte for byte.

mod apps;
mod directory;
mod logs;

use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

pub use logs::Events;

/// The SSWS secret of the scanning token of every generated org.
pub const SCAN_SECRET: &str = "00genScannerSecretForSyntheticOrgsOnly01";
/// The instant a generated org's dates are written against (its `as_of`).
pub const AS_OF: &str = "2026-06-30T12:00:00.000Z";

/// Preset sizes of a generated org.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenSize {
    /// A few dozen users: unit and CLI tests.
    Small,
    /// 2,000 users, 200 tokens, 200 admins, 20 service apps, 5,000 events: integration tests.
    Medium,
    /// 20,000 users, 2,000 tokens, 2,000 admins, 200 service apps, 200,000 events: benchmarks.
    Large,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenSpec {
    /// Seed of every random choice.
    pub seed: u64,
    /// Users in total.
    pub users: usize,
    /// Groups in total (admin groups included).
    pub groups: usize,
    /// Groups holding an admin role.
    pub admin_groups: usize,
    /// Members of each admin group (admins only through it).
    pub admin_group_members: usize,
    /// Users holding standard roles directly.
    pub direct_admins: usize,
    /// Service accounts (owners of most tokens).
    pub service_users: usize,
    /// API tokens.
    pub tokens: usize,
    /// Network zones (system zones included).
    pub zones: usize,
    /// OIDC service apps.
    pub service_apps: usize,
    /// OIDC web and native apps.
    pub other_apps: usize,
    /// Custom roles.
    pub custom_roles: usize,
    /// Resource sets.
    pub resource_sets: usize,
    /// System Log events.
    pub log_events: usize,
}

impl GenSpec {
    /// The preset `size` with `seed`.
    pub fn sized(size: GenSize, seed: u64) -> GenSpec {
        let spec = |users, groups, admin_groups, members, direct, service, tokens| GenSpec {
            seed,
            users,
            groups,
            admin_groups,
            admin_group_members: members,
            direct_admins: direct,
            service_users: service,
            tokens,
            zones: 6,
            service_apps: 4,
            other_apps: 2,
            custom_roles: 3,
            resource_sets: 2,
            log_events: 300,
        };
        match size {
            GenSize::Small => spec(60, 12, 2, 4, 8, 6, 10),
            GenSize::Medium => GenSpec {
                zones: 10,
                service_apps: 20,
                other_apps: 6,
                custom_roles: 6,
                resource_sets: 4,
                log_events: 5_000,
                ..spec(2_000, 100, 5, 20, 100, 50, 200)
            },
            GenSize::Large => GenSpec {
                zones: 30,
                service_apps: 200,
                other_apps: 60,
                custom_roles: 20,
                resource_sets: 10,
                log_events: 200_000,
                ..spec(20_000, 1_000, 20, 40, 1_200, 500, 2_000)
            },
        }
    }

    /// Users holding an admin role, directly or through a group.
    pub fn admins(&self) -> usize {
        self.direct_admins + self.admin_groups * self.admin_group_members
    }

    /// Checks that the counts fit together.
    pub fn validate(&self) -> Result<(), String> {
        let needed = self.admins() + self.service_users + 1;
        if self.users < needed {
            return Err(format!(
                "{} users cannot hold {} admins and {} service accounts",
                self.users,
                self.admins(),
                self.service_users
            ));
        }
        if self.direct_admins == 0 || self.service_users == 0 || self.tokens == 0 {
            return Err("at least one direct admin, service account and token".into());
        }
        if self.groups <= self.admin_groups || self.zones < 3 {
            return Err("more groups than admin groups, and at least 3 zones".into());
        }
        Ok(())
    }
}

/// A generated org: the JSON fixture files (all but the System Log) and its events.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedOrg {
    /// What it was generated from.
    pub spec: GenSpec,
    /// `(file name, content)` of every JSON file, `org.json` first.
    pub files: Vec<(&'static str, Value)>,
}

impl GeneratedOrg {
    /// The content of file `name`.
    pub fn file(&self, name: &str) -> Option<&Value> {
        self.files.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The System Log events, generated one by one in published order.
    pub fn events(&self) -> Events {
        Events::new(&self.spec, self)
    }

    /// Writes every file, and the events as `logs.jsonl`, into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, value) in &self.files {
            let file = std::fs::File::create(dir.join(name))?;
            let mut out = std::io::BufWriter::new(file);
            serde_json::to_writer(&mut out, value)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        let file = std::fs::File::create(dir.join("logs.jsonl"))?;
        let mut out = std::io::BufWriter::new(file);
        for event in self.events() {
            serde_json::to_writer(&mut out, &event)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }
}

/// Generates the org `spec` describes.
pub fn generate(spec: &GenSpec) -> Result<GeneratedOrg, String> {
    spec.validate()?;
    let dir = directory::generate(spec);
    let extra = apps::generate(spec, &dir);
    let mut files = dir.files;
    files.extend(extra);
    Ok(GeneratedOrg {
        spec: spec.clone(),
        files,
    })
}

/// Generates the org `spec` describes and writes it into `dir`, ready for `OrgSource::Dir`.
pub fn write_org(spec: &GenSpec, dir: &Path) -> std::io::Result<GeneratedOrg> {
    let org = generate(spec).map_err(std::io::Error::other)?;
    org.write(dir)?;
    Ok(org)
}

/// Flags of `mock-okta` that serve a generated org instead of a fixture directory.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Synthetic org")]
pub struct GenerateArgs {
    /// Serve a generated org of this size instead of --org (large: 20,000 users, 2,000 tokens,
    /// 2,000 admins, 200 service apps, 200,000 System Log events).
    #[arg(long, value_enum, value_name = "SIZE")]
    pub generate: Option<GenSize>,
    /// Seed of the generated org: the same seed and size give the same org.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "generate")]
    pub seed: u64,
    /// Keep the generated fixture files in DIR (default: a temporary directory removed on exit).
    #[arg(long, value_name = "DIR", requires = "generate")]
    pub generate_into: Option<std::path::PathBuf>,
}

impl GenerateArgs {
    /// Generates the org asked for and returns where it was written, with the temporary
    /// directory that holds it (keep it alive while serving).
    pub fn prepare(&self) -> std::io::Result<(crate::mock::OrgSource, Option<tempfile::TempDir>)> {
        let size = self.generate.unwrap_or(GenSize::Small);
        let spec = GenSpec::sized(size, self.seed);
        let (dir, temp) = match &self.generate_into {
            Some(dir) => (dir.clone(), None),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("tokenwarden-generated-")
                    .tempdir()?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        tracing::info!(?size, seed = self.seed, dir = %dir.display(), "generating a synthetic org");
        write_org(&spec, &dir)?;
        Ok((crate::mock::OrgSource::Dir(dir), temp))
    }
}

/// A small deterministic random number generator (SplitMix64), stable across library versions so
/// that a seed always means the same org.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for one part (`stream`) of the org of `seed`.
    pub(crate) fn new(seed: u64, stream: &str) -> Rng {
        // FNV-1a of the stream name, so that parts do not share draws.
        let hash = stream.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        Rng(seed ^ hash)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let wide = u128::from(self.next_u64()) * n as u128;
        usize::try_from(wide >> 64).unwrap_or(0)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// One of `items` (which must not be empty).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// An Okta-style 20-character id: `prefix` (3 characters), a tag letter and `n`, zero-padded.
pub(crate) fn okta_id(prefix: &str, n: usize) -> String {
    format!("{prefix}g{n:0>16}")
}

/// `AS_OF` minus `seconds`, as Okta writes times (RFC 3339, milliseconds, `Z`).
pub(crate) fn ago(seconds: i64) -> String {
    time(as_of() - TimeDelta::seconds(seconds))
}

/// A time as Okta writes it.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// [`AS_OF`] parsed.
pub(crate) fn as_of() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(AS_OF)
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// Seconds in `days` days.
pub(crate) const fn days(days: i64) -> i64 {
    days * 86_400
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
