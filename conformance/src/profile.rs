//! The conformance profile (spec §18): what the server under test is
//! configured with. BW-CONF-1 … BW-CONF-4.

/// The published test key (BW-CONF-2): WIF, compressed, mainnet. Its secret
/// is SHA-256 of `bitwrk conformance profile key`; never use it for money.
pub const TEST_WIF: &str = "L2J7WymNW2gguTeCKdVAvEPUo1XQ4sXZu3z714C7S9igYFwvcxQv";

/// The address of [`TEST_WIF`]: the server's trusted account and trust
/// account (BW-CONF-2).
pub const TEST_ADDRESS: &str = "1BZNZhQW17nsK9wgVeBF7wSxH1Bb7EpJr9";

/// The fee ratio the server must use (BW-CONF-3): BitWrk 0.7's 3/100.
pub const FEE_NUMERATOR: i64 = 3;
/// See [`FEE_NUMERATOR`].
pub const FEE_DENOMINATOR: i64 = 100;

/// Bid lifetime the profile requires (BW-CONF-3), in milliseconds.
pub const BID_LIFETIME_MS: u64 = 120_000;

/// Nonce lifetime (BW-NONCE-3), in milliseconds.
pub const NONCE_LIFETIME_MS: u64 = 180_000;

/// The articles the suite trades (BW-CONF-4): BitWrk 0.7's list, the
/// server's default. Each trading case gets one of these to itself, so
/// cases running in parallel never match each other's bids. The vector
/// replays use `net.bitwrk/blender/0/2.79/2G` and `…2.69/512M`, which are
/// not in this pool.
pub fn article_pool() -> Vec<String> {
    let mut pool = Vec::new();
    let versions = (70..=78).chain(80..=82);
    for v in versions {
        for mem in ["512M", "2G", "8G", "32G"] {
            pool.push(format!("net.bitwrk/blender/0/2.{v}/{mem}"));
        }
    }
    for mem in ["2G", "8G", "32G"] {
        pool.push(format!("net.bitwrk/blender/0/2.69/{mem}"));
    }
    for mem in ["512M", "8G", "32G"] {
        pool.push(format!("net.bitwrk/blender/0/2.79/{mem}"));
    }
    for name in ["fnord", "snafu", "foobar"] {
        pool.push(name.to_owned());
    }
    pool
}

/// The article on which the suite only sells (bids that must stay open);
/// not in [`article_pool`].
pub const LONE_SELL_ARTICLE: &str = "net.bitwrk/gorays/0";

/// The server flags of the reference server that give this profile.
pub fn reference_server_flags() -> Vec<String> {
    [
        "--trusted-account",
        TEST_ADDRESS,
        "--trust-account",
        TEST_ADDRESS,
        "--fee-ratio",
        "3/100",
        "--bid-lifetime-secs",
        "120",
        "--articles",
        "bitwrk-0.7",
        "--test-clock",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitwrk_protocol::key::KeyPair;

    #[test]
    fn published_key_matches_its_address_and_secret() {
        // BW-CONF-2
        let key = KeyPair::from_wif(TEST_WIF).unwrap();
        assert_eq!(key.address().to_string(), TEST_ADDRESS);
        let secret = bitwrk_protocol::hash::sha256(b"bitwrk conformance profile key");
        let derived = bitwrk_protocol::key::PrivateKey::from_secret_bytes(
            secret.as_bytes(),
            true,
            bitwrk_protocol::address::Network::Mainnet,
        )
        .unwrap();
        assert_eq!(derived.to_wif(), TEST_WIF);
    }

    #[test]
    fn pool_articles_are_distinct_and_traded() {
        let pool = article_pool();
        let policy = bitwrk_protocol::article::ArticlePolicy::bitwrk_07();
        let set: std::collections::BTreeSet<_> = pool.iter().collect();
        assert_eq!(set.len(), pool.len());
        for a in &pool {
            let art = bitwrk_protocol::article::Article::parse(a).unwrap();
            assert!(policy.trades(art.base()), "{a}");
            assert_ne!(a, "net.bitwrk/blender/0/2.79/2G");
            assert_ne!(a, LONE_SELL_ARTICLE);
        }
    }
}
