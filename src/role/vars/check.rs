//! The rules of each type of value (see `Kind`), one function each; the caller has already refused
//! the empty string (unless the spec allows it) and every control character.

use std::net::IpAddr;

use super::Kind;

/// What a value of `kind` looks like in YAML, for "expected ..., found ...".
pub(super) fn expected_shape(kind: Kind) -> &'static str {
    match kind {
        Kind::Integer => "a whole number",
        Kind::Duration => "seconds or a duration",
        Kind::Boolean => "true or false",
        _ => "a string",
    }
}

pub(super) fn boolean(value: &serde_json::Value) -> Result<(), String> {
    match value {
        serde_json::Value::Bool(_) => Ok(()),
        serde_json::Value::String(s) => Err(format!(
            "expected true or false, found the string `{}` (write true or false without quotes)",
            s.escape_debug()
        )),
        other => Err(format!("expected true or false, found `{other}`")),
    }
}

pub(super) fn abs_dir(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') || !path.ends_with('/') || path == "/" {
        return Err("must be an absolute directory ending with `/` (e.g. /var/spool/x/)");
    }
    if path.contains(['*', '?', '[', '\\']) {
        return Err("holds a glob character or a backslash");
    }
    path_segments(path)
}

pub(super) fn path(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') || path == "/" {
        return Err("must be an absolute path (e.g. /etc/bm/bm.ini)");
    }
    if path.contains('\\') {
        return Err("holds a backslash");
    }
    path_segments(path)
}

/// No whitespace (these paths are words of shell commands and of rsync's arguments), no `..` or
/// empty segment (a path that climbs out of where it says is no path the role means).
fn path_segments(path: &str) -> Result<(), &'static str> {
    if path.chars().any(char::is_whitespace) {
        return Err("holds whitespace");
    }
    let inner = &path[1..];
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    if inner.split('/').any(|segment| segment.is_empty() || segment == "..") {
        return Err("holds an empty or `..` segment");
    }
    Ok(())
}

pub(super) fn ip(text: &str) -> Result<(), String> {
    text.parse::<IpAddr>()
        .map(|_| ())
        .map_err(|_| format!("`{}` is not an IPv4 or IPv6 address", text.escape_debug()))
}

/// Postfix's `mynetworks` syntax for networks (postconf(5): "network/netmask", IPv6 addresses
/// possibly enclosed in `[]`, separated by whitespace or commas). Files (`/etc/...`) and
/// `type:table` lookups are not accepted: the role saves the value with `bm-cli`, which takes
/// networks (post/mynetworks.sh).
pub(super) fn cidrs(text: &str) -> Result<(), String> {
    let mut any = false;
    for token in text.split([' ', ',']).filter(|t| !t.is_empty()) {
        any = true;
        network(token).map_err(|why| format!("`{}` {why}", token.escape_debug()))?;
    }
    if any { Ok(()) } else { Err("holds no network".into()) }
}

fn network(token: &str) -> Result<(), &'static str> {
    let (address, prefix) = match token.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (token, None),
    };
    let address = address.strip_prefix('[').and_then(|a| a.strip_suffix(']')).unwrap_or(address);
    let ip: IpAddr = address.parse().map_err(|_| "is not an address or address/prefix")?;
    if let Some(prefix) = prefix {
        let bits: u8 = prefix.parse().map_err(|_| "has a prefix that is not a number of bits")?;
        let most = if ip.is_ipv4() { 32 } else { 128 };
        if bits > most {
            return Err("has a prefix longer than the address");
        }
    }
    Ok(())
}
