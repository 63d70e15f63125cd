//! The client address that sign-in throttling counts by: the TCP peer, or, when the peer is
//! a trusted reverse proxy, the rightmost address of `X-Forwarded-For` that is not one of
//! the trusted proxies. IPv6 addresses count by their /64 (one host usually holds a whole
//! /64, so counting single addresses would let it rotate past any limit).

use std::net::IpAddr;

use ipnet::IpNet;

/// The key under which one client's sign-in failures are counted.
pub fn client_key(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> String {
    match client_ip(peer, forwarded_for, trusted) {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V4(v4)) => v4.to_string(),
        None => "unknown".to_string(),
    }
}

/// The client's own address, whole (an IPv6 address too): what a user's list of sessions
/// shows. Empty when there is none (a test request).
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> String {
    client_ip(peer, forwarded_for, trusted).map(|ip| ip.to_string()).unwrap_or_default()
}

/// The client's address: the peer, or behind trusted proxies the hop they saw.
fn client_ip(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if let (Some(p), Some(header)) = (peer, forwarded_for)
        && is_trusted(&p)
    {
        // Walk from the right: each hop we trust appended the one before it.
        let hops: Vec<Option<IpAddr>> = header.split(',').map(|h| parse_hop(h.trim())).collect();
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if is_trusted(ip) => continue,
                Some(ip) => {
                    client = Some(*ip);
                    break;
                }
                // A hop that is no address: nothing further left can be believed.
                None => break,
            }
        }
    }
    client.map(canonical)
}

/// Every `X-Forwarded-For` line of the request, in order, as one list (RFC 9110 5.3: a
/// proxy may append a line of its own rather than extend the last one, so the first line
/// alone may be the client's own words). A line that is not text stands as a hop that is
/// no address, past which nothing is believed.
pub fn forwarded_for(req: &actix_web::HttpRequest) -> Option<String> {
    let lines: Vec<&str> =
        req.headers().get_all("X-Forwarded-For").map(|v| v.to_str().unwrap_or("not-an-address")).collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

/// An IPv4 address mapped into IPv6 counts as that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn the_peer_unless_it_is_a_trusted_proxy() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_key(Some(peer), Some("198.51.100.1"), &[]), "203.0.113.9");
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_key(Some(proxy), Some("198.51.100.1"), &trusted), "198.51.100.1");
        // A client cannot pick its address by sending the header itself: the rightmost
        // untrusted hop is the one the proxy saw.
        assert_eq!(client_key(Some(proxy), Some("1.1.1.1, 198.51.100.1, 10.0.0.5"), &trusted), "198.51.100.1");
        assert_eq!(client_key(Some(proxy), Some("garbage"), &trusted), "10.0.0.2");
        assert_eq!(client_key(Some(proxy), None, &trusted), "10.0.0.2");
    }

    #[test]
    fn every_forwarded_for_line_counts_in_order() {
        // The client's own line first, the proxy's appended line after it.
        let req = actix_web::test::TestRequest::default()
            .append_header(("X-Forwarded-For", "203.0.113.66"))
            .append_header(("X-Forwarded-For", "198.51.100.1"))
            .to_http_request();
        assert_eq!(forwarded_for(&req).as_deref(), Some("203.0.113.66,198.51.100.1"));
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_key(Some(proxy), forwarded_for(&req).as_deref(), &trusted), "198.51.100.1");
        let none = actix_web::test::TestRequest::default().to_http_request();
        assert_eq!(forwarded_for(&none), None);
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(client_key(Some(a), None, &[]), client_key(Some(b), None, &[]));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(Some(mapped), None, &[]), "192.0.2.7");
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_ne!(client_key(Some(a), None, &[]), client_key(Some(c), None, &[]));
        // A list of sessions shows the whole address.
        assert_eq!(client_address(Some(a), None, &[]), "2001:db8:1:2:aaaa::1");
        assert_eq!(client_address(Some(mapped), None, &[]), "192.0.2.7");
        assert_eq!(client_address(None, None, &[]), "");
    }
}
