//! `rules list`, `rules explain ID`, `rules test DIR`.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};

use super::args::{EvalArgs, parse_as_of};
use super::pipeline::{self, Policy};
use super::{CliError, write_stdout};
use crate::findings::Outcome;
use crate::gate::ExitStatus;
use crate::report::catalogue;
use crate::rules::RulePack;

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules of the pack (built-in, plus --rules, with the config applied).
    List(ListArgs),
    /// Show a rule: rationale, remediation, references, query, params and their current values.
    Explain(ExplainArgs),
    /// Run your own rule files against a snapshot and show the rows they return.
    Test(TestArgs),
}

/// How `rules list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A terminal table.
    Table,
    /// Markdown tables per family (the README's catalogue).
    Markdown,
}

/// Arguments of `rules list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

/// Arguments of `rules explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id.
    pub id: String,
    #[command(flatten)]
    pub eval: EvalArgs,
}

/// Arguments of `rules test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Folder of rule files (rules/**/*.toml) to test.
    pub dir: PathBuf,
    /// The snapshot to run them against.
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// Evaluate as of this instant (default: the snapshot's collected_at).
    #[arg(long, value_name = "TIME", value_parser = parse_as_of)]
    pub as_of: Option<DateTime<Utc>>,
}

/// Runs a `rules` subcommand.
pub fn run(cmd: RulesCommand) -> Result<ExitStatus, CliError> {
    match cmd {
        RulesCommand::List(args) => {
            let policy = pipeline::load_policy(&args.eval)?;
            write_stdout(&match args.format {
                ListFormat::Table => catalogue::listing(&policy.pack),
                ListFormat::Markdown => catalogue::markdown(&policy.pack),
            })?;
            Ok(ExitStatus::Passed)
        }
        RulesCommand::Explain(args) => {
            let policy = pipeline::load_policy(&args.eval)?;
            let rule = policy.pack.get(&args.id).ok_or_else(|| {
                CliError::Usage(format!(
                    "unknown rule id {:?} (see `tokenwarden rules list`)",
                    args.id
                ))
            })?;
            let mut s = String::new();
            let _ = writeln!(s, "{} — {}", rule.id, rule.title);
            let _ = writeln!(
                s,
                "severity {} · family {} · entity {} · source {}",
                rule.severity, rule.family, rule.entity_type, rule.source
            );
            let _ = writeln!(s, "requires: {}\n", rule.requires.join(", "));
            let _ = writeln!(s, "Why it matters:\n  {}\n", rule.rationale.trim());
            let _ = writeln!(s, "What to do:\n  {}\n", rule.remediation.trim());
            if !rule.references.is_empty() {
                let _ = writeln!(s, "References:");
                for r in &rule.references {
                    let _ = writeln!(s, "  - {r}");
                }
                s.push('\n');
            }
            if !rule.params.is_empty() {
                let _ = writeln!(s, "Params (current values):");
                for (k, v) in &rule.params {
                    let _ = writeln!(s, "  {k} = {}", v.sql_literal());
                }
                s.push('\n');
            }
            let _ = writeln!(s, "Query:\n{}", rule.query.trim_end());
            let _ = writeln!(s, "\nMessage: {}", rule.message);
            write_stdout(&s)?;
            Ok(ExitStatus::Passed)
        }
        RulesCommand::Test(args) => {
            let rules = RulePack::load_dir(&args.dir)?;
            if rules.is_empty() {
                return Err(CliError::Usage(format!(
                    "no rule files (*.toml) under {}",
                    args.dir.display()
                )));
            }
            let policy = Policy {
                pack: RulePack::default().with_overrides(rules),
                waivers: None,
                baseline: None,
                fail_on: crate::findings::Severity::Info,
            };
            let ev = pipeline::evaluate(&args.snapshot, &policy, args.as_of)?;
            let mut s = String::new();
            for r in &ev.evaluation.rules {
                let _ = writeln!(
                    s,
                    "{} — {} ({} row(s))",
                    r.id,
                    r.outcome.as_str(),
                    r.findings
                );
                if r.outcome == Outcome::NotEvaluated {
                    let _ = writeln!(s, "  not evaluated: {}", r.reason.as_deref().unwrap_or(""));
                }
                for f in ev.evaluation.findings.iter().filter(|f| f.rule_id == r.id) {
                    let _ = writeln!(
                        s,
                        "  [{}] {} ({}): {}",
                        f.severity, f.entity_name, f.entity_id, f.message
                    );
                    for (k, v) in &f.evidence {
                        let _ = writeln!(s, "      {k} = {v}");
                    }
                }
            }
            write_stdout(&s)?;
            Ok(if ev.evaluation.not_evaluated().next().is_some() {
                ExitStatus::Incomplete
            } else {
                ExitStatus::Passed
            })
        }
    }
}
