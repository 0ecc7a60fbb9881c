//! Where reminders and events reach people besides mail: chat channels (a group's
//! incoming-webhook robot on WeCom, DingTalk, Feishu/Lark, Microsoft Teams or Slack)
//! and signed webhooks (the Standard Webhooks specification) to other systems.
//!
//! The rules here are pure: the kinds of channel and their rate limits, the events a
//! subscription may ask for, and which targets cxpm may call (no server-side request
//! forgery: https only, never a loopback, private, link-local or metadata address,
//! unless the operator allows private targets).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::time::Duration;

use crate::program::named_enum;
use crate::validation::FieldError;

named_enum!(
    /// The chat platform of a channel: its message format, signing and rate limit.
    ChannelKind, "kind" {
        Wecom => "wecom",
        Dingtalk => "dingtalk",
        Feishu => "feishu",
        Teams => "teams",
        Slack => "slack",
    }
);

impl ChannelKind {
    /// The most messages the platform takes from one robot, and in how long, as each
    /// documents it: WeCom 20 a minute, DingTalk 20 a minute, Feishu 100 a minute (5 a
    /// second), Slack one a second; Teams Workflows do not publish one, and a
    /// workflow's connector throttles beyond a few a second, so one a second.
    pub fn rate(self) -> (u32, Duration) {
        match self {
            ChannelKind::Wecom | ChannelKind::Dingtalk => (20, Duration::from_secs(60)),
            ChannelKind::Feishu => (5, Duration::from_secs(1)),
            ChannelKind::Teams | ChannelKind::Slack => (1, Duration::from_secs(1)),
        }
    }

    /// Whether the platform signs with a secret of the robot's (DingTalk's and
    /// Feishu's "signature verification"); the others trust the URL alone.
    pub fn signs(self) -> bool {
        matches!(self, ChannelKind::Dingtalk | ChannelKind::Feishu)
    }
}

named_enum!(
    /// What happened in a program that a webhook subscription may ask to hear of.
    WebhookEvent, "events" {
        ActionCreated => "action.created",
        ActionUpdated => "action.updated",
        ActionOverdue => "action.overdue",
        StepCompleted => "step.completed",
        PlanCycleStarted => "plan.cycle_started",
        MeasurementRecorded => "measurement.recorded",
        ReadingRecorded => "reading.recorded",
        SnapshotSaved => "snapshot.saved",
    }
);

named_enum!(
    /// Whether a channel or subscription is delivered to.
    ///
    /// `active`: delivered to. `broken`: the platform refused the key, the URL or the
    /// signature, and nothing goes out until someone fixes the channel (any change
    /// makes it active again). `disabled`: a webhook failing for a day, or turned off
    /// by hand.
    HookState, "state" { Active => "active", Broken => "broken", Disabled => "disabled" }
);

/// The events named in `raw`, each once, in the order given; at least one.
pub fn parse_events(raw: &[String]) -> Result<Vec<WebhookEvent>, FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new("events", "name at least one event"));
    }
    let mut events = Vec::with_capacity(raw.len());
    for (i, name) in raw.iter().enumerate() {
        let event = WebhookEvent::from_str(name).map_err(|e| e.at(format!("events[{i}]")))?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    Ok(events)
}

/// Why cxpm will not call a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not a URL, or not one cxpm can call.
    Malformed(String),
    /// `http:` (or another scheme) where https is required.
    NotHttps,
    /// The host is, or resolves to, an address inside the operator's network.
    Private(IpAddr),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Malformed(why) => write!(f, "{why}"),
            Refused::NotHttps => write!(f, "must be an https:// address"),
            Refused::Private(ip) => write!(
                f,
                "{ip} is a loopback, private, link-local or metadata address, which cxpm does not call"
            ),
        }
    }
}

/// A target's parts cxpm checks: its host (an IP literal or a name to resolve) and
/// port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// The host as an address, when the URL gives one (no resolution then).
    pub literal: Option<IpAddr>,
}

/// Checks `url` before it is stored or called: an absolute `https://` URL (or
/// `http://` when `allow_private`), no user or password in it, and a host that is not
/// a private address when it is one. A host name is checked when it is resolved,
/// which the caller does at delivery time ([`allowed_address`]).
pub fn check_url(url: &str, allow_private: bool) -> Result<Target, Refused> {
    if url.chars().count() > crate::limits::URL {
        return Err(Refused::Malformed(format!(
            "longer than {} characters",
            crate::limits::URL
        )));
    }
    let url = url.trim();
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| Refused::Malformed("not an absolute URL (https://…)".to_owned()))?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" if allow_private => 80,
        _ => return Err(Refused::NotHttps),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(Refused::Malformed(
            "a user or password in the URL is not allowed".to_owned(),
        ));
    }
    let (host, port) = split_host_port(authority)?;
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| Refused::Malformed(format!("`{p}` is not a port")))?,
        None => default_port,
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
    {
        return Err(Refused::Malformed(format!("`{host}` is not a host name")));
    }
    let literal = host.parse::<IpAddr>().ok();
    if let Some(ip) = literal {
        allowed_address(ip, allow_private)?;
    }
    Ok(Target {
        host: host.to_ascii_lowercase(),
        port,
        literal,
    })
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), Refused> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| Refused::Malformed("an unclosed [IPv6 address]".to_owned()))?;
        return Ok((host, after.strip_prefix(':')));
    }
    Ok(match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// Whether cxpm may connect to `ip`: never to loopback, private (RFC 1918, unique
/// local), link-local (where cloud metadata services answer), carrier-grade NAT,
/// unspecified, broadcast, multicast or documentation addresses — unless
/// `allow_private`.
pub fn allowed_address(ip: IpAddr, allow_private: bool) -> Result<(), Refused> {
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(Refused::Private(ip))
    }
}

/// Whether `ip` is an address of the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Carrier-grade NAT (100.64.0.0/10) and the IETF's protocol block.
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking (198.18.0.0/15) and reserved (240.0.0.0/4).
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local (fc00::/7) and link-local (fe80::/10).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation (2001:db8::/32).
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // NAT64 of a private address is still private; the well-known prefix
        // 64:ff9b::/96 carries an IPv4 address in its last 32 bits.
        || (first == 0x0064 && ip.segments()[1] == 0xff9b && {
            let s = ip.segments();
            !is_public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8))
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_to_public_hosts_unless_allowed() {
        assert!(
            check_url(
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                false
            )
            .is_ok()
        );
        assert_eq!(
            check_url("http://example.com/hook", false),
            Err(Refused::NotHttps)
        );
        assert!(check_url("http://127.0.0.1:8080/hook", true).is_ok());
        for private in [
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://192.168.0.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[fd00::1]:8443/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
        ] {
            assert!(
                matches!(check_url(private, false), Err(Refused::Private(_))),
                "{private}"
            );
        }
        assert!(matches!(
            check_url("https://user:pw@example.com/", false),
            Err(Refused::Malformed(_))
        ));
        assert!(matches!(
            check_url("example.com/hook", false),
            Err(Refused::Malformed(_))
        ));
        let t = check_url("https://Hooks.Slack.com:8443/services/x", false).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.literal),
            ("hooks.slack.com", 8443, None)
        );
    }

    #[test]
    fn public_addresses_are_public() {
        assert!(is_public("8.8.8.8".parse().unwrap()));
        assert!(is_public("2606:4700::1111".parse().unwrap()));
        assert!(!is_public("172.16.5.4".parse().unwrap()));
        assert!(!is_public("fe80::1".parse().unwrap()));
    }

    #[test]
    fn events_are_named_once_and_known() {
        let ok = parse_events(&[
            "action.created".into(),
            "snapshot.saved".into(),
            "action.created".into(),
        ])
        .unwrap();
        assert_eq!(
            ok,
            [WebhookEvent::ActionCreated, WebhookEvent::SnapshotSaved]
        );
        assert_eq!(parse_events(&[]).unwrap_err().field, "events");
        assert_eq!(
            parse_events(&["action.created".into(), "nope".into()])
                .unwrap_err()
                .field,
            "events[1]"
        );
    }
}
