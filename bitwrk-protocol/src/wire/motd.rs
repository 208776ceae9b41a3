//! The message of the day, `/motd` (BW-JSON-11).
//!
//! The body is `{"Text":…,"Warning":…}` without a final newline. The 0.7
//! client shows `Text` as HTML, verbatim. A server either sends a configured
//! text, or greets by the client version it finds in the `User-Agent`
//! (`BitWrkGoClient/X.Y.Z`), warning clients older than [`CURRENT_CLIENT`].

use core::fmt;

use serde::{Deserialize, Serialize};

/// The client version that counts as up to date: 0.7.0.
pub const CURRENT_CLIENT: GoClientVersion = GoClientVersion {
    major: 0,
    minor: 7,
    micro: 0,
};

/// The version a BitWrk Go client names in its `User-Agent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoClientVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Micro version.
    pub micro: u16,
}

impl GoClientVersion {
    /// Reads the version from a `User-Agent` that starts with
    /// `BitWrkGoClient/<major>.<minor>.<micro>`, each part 1–4 decimal
    /// digits (what follows the micro part's digits is ignored).
    pub fn from_user_agent(user_agent: &str) -> Option<GoClientVersion> {
        let rest = user_agent.strip_prefix("BitWrkGoClient/")?;
        let (major, rest) = leading_number(rest)?;
        let (minor, rest) = leading_number(rest.strip_prefix('.')?)?;
        let (micro, _) = leading_number(rest.strip_prefix('.')?)?;
        Some(GoClientVersion {
            major,
            minor,
            micro,
        })
    }
}

/// Up to four leading ASCII digits (at least one) and the rest.
fn leading_number(s: &str) -> Option<(u16, &str)> {
    let len = s.bytes().take(4).take_while(u8::is_ascii_digit).count();
    if len == 0 {
        return None;
    }
    let n = s[..len].parse().ok()?;
    Some((n, &s[len..]))
}

impl fmt::Display for GoClientVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

/// The `/motd` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Motd {
    /// The message, HTML.
    pub text: String,
    /// Whether the client should show it as a warning.
    pub warning: bool,
}

impl Motd {
    /// The message for a client that sent `user_agent`: the configured text
    /// if there is one (never a warning), else a greeting by client version
    /// that warns clients older than [`CURRENT_CLIENT`].
    pub fn for_client(user_agent: &str, configured: Option<&str>) -> Motd {
        if let Some(text) = configured {
            return Motd {
                text: text.to_owned(),
                warning: false,
            };
        }
        match GoClientVersion::from_user_agent(user_agent) {
            Some(v) if v >= CURRENT_CLIENT => Motd {
                text: format!("Welcome to this BitWrk market. Client {v} is up to date."),
                warning: false,
            },
            Some(v) => Motd {
                text: format!(
                    "Client {v} is older than {CURRENT_CLIENT}. Please upgrade: see <a target=\"_blank\" href=\"https://bitwrk.net/\">bitwrk.net</a>."
                ),
                warning: true,
            },
            None => Motd {
                text: "Welcome to this BitWrk market.".to_owned(),
                warning: false,
            },
        }
    }

    /// The body as sent: Go's JSON without a final newline.
    pub fn to_body(&self) -> String {
        super::to_go_json_unterminated(self)
    }
}
