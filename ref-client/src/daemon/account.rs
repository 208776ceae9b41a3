//! An account's deposit information judged against the trusted account
//! (§10 of the 0.7 notes): the one check the UI's `/myaccount` and the
//! `account` command share.

use bitwrk_protocol::deposit_address::DepositAddressMessage;
use bitwrk_protocol::signature::{VerifyMode, verify_document_in};
use bitwrk_protocol::{Address, ErrorCode, Network};

/// What the deposit information of an account says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepositInfo {
    /// The server holds none.
    Empty,
    /// A deposit address signed by the trusted account for this account.
    Verified {
        /// The address to pay to.
        address: Address,
    },
    /// Information that must not be trusted.
    Unverified {
        /// The address it names, if it names one.
        address: Option<Address>,
        /// Why it is not trusted.
        reason: String,
    },
}

/// Judges `text` (the account's `DepositInfo`) of `participant`: it must
/// parse, be signed by `trusted` and name `participant`.
pub fn judge(text: &str, network: Network, trusted: &str, participant: &Address) -> DepositInfo {
    if text.is_empty() {
        return DepositInfo::Empty;
    }
    let m = match DepositAddressMessage::from_stored_text(text, network) {
        Ok(m) => m,
        Err(e) => {
            return DepositInfo::Unverified {
                address: None,
                reason: format!("{}: {e}", e.code()),
            };
        }
    };
    let address = m.deposit_address;
    let reason = if m.signer.to_string() != trusted {
        format!(
            "expected a signature of the trusted account {trusted}, got one of {}",
            m.signer
        )
    } else if m.participant != *participant {
        format!(
            "expected information for {participant}, got it for {}",
            m.participant
        )
    } else {
        // 0.7-compatible mode: a BitWrk 0.7 payment processor signs long
        // deposit information under 0.7's legacy digest (BW-SIG-13), and the
        // server accepted it in the same mode.
        match verify_document_in(VerifyMode::Compat07, m) {
            Ok(_) => return DepositInfo::Verified { address },
            Err(e) => format!("{}: {e}", e.code()),
        }
    };
    DepositInfo::Unverified {
        address: Some(address),
        reason,
    }
}

impl DepositInfo {
    /// The address named (verified or not) and whether it is verified.
    pub fn shown(&self) -> (String, bool) {
        match self {
            DepositInfo::Empty => (String::new(), false),
            DepositInfo::Verified { address } => (address.to_string(), true),
            DepositInfo::Unverified { address, .. } => (
                address.as_ref().map(Address::to_string).unwrap_or_default(),
                false,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitwrk_protocol::PrivateKey;

    fn key(seed: u8) -> PrivateKey {
        PrivateKey::from_secret_bytes(&[seed; 32], true, Network::Mainnet).expect("key")
    }

    fn addr(k: &PrivateKey) -> Address {
        k.public_key().address(k.network())
    }

    #[test]
    fn deposit_information_is_judged_against_the_trusted_account() {
        let (trusted, user, other) = (key(1), key(2), key(3));
        let pay_to = addr(&other);
        let m = DepositAddressMessage::signed(&trusted, addr(&user), pay_to, "ref", "nonce-1");
        let text = m.stored_text();
        let t = addr(&trusted).to_string();
        assert_eq!(
            judge("", Network::Mainnet, &t, &addr(&user)),
            DepositInfo::Empty
        );
        assert_eq!(
            judge(&text, Network::Mainnet, &t, &addr(&user)),
            DepositInfo::Verified { address: pay_to }
        );
        assert_eq!(
            judge(&text, Network::Mainnet, &t, &addr(&user)).shown(),
            (pay_to.to_string(), true)
        );
        // Another trusted account, another participant, a forged signature
        // and garbage are not trusted.
        let cases = [
            (text.clone(), addr(&other).to_string(), addr(&user)),
            (text.clone(), t.clone(), addr(&other)),
            (
                DepositAddressMessage::signed(&other, addr(&user), pay_to, "ref", "nonce-1")
                    .stored_text()
                    .replace(&addr(&other).to_string(), &t),
                t.clone(),
                addr(&user),
            ),
            ("%zz".to_owned(), t.clone(), addr(&user)),
        ];
        for (text, trusted, participant) in cases {
            let j = judge(&text, Network::Mainnet, &trusted, &participant);
            assert!(matches!(j, DepositInfo::Unverified { .. }), "{text}: {j:?}");
            assert!(!j.shown().1);
        }
    }

    /// BW-SIG-13: deposit information that a BitWrk 0.7 payment processor
    /// signed under 0.7's legacy digest (a long reference, where the two
    /// digests differ) is verified, as the server accepted it.
    #[test]
    fn information_signed_by_a_07_processor_is_verified() {
        use bitwrk_protocol::signature::SignedDocument;
        use bitwrk_protocol::signature::{legacy_07_differs, legacy_07_digest, sign_digest};
        let (trusted, user, other) = (key(1), key(2), key(3));
        let pay_to = addr(&other);
        let mut m = DepositAddressMessage::signed(
            &trusted,
            addr(&user),
            pay_to,
            &"r".repeat(200),
            "nonce-2",
        );
        let doc = m.document();
        assert!(legacy_07_differs(doc.len() as u64), "{} bytes", doc.len());
        m.signature = sign_digest(&trusted, &legacy_07_digest(doc.as_bytes())).to_base64();
        let t = addr(&trusted).to_string();
        assert_eq!(
            judge(&m.stored_text(), Network::Mainnet, &t, &addr(&user)),
            DepositInfo::Verified { address: pay_to }
        );
    }
}
