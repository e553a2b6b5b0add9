//! The `Host` check: which authority a request may name.
//!
//! A web page the user visits can make its own name resolve to `127.0.0.1`
//! (DNS rebinding) and read the endpoint through the user's browser, which
//! then sends the page's name as `Host`. So a request must carry exactly one
//! `Host` (RFC 9112, 3.2; HTTP/1.0 may omit it), and it must name this
//! machine, read strictly: `localhost` (any case) or a loopback address
//! (`127.0.0.0/8`, `[::1]`), or, when a non-loopback bind was opted in to,
//! the address the client connected to; then an optional port of digits,
//! 1 to 65535; nothing else. No user information (`@`), no path, no zone,
//! no percent-encoding, no trailing text. A value that is not such an
//! authority is malformed (`400`); a well-formed name or address of another
//! host is misdirected (`421`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a request's `Host` headers say.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// It names this machine (or HTTP/1.0 named nothing).
    Served,
    /// Not one well-formed authority; the reason, for the `400`.
    Malformed(&'static str),
    /// A well-formed authority of another host.
    Elsewhere,
}

/// Judges the values of every `Host` header of a request of HTTP version
/// 1.`minor`. `reached` is the address the client connected to, when a
/// non-loopback bind was opted in to (else loopback hosts only).
pub(super) fn judge(values: &[&[u8]], minor: u8, reached: Option<IpAddr>) -> Verdict {
    match values {
        [] if minor == 0 => Verdict::Served,
        [] => Verdict::Malformed("an HTTP/1.1 request needs a Host header\n"),
        [value] => judge_one(value, reached),
        _ => Verdict::Malformed("more than one Host header\n"),
    }
}

const MALFORMED: &str = "the Host header is not a host and an optional port\n";

/// Judges one `Host` value.
fn judge_one(value: &[u8], reached: Option<IpAddr>) -> Verdict {
    let Ok(value) = std::str::from_utf8(value) else { return Verdict::Malformed(MALFORMED) };
    // Whitespace around a field value is not part of it (RFC 9110, 5.5).
    let value = value.trim_matches([' ', '\t']);
    let (host, port) = match value.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((inside, after)) => (Host::Ip(inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6)), after),
            None => (Host::Ip(None), ""),
        },
        None => {
            let (name, port) = value.find(':').map_or((value, ""), |colon| value.split_at(colon));
            (Host::Name(name), port)
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse::<u16>().is_ok_and(|port| port != 0)
        });
    if !port_ok {
        return Verdict::Malformed(MALFORMED);
    }
    let ip = match host {
        // An IPv6 literal (no zone, no IPvFuture), else malformed.
        Host::Ip(Some(ip)) => ip,
        Host::Ip(None) => return Verdict::Malformed(MALFORMED),
        Host::Name(name) if name.eq_ignore_ascii_case("localhost") => return Verdict::Served,
        // Only RFC 3986's unreserved characters: no `@`, `%`, `,`, space…
        Host::Name(name)
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) =>
        {
            return Verdict::Malformed(MALFORMED)
        }
        // Four decimal octets without leading zeros (std's strict parser:
        // `127.1`, `0x7f.0.0.1` or `0127.0.0.1` are names, of another host).
        Host::Name(name) => match name.parse::<Ipv4Addr>() {
            Ok(ip) => IpAddr::V4(ip),
            Err(_) => return Verdict::Elsewhere,
        },
    };
    if ip.is_loopback() || reached.is_some_and(|reached| reached.to_canonical() == ip.to_canonical()) {
        Verdict::Served
    } else {
        Verdict::Elsewhere
    }
}

/// The host part of a `Host` value, before its port.
enum Host<'a> {
    /// Inside brackets: an IPv6 address, if it parsed as one.
    Ip(Option<IpAddr>),
    /// A registered name or an IPv4 address.
    Name(&'a str),
}

#[cfg(test)]
mod tests {
    use super::{judge, Verdict};
    use proptest::prelude::*;

    fn one(value: &str) -> Verdict {
        judge(&[value.as_bytes()], 1, None)
    }

    /// Authorities that are served: loopback names and addresses, with or
    /// without a port.
    fn served() -> impl Strategy<Value = String> {
        let host = prop_oneof![
            "[lL][oO][cC][aA][lL][hH][oO][sS][tT]",
            (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| format!("127.{a}.{b}.{c}")),
            Just("[::1]".to_owned()),
            Just("[0:0:0:0:0:0:0:1]".to_owned()),
        ];
        let port = prop_oneof![Just(String::new()), (1..=u16::MAX).prop_map(|p| format!(":{p}"))];
        (host, port).prop_map(|(host, port)| host + &port)
    }

    proptest! {
        #[test]
        fn loopback_authorities_are_served(authority in served()) {
            prop_assert_eq!(one(&authority), Verdict::Served);
        }

        /// Anything added in front of a served authority makes it another
        /// host's or malformed; anything added after it, too, unless it
        /// only writes or extends the port.
        #[test]
        fn nothing_can_be_added_to_a_served_authority(authority in served(), junk in "[^\\p{C} ]{1,12}|[@:/\\]\\[%.]{1,4}") {
            prop_assert_ne!(one(&format!("{junk}{authority}")), Verdict::Served, "{}{}", junk, authority);
            let longer = format!("{authority}{junk}");
            if one(&longer) == Verdict::Served {
                let has_port = authority.rsplit_once(':').is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()));
                let digits = if has_port { junk.as_str() } else { junk.strip_prefix(':').unwrap_or("x") };
                prop_assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()), "{}", longer);
            }
        }

        /// Whatever the bytes, a verdict and no panic; a served value is
        /// ASCII with nothing but a host's and a port's characters.
        #[test]
        fn any_bytes_get_a_verdict(value in proptest::collection::vec(any::<u8>(), 0..40)) {
            if judge(&[&value], 1, None) == Verdict::Served {
                let text = String::from_utf8(value).unwrap();
                let text = text.trim_matches([' ', '\t']);
                prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"[]:.".contains(&b)), "{}", text);
            }
        }
    }

    #[test]
    fn exactly_one_host_except_in_http_1_0() {
        assert_eq!(judge(&[], 0, None), Verdict::Served);
        assert!(matches!(judge(&[], 1, None), Verdict::Malformed(_)));
        assert!(matches!(judge(&[b"localhost", b"localhost"], 1, None), Verdict::Malformed(_)));
        assert!(matches!(judge(&[b"localhost", b"localhost"], 0, None), Verdict::Malformed(_)));
    }

    #[test]
    fn an_opted_in_bind_also_serves_the_address_reached() {
        let lan = "192.168.1.5".parse().unwrap();
        assert_eq!(judge(&[b"192.168.1.5:8077"], 1, Some(lan)), Verdict::Served);
        assert_eq!(judge(&[b"192.168.1.5:8077"], 1, None), Verdict::Elsewhere);
        // An IPv4 client of an IPv6 socket reaches an IPv4-mapped address.
        let mapped = "::ffff:192.168.1.5".parse().unwrap();
        assert_eq!(judge(&[b"192.168.1.5"], 1, Some(mapped)), Verdict::Served);
        assert_eq!(judge(&[b"192.168.1.6"], 1, Some(lan)), Verdict::Elsewhere);
        assert_eq!(judge(&[b"myhost.lan"], 1, Some(lan)), Verdict::Elsewhere);
        assert_eq!(judge(&[b"localhost"], 1, Some(lan)), Verdict::Served);
    }
}
