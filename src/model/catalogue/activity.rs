//! Catalogue entries of the System Log (events, per-token and per-admin activity), admins'
//! factors, and the identity running the scan.

use super::{ColType, ColumnDef, TableDef};

/// The activity, factor and caller tables (built by `model/logs.rs`, `factors.rs`, `caller.rs`).
pub(super) static TABLES: &[TableDef] = &[
    TableDef {
        name: "log_window",
        description: "the System Log window collected (one row)",
        sources: &["system_log"],
        columns: cols![
            "since": Str = "start of the window (RFC 3339; null when not recorded)",
            "until": Str = "end of the window (RFC 3339; null when not recorded)",
            "window_days": Int = "whole days from since to until",
            "event_count": Int = "events in the window",
        ],
    },
    TableDef {
        name: "log_events",
        description: "one row per System Log event in the window (not after as_of); app_id is \
                      enriched from service_apps",
        sources: &["system_log"],
        columns: cols![
            "uuid": Str = "event id",
            "published": Str = "published (RFC 3339)",
            "days_ago": Int = "whole days from published to as_of",
            "event_type": Str = "eventType, e.g. system.api_token.create",
            "severity": Str = "DEBUG | INFO | WARN | ERROR",
            "display_message": Str = "displayMessage",
            "outcome": Str = "outcome.result (SUCCESS, FAILURE, DENY, …)",
            "outcome_reason": Str = "outcome.reason",
            "actor_id": Str = "actor.id (a user, or a client id for PublicClientApp)",
            "actor_type": Str = "actor.type (User, PublicClientApp, SystemPrincipal, …)",
            "actor_login": Str = "actor.alternateId",
            "actor_name": Str = "actor.displayName",
            "client_ip": Str = "client.ipAddress",
            "token_id": Str = "transaction.detail.requestApiTokenId: the API token that made the request",
            "client_id": Str = "the OAuth client concerned: actor.id of a client actor, else \
                                debugData clientId / client_id",
            "app_id": Str = "the service app concerned (by client id or a target's id; from service_apps)",
            "target_id": Str = "id of the first target",
            "target_type": Str = "type of the first target",
            "target_alternate_id": Str = "alternateId of the first target",
            "target_name": Str = "displayName of the first target",
            "target_count": Int = "targets of the event",
            "privilege": Str = "debugData privilegeGranted or privilegeRevoked (role display names)",
            "grant_type": Str = "debugData grantType",
            "granted_scopes": Str = "debugData grantedScopes",
            "network_connection": Str = "debugData networkConnection / network_connection (API token events)",
            "request_uri": Str = "debugData requestUri",
            "transaction_id": Str = "transaction.id",
        ],
    },
    TableDef {
        name: "log_event_targets",
        description: "one row per target of an event in log_events",
        sources: &["system_log"],
        columns: cols![
            "uuid": Str = "event id",
            "event_type": Str = "eventType",
            "published": Str = "published (RFC 3339)",
            "target_id": Str = "target id",
            "target_type": Str = "target type as logged",
            "alternate_id": Str = "target alternateId",
            "display_name": Str = "target displayName",
            "object_kind": Str = "user | group | app | token | custom_role | resource_set | other \
                                  (from the type, else the id prefix)",
        ],
    },
    TableDef {
        name: "token_activity",
        description: "one row per API token seen in the window: events carrying its id \
                      (transaction.detail.requestApiTokenId) and out-of-range attempts; name and \
                      owner from api_tokens, else from the log",
        sources: &["system_log"],
        columns: cols![
            "token_id": Str = "token id (00T…)",
            "token_name": Str = "token name",
            "owner_id": Str = "owner user id",
            "owner_login": Str = "owner login",
            "events": Int = "events carrying the token's id",
            "source_ips": Int = "distinct client IP addresses of those events",
            "ip_addresses": Str = "those addresses, comma-joined, sorted",
            "first_seen": Str = "earliest such event (RFC 3339)",
            "last_seen": Str = "latest such event (RFC 3339)",
            "days_since_last_seen": Int = "whole days from last_seen to as_of",
            "outside_range_events": Int = "system.api_token.request_outside_allowed_range events for it",
            "outside_range_ips": Str = "their client IP addresses, comma-joined, sorted",
            "last_outside_range": Str = "the latest of them (RFC 3339)",
        ],
    },
    TableDef {
        name: "admin_activity",
        description: "one row per user who acted in the window (actor.type User)",
        sources: &["system_log"],
        columns: cols![
            "user_id": Str = "user id",
            "login": Str = "actor.alternateId",
            "events": Int = "events the user acted in",
            "admin_app_accesses": Int = "user.session.access_admin_app events",
            "last_admin_app_access": Str = "the latest of them (RFC 3339)",
            "days_since_admin_app_access": Int = "whole days from it to as_of",
            "last_event": Str = "latest event the user acted in (RFC 3339)",
            "days_since_last_event": Int = "whole days from it to as_of",
        ],
    },
    TableDef {
        name: "user_factors",
        description: "one row per enrolled factor of an admin; phishing_resistant = webauthn, u2f, \
                      signed_nonce (Okta Verify FastPass) or a smart card / PIV certificate factor",
        sources: &["user_factors"],
        columns: cols![
            "user_id": Str = "user id",
            "login": Str = "user login (from users)",
            "factor_id": Str = "factor id",
            "factor_type": Str = "factorType (webauthn, signed_nonce, push, sms, …)",
            "provider": Str = "provider (OKTA, FIDO, GOOGLE, YUBICO, …)",
            "vendor_name": Str = "vendorName",
            "status": Str = "ACTIVE, PENDING_ACTIVATION, …",
            "phishing_resistant": Bool = "the factor type resists phishing",
            "created": Str = "created (RFC 3339)",
            "last_updated": Str = "lastUpdated (RFC 3339)",
        ],
    },
    TableDef {
        name: "user_mfa",
        description: "one row per user whose factors were collected (admins), also with none",
        sources: &["user_factors"],
        columns: cols![
            "user_id": Str = "user id",
            "login": Str = "user login (from users)",
            "factor_count": Int = "factors listed",
            "active_factor_count": Int = "ACTIVE factors",
            "phishing_resistant_count": Int = "ACTIVE phishing-resistant factors",
            "factor_types": Str = "ACTIVE factor types, comma-joined, sorted, distinct",
        ],
    },
    TableDef {
        name: "caller",
        description: "the credential that ran the scan (one row): an API token's owner or an OAuth \
                      service app",
        sources: &["caller"],
        columns: cols![
            "auth_method": Str = "api_token | oauth2",
            "principal_type": Str = "USER | CLIENT",
            "principal_id": Str = "user id (API token) or app id (else client id)",
            "principal_name": Str = "user login or app label",
            "roles": Str = "role types held (not INACTIVE), comma-joined, sorted, distinct",
            "role_count": Int = "role assignments held (not INACTIVE)",
            "highest_role": Str = "the most powerful of them",
            "is_super_admin": Bool = "holds SUPER_ADMIN",
            "scopes": Str = "OAuth scopes granted (token response and ACTIVE grants), comma-joined",
            "manage_scopes": Str = "the *.manage ones",
            "has_manage_scopes": Bool = "any *.manage scope",
            "is_read_only": Bool = "only read-only roles (READ_ONLY_ADMIN, REPORT_ADMIN, custom roles \
                                    with read permissions only) and no *.manage scope",
        ],
    },
];
