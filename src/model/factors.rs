//! `user_factors` and `user_mfa`: admins' enrolled factors and whether any resists phishing.
//!
//! Phishing-resistant (our decision, following checks.md: WebAuthn, Okta Verify FastPass, smart
//! card): factor types `webauthn` and `u2f` (FIDO, origin-bound), `signed_nonce` (Okta Verify
//! FastPass), and smart-card / PIV certificate factors — types `cert`, `x509`, `smart_card`, `piv`,
//! or a provider or vendor name naming PIV or a smart card. One-time codes (`token:*`, including
//! hardware OTP tokens such as YubiKey OTP), push, SMS, voice, email and security questions are not.
//! Only ACTIVE factors count in `user_mfa`.

use std::collections::BTreeSet;

use polars::prelude::DataFrame;

use super::frame::FrameBuilder;
use super::json::Loaded;
use super::users::UserIndex;
use super::{ModelError, table_def};

/// Factor types that resist phishing.
const RESISTANT_TYPES: &[&str] = &[
    "webauthn",
    "u2f",
    "signed_nonce",
    "cert",
    "x509",
    "smart_card",
    "smartcard",
    "piv",
];

/// Whether a factor resists phishing (see the module docs).
pub(crate) fn phishing_resistant(
    factor_type: Option<&str>,
    provider: Option<&str>,
    vendor_name: Option<&str>,
) -> bool {
    let ftype = factor_type.unwrap_or("").trim().to_ascii_lowercase();
    if RESISTANT_TYPES.contains(&ftype.as_str()) {
        return true;
    }
    [provider, vendor_name].into_iter().flatten().any(|n| {
        let n = n.to_ascii_lowercase();
        n.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "piv")
            || n.contains("smart card")
            || n.contains("smart_card")
            || n.contains("smartcard")
    })
}

/// Builds `user_factors` and `user_mfa`.
pub(crate) fn build(
    factors: &Loaded,
    users: &UserIndex,
) -> Result<(DataFrame, DataFrame), ModelError> {
    let mut fb = FrameBuilder::new(table_def("user_factors")?);
    let mut mb = FrameBuilder::new(table_def("user_mfa")?);
    for entry in factors.objects()? {
        let user_id = entry.str("user_id")?;
        let login = user_id
            .as_deref()
            .and_then(|u| users.get(u))
            .and_then(|u| u.login.clone());
        let list = entry.objects("factors")?;
        let (mut active, mut resistant) = (0usize, 0usize);
        let mut types = BTreeSet::new();
        for f in list.iter().map(|f| f.clone().with_id()) {
            let factor_type = f.str("factorType")?;
            let provider = f.str("provider")?;
            let vendor = f.str("vendorName")?;
            let status = f.str("status")?;
            let pr = phishing_resistant(
                factor_type.as_deref(),
                provider.as_deref(),
                vendor.as_deref(),
            );
            if status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("ACTIVE"))
            {
                active += 1;
                resistant += usize::from(pr);
                types.extend(factor_type.clone());
            }
            fb.push(vec![
                ("user_id", user_id.clone().into()),
                ("login", login.clone().into()),
                ("factor_id", f.str("id")?.into()),
                ("factor_type", factor_type.into()),
                ("provider", provider.into()),
                ("vendor_name", vendor.into()),
                ("status", status.into()),
                ("phishing_resistant", pr.into()),
                ("created", f.str("created")?.into()),
                ("last_updated", f.str("lastUpdated")?.into()),
            ])?;
        }
        mb.push(vec![
            ("user_id", user_id.into()),
            ("login", login.into()),
            ("factor_count", list.len().into()),
            ("active_factor_count", active.into()),
            ("phishing_resistant_count", resistant.into()),
            (
                "factor_types",
                types.into_iter().collect::<Vec<_>>().join(", ").into(),
            ),
        ])?;
    }
    Ok((fb.finish()?, mb.finish()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fido_fastpass_and_smart_cards_resist_phishing_otp_push_and_sms_do_not() {
        let pr = |t: &str, p: Option<&str>, v: Option<&str>| phishing_resistant(Some(t), p, v);
        assert!(pr("webauthn", Some("FIDO"), None));
        assert!(pr("u2f", Some("FIDO"), None));
        assert!(pr("signed_nonce", Some("OKTA"), None));
        assert!(pr("cert", None, None));
        assert!(pr("WebAuthn", None, None));
        assert!(pr("x509", Some("CUSTOM"), Some("Acme PIV card")));
        assert!(pr("unknown", None, Some("Smart Card IdP")));
        assert!(!pr("token:hardware", Some("YUBICO"), Some("YubiKey OTP")));
        assert!(!pr("push", Some("OKTA"), None));
        assert!(!pr("token:software:totp", Some("GOOGLE"), None));
        assert!(!pr("sms", Some("OKTA"), None));
        assert!(!pr("email", None, Some("Pivotal mail")));
        assert!(!phishing_resistant(None, None, None));
    }
}
