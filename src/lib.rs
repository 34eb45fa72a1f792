//! tokenwarden: Okta API-token and admin-privilege governance scanner.
//!
//! The pipeline: [`collect`] (HTTP) → [`snapshot`] (evidence on disk) → [`model`] (polars tables)
//! → [`rules`] (SQL policy) → [`findings`] → [`report`] and [`gate`]. The [`mock`] serves fixture
//! orgs over loopback HTTP with Okta's shapes and quirks.

pub mod cli;
pub mod collect;
pub mod diff;
pub mod embedded;
pub mod findings;
pub mod gate;
pub mod mock;
pub mod model;
pub mod policy;
pub mod report;
pub mod rules;
pub mod snapshot;
