//! Traded articles (spec section 8).
//!
//! An article names what is bought and sold, e.g.
//! `net.bitwrk/blender/0/2.79/2G`. An article may end in `~trusted`: it is
//! then a separate order book in which only sellers trusted by the
//! marketplace may sell. The suffix stays part of the article everywhere
//! (documents, bids, transactions, order-book keys).
//!
//! Which base articles a server trades is configuration: an
//! [`ArticlePolicy`], by default the list of BitWrk 0.7 ([`ArticlePolicy::bitwrk_07`]).

use core::fmt;
use std::collections::BTreeSet;

use crate::error::error_codes;

/// The suffix that marks the trusted variant of an article.
pub const TRUSTED_SUFFIX: &str = "~trusted";

/// The longest article accepted, in bytes, suffix included (BW-ART-1).
pub const MAX_ARTICLE_LEN: usize = 128;

/// Why an article was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArticleError {
    /// Empty, too long, or a character outside the article alphabet.
    BadSyntax {
        /// The text received.
        article: String,
    },
    /// Well-formed, but the base article is not traded on this server.
    NotTraded {
        /// The base article (without `~trusted`).
        base: String,
    },
}

error_codes!(ArticleError {
    ArticleError::BadSyntax { article } => "article.bad-syntax", ("article {article:?} is not 1 to 128 characters of A-Z a-z 0-9 . _ / - with an optional ~trusted suffix");
    ArticleError::NotTraded { base } => "article.not-traded", ("article {base:?} is not traded here");
});

fn is_article_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-')
}

fn base_is_well_formed(base: &str) -> bool {
    !base.is_empty() && base.bytes().all(is_article_byte)
}

/// A syntactically valid article (BW-ART-1), possibly with the `~trusted`
/// suffix (BW-ART-2). Whether it is traded is a separate check
/// ([`ArticlePolicy::check`]).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Article(String);

impl Article {
    /// Checks the syntax only (BW-ART-1, BW-ART-2).
    pub fn parse(s: &str) -> Result<Article, ArticleError> {
        let base = s.strip_suffix(TRUSTED_SUFFIX).unwrap_or(s);
        if s.len() > MAX_ARTICLE_LEN || !base_is_well_formed(base) {
            return Err(ArticleError::BadSyntax {
                article: s.to_owned(),
            });
        }
        Ok(Article(s.to_owned()))
    }

    /// Checks the syntax, then that `policy` trades the base article (BW-ART-3).
    pub fn parse_traded(s: &str, policy: &ArticlePolicy) -> Result<Article, ArticleError> {
        let article = Article::parse(s)?;
        policy.check(&article)?;
        Ok(article)
    }

    /// The article as written, suffix included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The article without the `~trusted` suffix.
    pub fn base(&self) -> &str {
        self.0.strip_suffix(TRUSTED_SUFFIX).unwrap_or(&self.0)
    }

    /// Whether the article carries the `~trusted` suffix (BW-ART-2).
    pub fn is_trusted(&self) -> bool {
        self.0.ends_with(TRUSTED_SUFFIX)
    }
}

impl fmt::Display for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Article({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Article {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Article::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Whether `base` is one of BitWrk 0.7's Blender articles:
/// `net.bitwrk/blender/0/2.<v>/<mem>` with v ∈ {69, 70…79, 80…82} and
/// mem ∈ {512M, 2G, 8G, 32G}.
fn is_bitwrk_07_blender(base: &str) -> bool {
    let Some(rest) = base.strip_prefix("net.bitwrk/blender/0/2.") else {
        return false;
    };
    let Some((version, memory)) = rest.split_once('/') else {
        return false;
    };
    let version_ok = match version.as_bytes() {
        [b'6', b'9'] => true,
        [b'7', d] => d.is_ascii_digit(),
        [b'8', d] => (b'0'..=b'2').contains(d),
        _ => false,
    };
    version_ok && matches!(memory, "512M" | "2G" | "8G" | "32G")
}

/// The set of base articles a server trades (BW-ART-3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArticlePolicy {
    names: BTreeSet<String>,
    bitwrk_07_blender: bool,
}

/// The plainly named articles of BitWrk 0.7.
pub const BITWRK_07_NAMES: [&str; 4] = ["fnord", "snafu", "foobar", "net.bitwrk/gorays/0"];

impl ArticlePolicy {
    /// BitWrk 0.7's list: `fnord`, `snafu`, `foobar`, `net.bitwrk/gorays/0`
    /// and `net.bitwrk/blender/0/2.(69|7x|80-82)/(512M|2G|8G|32G)`.
    pub fn bitwrk_07() -> ArticlePolicy {
        ArticlePolicy {
            names: BITWRK_07_NAMES.iter().map(|s| (*s).to_owned()).collect(),
            bitwrk_07_blender: true,
        }
    }

    /// Exactly the given base articles. Each must be well-formed and must not
    /// carry the `~trusted` suffix (trusted variants are always derived).
    pub fn from_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<ArticlePolicy, ArticleError> {
        let mut set = BTreeSet::new();
        for name in names {
            let article = Article::parse(name)?;
            if article.is_trusted() {
                return Err(ArticleError::BadSyntax {
                    article: name.to_owned(),
                });
            }
            set.insert(article.0);
        }
        Ok(ArticlePolicy {
            names: set,
            bitwrk_07_blender: false,
        })
    }

    /// Whether the base article `base` is traded.
    pub fn trades(&self, base: &str) -> bool {
        self.names.contains(base) || (self.bitwrk_07_blender && is_bitwrk_07_blender(base))
    }

    /// Rejects an article whose base is not traded (BW-ART-3).
    pub fn check(&self, article: &Article) -> Result<(), ArticleError> {
        if self.trades(article.base()) {
            Ok(())
        } else {
            Err(ArticleError::NotTraded {
                base: article.base().to_owned(),
            })
        }
    }
}

impl Default for ArticlePolicy {
    fn default() -> Self {
        ArticlePolicy::bitwrk_07()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn code(r: Result<Article, ArticleError>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn syntax() {
        // BW-ART-1
        for bad in [
            "",
            "~trusted",
            "fnord~trusted~trusted",
            "fn ord",
            "fnord~",
            "fnörd",
            "a?b",
        ] {
            assert_eq!(code(Article::parse(bad)), "article.bad-syntax", "{bad:?}");
        }
        let long = "a".repeat(MAX_ARTICLE_LEN + 1);
        assert_eq!(code(Article::parse(&long)), "article.bad-syntax");
        assert!(Article::parse(&"a".repeat(MAX_ARTICLE_LEN)).is_ok());
        assert!(Article::parse("net.bitwrk/blender/0/2.79/2G").is_ok());
    }

    #[test]
    fn trusted_suffix_is_kept() {
        // BW-ART-2
        let a = Article::parse("net.bitwrk/gorays/0~trusted").unwrap();
        assert!(a.is_trusted());
        assert_eq!(a.base(), "net.bitwrk/gorays/0");
        assert_eq!(a.as_str(), "net.bitwrk/gorays/0~trusted");
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            "\"net.bitwrk/gorays/0~trusted\""
        );
        let plain = Article::parse("fnord").unwrap();
        assert!(!plain.is_trusted());
        assert_ne!(a, Article::parse("net.bitwrk/gorays/0").unwrap());
    }

    #[test]
    fn bitwrk_07_list() {
        // BW-ART-3
        let p = ArticlePolicy::default();
        let mut accepted = 0;
        for v in 60..=99 {
            for mem in ["512M", "2G", "8G", "32G", "1G", "64G"] {
                let s = format!("net.bitwrk/blender/0/2.{v}/{mem}");
                let ok = Article::parse_traded(&s, &p).is_ok();
                let expect = (v == 69 || (70..=82).contains(&v))
                    && matches!(mem, "512M" | "2G" | "8G" | "32G");
                assert_eq!(ok, expect, "{s}");
                accepted += usize::from(ok);
            }
        }
        assert_eq!(accepted, 14 * 4);
        for name in BITWRK_07_NAMES {
            assert!(Article::parse_traded(name, &p).is_ok());
            let trusted = format!("{name}{TRUSTED_SUFFIX}");
            assert!(Article::parse_traded(&trusted, &p).is_ok());
        }
        for bad in [
            "Fnord",
            "fnord/",
            "net.bitwrk/blender/0/2.7/2G",
            "net.bitwrk/blender/0/2.790/2G",
            "net.bitwrk/blender/0/2.79/2G/x",
            "net.bitwrk/blender/1/2.79/2G",
            "net.bitwrk/gorays/1",
        ] {
            assert_eq!(
                code(Article::parse_traded(bad, &p)),
                "article.not-traded",
                "{bad}"
            );
        }
        let e = Article::parse_traded("foo~trusted", &p).unwrap_err();
        assert_eq!(e, ArticleError::NotTraded { base: "foo".into() });
    }

    #[test]
    fn configurable_policy() {
        // BW-ART-3
        let p = ArticlePolicy::from_names(["render/x", "fnord"]).unwrap();
        assert!(Article::parse_traded("render/x~trusted", &p).is_ok());
        assert!(Article::parse_traded("fnord", &p).is_ok());
        assert_eq!(
            code(Article::parse_traded("net.bitwrk/blender/0/2.79/2G", &p)),
            "article.not-traded"
        );
        assert_eq!(
            ArticlePolicy::from_names(["x~trusted"]).unwrap_err().code(),
            "article.bad-syntax"
        );
        assert_eq!(
            ArticlePolicy::from_names(["a b"]).unwrap_err().code(),
            "article.bad-syntax"
        );
    }

    #[test]
    fn deserialisation_checks_syntax() {
        // BW-ART-1
        assert!(serde_json::from_str::<Article>("\"fnord\"").is_ok());
        assert!(serde_json::from_str::<Article>("\"fn ord\"").is_err());
    }
}
