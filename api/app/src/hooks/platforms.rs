//! Each chat platform's own message format, signing and answers, as it documents
//! them:
//!
//! - WeCom (企业微信) group robot: `{"msgtype":"markdown"}`, no signing (the key is
//!   in the URL); answers `{"errcode":0}`, 45009 when over 20 messages a minute.
//! - DingTalk (钉钉) custom robot: `{"msgtype":"markdown"}`; with "加签", the URL
//!   carries `timestamp` (ms) and `sign` = Base64(HMAC-SHA256(key = secret,
//!   message = "timestamp\nsecret")), URL-encoded; 130101 "send too fast".
//! - Feishu/Lark (飞书) custom bot: `{"msg_type":"post"}`; with signature
//!   verification, the body carries `timestamp` (s) and `sign` = Base64(HMAC-SHA256(
//!   key = "timestamp\nsecret", message = "")); answers `{"code":0}`, 9499/11232
//!   when rate limited.
//! - Microsoft Teams Workflows ("post to a channel when a webhook request is
//!   received"): a message with one Adaptive Card attachment; 2xx when accepted.
//! - Slack incoming webhook: `text` with Block Kit `blocks`; `ok`, 429 with
//!   `Retry-After`, and 4xx words such as `invalid_token` or `no_service`.
//!
//! The words are a front's ([`RenderChat`]); this module only shapes them.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cxpm_domain::hooks::ChannelKind;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::super::reminders::Letter;
use crate::AppResult;

/// A digest in a channel's words, before any platform's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatText {
    /// What it is about, and the program: the message's heading.
    pub title: String,
    pub lines: Vec<ChatLine>,
    /// "…and 12 more", when the list is cut.
    pub more: Option<String>,
    /// Where the whole list is (a page of the web app).
    pub rest_link: String,
    /// The words of the button or link to it.
    pub open: String,
    /// When the schedule fires, in words.
    pub footer: String,
}

/// One item of a chat digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    pub title: String,
    pub link: String,
    /// Where it belongs and how it stands.
    pub detail: String,
}

/// Writes a channel's letter in its language: a front's (the words live there).
pub trait RenderChat {
    fn render_chat(&self, letter: &Letter) -> AppResult<ChatText>;
}

/// WeCom takes at most 4096 bytes of markdown; DingTalk and Feishu more, but a chat
/// message is for reading: every platform gets at most this many bytes of lines.
const MAX_TEXT: usize = 3800;

/// The lines as markdown list items, as many as fit in [`MAX_TEXT`] bytes (the rest
/// counted in the "more" line the caller adds).
fn markdown_lines(chat: &ChatText, line: impl Fn(&ChatLine) -> String) -> (String, bool) {
    let mut out = String::new();
    for l in &chat.lines {
        let next = line(l);
        if out.len() + next.len() + 1 > MAX_TEXT {
            return (out, true);
        }
        out.push_str(&next);
        out.push('\n');
    }
    (out, false)
}

/// Markdown link text: brackets would end it early.
fn link_text(s: &str) -> String {
    s.replace(['[', ']'], " ")
}

/// Slack's mrkdwn escapes `&`, `<` and `>`.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The JSON body `kind` takes for `chat`, unsigned.
pub fn body(kind: ChannelKind, locale: &str, chat: &ChatText) -> Value {
    let more = |cut: bool| match (&chat.more, cut) {
        (Some(more), _) => more.clone(),
        (None, true) => chat.open.clone(),
        (None, false) => chat.open.clone(),
    };
    match kind {
        ChannelKind::Wecom | ChannelKind::Dingtalk => {
            let (lines, cut) = markdown_lines(chat, |l| {
                format!("- [{}]({}) — {}", link_text(&l.title), l.link, l.detail)
            });
            let text = format!(
                "### {}\n{}\n[{}]({})\n\n> {}",
                chat.title,
                lines,
                link_text(&more(cut)),
                chat.rest_link,
                chat.footer
            );
            if kind == ChannelKind::Wecom {
                json!({"msgtype": "markdown", "markdown": {"content": text}})
            } else {
                json!({"msgtype": "markdown", "markdown": {"title": chat.title, "text": text}})
            }
        }
        ChannelKind::Feishu => {
            let mut used = 0;
            let mut content: Vec<Value> = Vec::new();
            for l in &chat.lines {
                used += l.title.len() + l.detail.len() + l.link.len();
                if used > MAX_TEXT {
                    break;
                }
                content.push(json!([
                    {"tag": "a", "text": l.title, "href": l.link},
                    {"tag": "text", "text": format!(" — {}", l.detail)},
                ]));
            }
            content.push(json!([{"tag": "a", "text": more(false), "href": chat.rest_link}]));
            content.push(json!([{"tag": "text", "text": chat.footer}]));
            let lang = if locale == "zh-CN" { "zh_cn" } else { "en_us" };
            json!({"msg_type": "post", "content": {"post": {lang: {
                "title": chat.title, "content": content}}}})
        }
        ChannelKind::Teams => {
            let (lines, cut) = markdown_lines(chat, |l| {
                format!("- [{}]({}) — {}", link_text(&l.title), l.link, l.detail)
            });
            let card = json!({
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": chat.title, "weight": "Bolder",
                     "size": "Medium", "wrap": true},
                    {"type": "TextBlock", "text": lines, "wrap": true},
                    {"type": "TextBlock", "text": chat.footer, "isSubtle": true,
                     "size": "Small", "wrap": true},
                ],
                "actions": [{"type": "Action.OpenUrl", "title": more(cut), "url": chat.rest_link}],
            });
            json!({"type": "message", "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": card,
            }]})
        }
        ChannelKind::Slack => {
            // A section holds at most 3000 characters: lines go in as many as needed.
            let mut sections: Vec<Value> = Vec::new();
            let mut current = String::new();
            let mut used = 0;
            for l in &chat.lines {
                let line = format!(
                    "• <{}|{}> — {}\n",
                    l.link,
                    slack_escape(&l.title),
                    slack_escape(&l.detail)
                );
                used += line.len();
                if used > MAX_TEXT {
                    break;
                }
                if current.chars().count() + line.chars().count() > 2900 {
                    sections.push(
                        json!({"type": "section", "text": {"type": "mrkdwn", "text": current}}),
                    );
                    current = String::new();
                }
                current.push_str(&line);
            }
            if !current.is_empty() {
                sections
                    .push(json!({"type": "section", "text": {"type": "mrkdwn", "text": current}}));
            }
            let mut blocks = vec![json!({"type": "header", "text": {"type": "plain_text",
                "text": chat.title.chars().take(150).collect::<String>()}})];
            blocks.extend(sections);
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn",
                "text": format!("<{}|{}>", chat.rest_link, slack_escape(&more(false)))}}));
            blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn",
                "text": slack_escape(&chat.footer)}]}));
            json!({"text": chat.title, "blocks": blocks})
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk's signature of `timestamp_ms`: Base64(HMAC-SHA256 keyed by the secret
/// over "timestamp\nsecret").
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    hmac_base64(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    )
}

/// Feishu's signature of `timestamp_s`: Base64(HMAC-SHA256 keyed by
/// "timestamp\nsecret" over an empty message).
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    hmac_base64(format!("{timestamp_s}\n{secret}").as_bytes(), b"")
}

/// The URL and body to send a channel's message with, signed at `now_ms` when the
/// platform signs and the channel has a secret.
pub fn signed(
    kind: ChannelKind,
    url: &str,
    secret: Option<&str>,
    body: &str,
    now_ms: i64,
) -> (String, String) {
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return (url.to_owned(), body.to_owned());
    };
    match kind {
        ChannelKind::Dingtalk => {
            let sign = dingtalk_sign(secret, now_ms)
                .replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D");
            let join = if url.contains('?') { '&' } else { '?' };
            (
                format!("{url}{join}timestamp={now_ms}&sign={sign}"),
                body.to_owned(),
            )
        }
        ChannelKind::Feishu => {
            let ts = now_ms / 1000;
            let mut value: Value = serde_json::from_str(body).unwrap_or_else(|_| json!({}));
            value["timestamp"] = json!(ts.to_string());
            value["sign"] = json!(feishu_sign(secret, ts));
            (url.to_owned(), value.to_string())
        }
        _ => (url.to_owned(), body.to_owned()),
    }
}

/// How a platform answered a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Delivered,
    /// Not now (rate limited, a server error, no answer): try again, after the
    /// platform's `Retry-After` when it said one.
    Later {
        reason: String,
        after: Option<Duration>,
    },
    /// The platform refused the key, the signature, the URL or the message: trying
    /// again will not help until someone fixes the channel.
    Refused(String),
}

/// Reads a chat platform's answer: its HTTP status, `Retry-After` and body.
pub fn read_answer(
    kind: ChannelKind,
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
) -> Answer {
    let short: String = body.chars().take(300).collect();
    if status == 429 {
        return Answer::Later {
            reason: format!("HTTP 429 (rate limited): {short}"),
            after: retry_after,
        };
    }
    if status >= 500 || status == 408 {
        return Answer::Later {
            reason: format!("HTTP {status}: {short}"),
            after: retry_after,
        };
    }
    if !(200..300).contains(&status) {
        return Answer::Refused(format!("HTTP {status}: {short}"));
    }
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let (code, message) = match kind {
        ChannelKind::Wecom | ChannelKind::Dingtalk => (
            json["errcode"].as_i64(),
            json["errmsg"].as_str().unwrap_or_default(),
        ),
        ChannelKind::Feishu => (
            json["code"].as_i64().or(json["StatusCode"].as_i64()),
            json["msg"]
                .as_str()
                .or(json["StatusMessage"].as_str())
                .unwrap_or_default(),
        ),
        // Slack answers `ok`, Teams 202 with nothing or a run's id: the status says it.
        ChannelKind::Slack | ChannelKind::Teams => return Answer::Delivered,
    };
    let rate_limited: &[i64] = match kind {
        ChannelKind::Wecom => &[45009, 45033, -1],
        ChannelKind::Dingtalk => &[130101, 130102, -1],
        _ => &[9499, 11232, 11233],
    };
    match code {
        Some(0) => Answer::Delivered,
        Some(code) if rate_limited.contains(&code) => Answer::Later {
            reason: format!("{} {code}: {message}", kind.as_str()),
            after: retry_after.or(Some(Duration::from_secs(60))),
        },
        Some(code) => Answer::Refused(format!("{} {code}: {message}", kind.as_str())),
        None => Answer::Refused(format!("not the platform's answer: {short}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat() -> ChatText {
        ChatText {
            title: "2 overdue actions — CX".into(),
            lines: vec![ChatLine {
                title: "Confirm [dates]".into(),
                link: "https://cx.example/actions/a1".into(),
                detail: "Plan · QA — 4 days overdue".into(),
            }],
            more: Some("…and 1 more".into()),
            rest_link: "https://cx.example/programs/p/reports/progress".into(),
            open: "Open in cxpm".into(),
            footer: "09:00, Mondays".into(),
        }
    }

    #[test]
    fn signatures_match_the_platforms_documented_examples() {
        // Computed independently (Python's hmac and base64) from each platform's
        // documented recipe.
        assert_eq!(
            dingtalk_sign("SEC123", 1_700_000_000_000),
            "lkcPI1uoxBY1gUnCnnPH1Kkru0Hqjo7rFpA3haIVhEQ="
        );
        assert_eq!(
            feishu_sign("demo", 1_700_000_000),
            "8oT2n3SMKFfEnDoiwer8BUM/SjKLwe9SqoEIHlhDTKo="
        );
        let (url, _) = signed(
            ChannelKind::Dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=t",
            Some("SEC123"),
            "{}",
            1_700_000_000_000,
        );
        assert!(url.ends_with(
            "&timestamp=1700000000000&sign=lkcPI1uoxBY1gUnCnnPH1Kkru0Hqjo7rFpA3haIVhEQ%3D"
        ));
        let (_, body) = signed(
            ChannelKind::Feishu,
            "u",
            Some("demo"),
            "{\"a\":1}",
            1_700_000_000_123,
        );
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["timestamp"], "1700000000");
        assert_eq!(body["a"], 1);
    }

    #[test]
    fn each_platform_gets_its_own_format() {
        let c = chat();
        let wecom = body(ChannelKind::Wecom, "en", &c);
        assert_eq!(wecom["msgtype"], "markdown");
        let content = wecom["markdown"]["content"].as_str().unwrap();
        assert!(content.contains("[Confirm  dates ](https://cx.example/actions/a1)"));
        let feishu = body(ChannelKind::Feishu, "zh-CN", &c);
        assert_eq!(
            feishu["content"]["post"]["zh_cn"]["content"][0][0]["href"],
            "https://cx.example/actions/a1"
        );
        let teams = body(ChannelKind::Teams, "en", &c);
        assert_eq!(teams["attachments"][0]["content"]["type"], "AdaptiveCard");
        let slack = body(ChannelKind::Slack, "en", &c);
        assert!(
            slack["blocks"][1]["text"]["text"]
                .as_str()
                .unwrap()
                .contains("<https://cx.example/actions/a1|Confirm [dates]>")
        );
    }

    #[test]
    fn answers_are_read_as_each_platform_means_them() {
        use ChannelKind::*;
        assert_eq!(
            read_answer(Wecom, 200, None, r#"{"errcode":0,"errmsg":"ok"}"#),
            Answer::Delivered
        );
        assert!(matches!(
            read_answer(
                Wecom,
                200,
                None,
                r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#
            ),
            Answer::Later { .. }
        ));
        assert!(matches!(
            read_answer(
                Wecom,
                200,
                None,
                r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#
            ),
            Answer::Refused(_)
        ));
        assert!(matches!(
            read_answer(
                Dingtalk,
                200,
                None,
                r#"{"errcode":310000,"errmsg":"sign not match"}"#
            ),
            Answer::Refused(_)
        ));
        assert!(matches!(
            read_answer(
                Feishu,
                200,
                None,
                r#"{"code":19021,"msg":"sign match fail"}"#
            ),
            Answer::Refused(_)
        ));
        assert!(matches!(
            read_answer(
                Feishu,
                200,
                None,
                r#"{"code":9499,"msg":"too many request"}"#
            ),
            Answer::Later { .. }
        ));
        assert!(matches!(
            read_answer(Slack, 429, Some(Duration::from_secs(3)), "rate_limited"),
            Answer::Later { after: Some(_), .. }
        ));
        assert!(matches!(
            read_answer(Slack, 403, None, "invalid_token"),
            Answer::Refused(_)
        ));
        assert_eq!(read_answer(Teams, 202, None, ""), Answer::Delivered);
        assert!(matches!(
            read_answer(Teams, 503, None, ""),
            Answer::Later { .. }
        ));
    }
}
