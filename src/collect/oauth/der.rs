//! The little DER the key loader needs: the PKCS#1 key inside a PKCS#8 `PrivateKeyInfo`, and a
//! PKCS#1 `RSAPrivateKey` assembled from a JWK's components (what jsonwebtoken signs RS256 with).

/// One TLV: (tag, content, what follows).
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(n)?;
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

/// The `privateKey` OCTET STRING of a PKCS#8 `PrivateKeyInfo` (for RSA: the PKCS#1 key).
pub(super) fn pkcs8_private_key(der: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = read_tlv(der)? else {
        return None;
    };
    let (0x02, _version, rest) = read_tlv(info)? else {
        return None;
    };
    let (0x30, _algorithm, rest) = read_tlv(rest)? else {
        return None;
    };
    let (0x04, key, _) = read_tlv(rest)? else {
        return None;
    };
    Some(key)
}

fn push_tlv(tag: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
}

/// A DER INTEGER of the unsigned big-endian `value`.
fn push_unsigned(value: &[u8], out: &mut Vec<u8>) {
    let trimmed: &[u8] = match value.iter().position(|b| *b != 0) {
        Some(i) => &value[i..],
        None => &[],
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    push_tlv(0x02, &content, out);
}

/// `RSAPrivateKey ::= SEQUENCE { version 0, n, e, d, p, q, dp, dq, qi }` (RFC 8017 A.1.2).
pub(super) fn rsa_private_key(components: [&[u8]; 8]) -> Vec<u8> {
    let mut body = Vec::new();
    push_unsigned(&[0], &mut body);
    for c in components {
        push_unsigned(c, &mut body);
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    push_tlv(0x30, &body, &mut out);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_positive() {
        let mut out = Vec::new();
        push_unsigned(&[0, 0, 0x7f], &mut out);
        push_unsigned(&[0x80], &mut out);
        push_unsigned(&[], &mut out);
        assert_eq!(out, [2, 1, 0x7f, 2, 2, 0, 0x80, 2, 1, 0]);
    }

    #[test]
    fn long_lengths_use_the_long_form_and_read_back() {
        let big = vec![0x55u8; 300];
        let der = rsa_private_key([&big, &[1, 0, 1], &big, &big, &big, &big, &big, &big]);
        assert_eq!(&der[..4], &[0x30, 0x82, 0x08, 0x58]);
        let (tag, content, rest) = read_tlv(&der).unwrap();
        assert_eq!((tag, content.len(), rest.len()), (0x30, der.len() - 4, 0));
    }

    #[test]
    fn pkcs8_wrapper_yields_its_octet_string() {
        // SEQUENCE { INTEGER 0, SEQUENCE { NULL }, OCTET STRING 01 02 }
        let der = [
            0x30, 0x0b, 0x02, 0x01, 0x00, 0x30, 0x02, 0x05, 0x00, 0x04, 0x02, 0x01, 0x02,
        ];
        assert_eq!(pkcs8_private_key(&der), Some(&[1u8, 2][..]));
        assert_eq!(pkcs8_private_key(&der[..8]), None);
        assert_eq!(pkcs8_private_key(&[0x04, 0x00]), None);
    }
}
