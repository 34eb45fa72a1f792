//! Cursor pagination as Okta does it: `limit` + an opaque `after` cursor, `Link` `self` always and
//! `next` only while more remains. The cursor is base64url of `offset:N`; clients must treat it as
//! opaque, and the mock rejects cursors it did not make (400 E0000001).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::mock::reply::Reply;
use crate::mock::routes::Ctx;

/// An endpoint's `limit` rules: the default page size (`None` = everything) and the maximum.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageSpec {
    /// Page size when the request gives no `limit`; `None` means the whole list (zones' `-1`).
    pub(crate) default: Option<usize>,
    /// Largest `limit` honoured; bigger ones are clamped.
    pub(crate) max: Option<usize>,
}

/// One page of a list, with the URLs of this page and of the next one.
#[derive(Debug)]
pub(crate) struct Page {
    /// The items of this page.
    pub(crate) items: Vec<Value>,
    /// The URL the client asked for.
    pub(crate) self_url: String,
    /// The URL of the next page, when more remains (or always, under a repeat-next fault).
    pub(crate) next_url: Option<String>,
}

impl Page {
    /// A bare-array reply with `Link` headers.
    pub(crate) fn into_reply(self) -> Reply {
        let mut reply = Reply::ok(Value::Array(self.items));
        reply.links.push(("self", self.self_url));
        if let Some(next) = self.next_url {
            reply.links.push(("next", next));
        }
        reply
    }
}

/// Cuts `items` to the page the request asks for.
pub(crate) fn paginate(ctx: &Ctx<'_>, items: Vec<Value>, spec: PageSpec) -> Result<Page, Reply> {
    let offset = match ctx.param("after") {
        None | Some("") => 0,
        Some(cursor) => decode_cursor(cursor)
            .ok_or_else(|| Reply::invalid_param("after", "not a cursor this server issued"))?,
    };
    let size = match ctx.state.page_size {
        Some(forced) => Some(forced.max(1)),
        None => match ctx.param("limit") {
            None | Some("") => spec.default,
            Some(text) => {
                let limit: i64 = text
                    .parse()
                    .map_err(|_| Reply::invalid_param("limit", "must be a whole number"))?;
                match usize::try_from(limit) {
                    Ok(n) if n > 0 => Some(spec.max.map_or(n, |max| n.min(max))),
                    _ if spec.default.is_none() => None,
                    _ => spec.default,
                }
            }
        },
    };
    let total = items.len();
    let start = offset.min(total);
    let end = size.map_or(total, |n| start.saturating_add(n).min(total));
    let page: Vec<Value> = items.into_iter().skip(start).take(end - start).collect();
    let self_url = ctx.self_url();
    let next_url = if ctx.repeat_next {
        Some(self_url.clone())
    } else if end < total {
        size.map(|n| next_link(ctx, n, end))
    } else {
        None
    };
    Ok(Page {
        items: page,
        self_url,
        next_url,
    })
}

fn next_link(ctx: &Ctx<'_>, limit: usize, offset: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in ctx
        .query
        .iter()
        .filter(|(k, _)| k != "after" && k != "limit")
    {
        query.append_pair(k, v);
    }
    query.append_pair("limit", &limit.to_string());
    query.append_pair("after", &encode_cursor(offset));
    format!("{}?{}", ctx.url(ctx.path), query.finish())
}

/// The opaque cursor for a list position.
pub(crate) fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// The list position of a cursor made by [`encode_cursor`].
pub(crate) fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("00u1a2b3c4d5e6f7g8h9"), None);
        assert_eq!(decode_cursor("!!"), None);
    }
}
