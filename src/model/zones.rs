//! `network_zones`: zones with their address counts and breadth flags.

use polars::prelude::DataFrame;
use serde_json::Value;

use super::frame::FrameBuilder;
use super::ip::{count, parse_gateway};
use super::json::{Loaded, Obj};
use super::{ModelError, table_def};

/// Builds `network_zones`.
pub(crate) fn build(zones: &Loaded) -> Result<DataFrame, ModelError> {
    let mut b = FrameBuilder::new(table_def("network_zones")?);
    for z in zones.objects()? {
        let ztype = z.str("type")?;
        let upper = ztype.as_deref().map(str::to_ascii_uppercase);
        let is_dynamic = matches!(upper.as_deref(), Some("DYNAMIC" | "DYNAMIC_V2"));
        let gateways = z.objects("gateways")?;
        let mut intervals = Vec::new();
        let mut invalid = 0usize;
        for g in &gateways {
            let kind = g.str("type")?.unwrap_or_default();
            let value = g.str("value")?.unwrap_or_default();
            match parse_gateway(&kind, &value) {
                Some(i) => intervals.push(i),
                None => invalid += 1,
            }
        }
        let counted = count(&intervals);
        let (locations, asns, categories) = if upper.as_deref() == Some("DYNAMIC_V2") {
            (
                included_len(&z, "locations")?,
                included_len(&z, "asns")?,
                included_len(&z, "ipServiceCategories")?,
            )
        } else {
            (z.array("locations")?.len(), z.array("asns")?.len(), 0)
        };
        b.push(vec![
            ("id", z.str("id")?.into()),
            ("name", z.str("name")?.into()),
            ("type", ztype.into()),
            ("status", z.str("status")?.into()),
            ("usage", z.str("usage")?.into()),
            ("system", z.bool("system")?.unwrap_or(false).into()),
            ("gateway_count", gateways.len().into()),
            ("proxy_count", z.array("proxies")?.len().into()),
            ("invalid_gateway_count", invalid.into()),
            ("ipv4_addresses", counted.ipv4.into()),
            ("ipv6_addresses", counted.ipv6.into()),
            ("contains_all_ipv4", counted.all_ipv4.into()),
            ("contains_all_ipv6", counted.all_ipv6.into()),
            ("is_dynamic", is_dynamic.into()),
            ("location_count", locations.into()),
            ("asn_count", asns.into()),
            ("ip_service_category_count", categories.into()),
        ])?;
    }
    b.finish()
}

/// Length of `field.include` (DYNAMIC_V2 shape); tolerates a bare array too.
fn included_len(z: &Obj<'_>, field: &str) -> Result<usize, ModelError> {
    match z.raw(field) {
        None => Ok(0),
        Some(Value::Array(a)) => Ok(a.len()),
        Some(_) => match z.obj(field)? {
            Some(inner) => Ok(inner.array("include")?.len()),
            None => Ok(0),
        },
    }
}
