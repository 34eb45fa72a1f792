//! Address arithmetic for network-zone gateways: CIDR blocks and ranges, IPv4 and IPv6.
//!
//! Each gateway becomes an inclusive interval of addresses; overlapping or adjacent intervals are
//! merged so that an address admitted twice is counted once. Counts are `f64` because `::/0` has
//! 2^128 addresses.

use std::net::IpAddr;

/// An inclusive address interval, IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// IPv4 addresses `start..=end`.
    V4(u32, u32),
    /// IPv6 addresses `start..=end`.
    V6(u128, u128),
}

/// Parses a gateway value of type `CIDR` (`10.0.0.0/8`, `2001:db8::/32`, or a bare address) or
/// `RANGE` (`10.0.0.1-10.0.0.9`, or a bare address). `None` when it cannot be parsed.
pub fn parse_gateway(kind: &str, value: &str) -> Option<Interval> {
    let value = value.trim();
    if kind.eq_ignore_ascii_case("RANGE") || (value.contains('-') && !value.contains('/')) {
        return parse_range(value);
    }
    parse_cidr(value)
}

fn parse_cidr(value: &str) -> Option<Interval> {
    let (addr, prefix) = match value.split_once('/') {
        Some((a, p)) => (a.trim(), Some(p.trim().parse::<u32>().ok()?)),
        None => (value, None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let prefix = prefix.unwrap_or(32);
            if prefix > 32 {
                return None;
            }
            let host_bits = 32 - prefix;
            let mask = u32::MAX.checked_shl(host_bits).unwrap_or(0);
            let start = u32::from(a) & mask;
            Some(Interval::V4(start, start | !mask))
        }
        IpAddr::V6(a) => {
            let prefix = prefix.unwrap_or(128);
            if prefix > 128 {
                return None;
            }
            let host_bits = 128 - prefix;
            let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
            let start = u128::from(a) & mask;
            Some(Interval::V6(start, start | !mask))
        }
    }
}

fn parse_range(value: &str) -> Option<Interval> {
    let (a, b) = match value.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (value, value),
    };
    match (a.parse::<IpAddr>().ok()?, b.parse::<IpAddr>().ok()?) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let (a, b) = (u32::from(a), u32::from(b));
            Some(Interval::V4(a.min(b), a.max(b)))
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let (a, b) = (u128::from(a), u128::from(b));
            Some(Interval::V6(a.min(b), a.max(b)))
        }
        _ => None,
    }
}

/// Totals over a set of intervals.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AddressCount {
    /// Distinct IPv4 addresses.
    pub ipv4: f64,
    /// Distinct IPv6 addresses.
    pub ipv6: f64,
    /// The intervals cover every IPv4 address.
    pub all_ipv4: bool,
    /// The intervals cover every IPv6 address.
    pub all_ipv6: bool,
}

/// Merges the intervals and counts distinct addresses per family.
pub fn count(intervals: &[Interval]) -> AddressCount {
    let mut v4: Vec<(u128, u128)> = Vec::new();
    let mut v6: Vec<(u128, u128)> = Vec::new();
    for i in intervals {
        match *i {
            Interval::V4(a, b) => v4.push((u128::from(a), u128::from(b))),
            Interval::V6(a, b) => v6.push((a, b)),
        }
    }
    let v4 = merge(v4);
    let v6 = merge(v6);
    AddressCount {
        ipv4: total(&v4),
        ipv6: total(&v6),
        all_ipv4: v4 == [(0, u128::from(u32::MAX))],
        all_ipv6: v6 == [(0, u128::MAX)],
    }
}

fn merge(mut v: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    v.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[allow(clippy::cast_precision_loss)]
fn total(v: &[(u128, u128)]) -> f64 {
    // (b - a) never overflows; the +1 is added in f64 so that ::/0 gives 2^128.
    v.iter().map(|&(a, b)| (b - a) as f64 + 1.0).sum()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn c(items: &[(&str, &str)]) -> AddressCount {
        let v: Vec<_> = items
            .iter()
            .map(|(k, v)| parse_gateway(k, v).unwrap())
            .collect();
        count(&v)
    }

    #[test]
    fn cidr_blocks_count_their_addresses() {
        assert_eq!(c(&[("CIDR", "10.0.0.0/8")]).ipv4, 16_777_216.0);
        assert_eq!(c(&[("CIDR", "192.168.1.7/24")]).ipv4, 256.0);
        assert_eq!(c(&[("CIDR", "1.2.3.4/32")]).ipv4, 1.0);
        assert_eq!(c(&[("CIDR", "1.2.3.4")]).ipv4, 1.0);
        assert_eq!(
            c(&[("CIDR", "10.0.0.0/16"), ("CIDR", "10.1.0.0/16")]).ipv4,
            131_072.0
        );
    }

    #[test]
    fn slash_zero_is_everything_in_both_families() {
        let all4 = c(&[("CIDR", "0.0.0.0/0")]);
        assert_eq!(all4.ipv4, 4_294_967_296.0);
        assert!(all4.all_ipv4 && !all4.all_ipv6);
        let all6 = c(&[("CIDR", "::/0")]);
        assert_eq!(all6.ipv6, 2f64.powi(128));
        assert!(all6.all_ipv6 && !all6.all_ipv4);
        assert_eq!(c(&[("CIDR", "2001:db8::/32")]).ipv6, 2f64.powi(96));
        assert_eq!(c(&[("CIDR", "2001:db8::1")]).ipv6, 1.0);
    }

    #[test]
    fn ranges_count_inclusively_and_a_full_range_is_everything() {
        assert_eq!(c(&[("RANGE", "10.0.0.1-10.0.0.10")]).ipv4, 10.0);
        assert_eq!(c(&[("RANGE", "10.0.0.5")]).ipv4, 1.0);
        let all = c(&[("RANGE", "0.0.0.0-255.255.255.255")]);
        assert!(all.all_ipv4);
        let split = c(&[
            ("RANGE", "0.0.0.0-127.255.255.255"),
            ("CIDR", "128.0.0.0/1"),
        ]);
        assert!(split.all_ipv4, "two halves cover everything");
        assert!(c(&[("RANGE", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]).all_ipv6);
    }

    #[test]
    fn overlaps_are_counted_once() {
        assert_eq!(
            c(&[("CIDR", "10.0.0.0/24"), ("CIDR", "10.0.0.0/25")]).ipv4,
            256.0
        );
        assert_eq!(
            c(&[
                ("RANGE", "10.0.0.1-10.0.0.10"),
                ("RANGE", "10.0.0.5-10.0.0.20")
            ])
            .ipv4,
            20.0
        );
    }

    #[test]
    fn garbage_does_not_parse() {
        assert_eq!(parse_gateway("CIDR", "10.0.0.0/33"), None);
        assert_eq!(parse_gateway("CIDR", "not an ip"), None);
        assert_eq!(parse_gateway("RANGE", "1.2.3.4-::1"), None);
        assert_eq!(parse_gateway("CIDR", "::/129"), None);
    }
}
