//! Fixed keys and texts shared by the primitive vector families.

use crate::{Key, N, Net, small256, sub256};

/// BitWrk 0.7 `addresses_test.go` / `bitsign_test.go` keys.
pub(crate) const GO_WIF_UNCOMPRESSED: &str = "5KJvsngHeMpm884wtkJNzQGaCErckhHJBGFsvd3VyK5qMZXj3hS";
pub(crate) const GO_ADDR_UNCOMPRESSED: &str = "1JwSSubhmg6iPtRjtyqhUYYH7bZg3Lfy1T";
pub(crate) const GO_WIF_COMPRESSED: &str = "L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu";
pub(crate) const GO_ADDR_COMPRESSED: &str = "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8";
pub(crate) const GO_WIF_DIGEST_KEY: &str = "5JeWZ1z6sRcLTJXdQEDdB986E6XfLAkj9CgNE4EHzr5GmjrVFpf";
pub(crate) const GO_ADDR_DIGEST_KEY: &str = "17mDAmveV5wBwxajBsY7g1trbMW1DVWcgL";
pub(crate) const GO_PLAINTEXT: &str = "C'est par mon ordre et pour le bien de l'Etat que le porteur du présent a fait ce qu'il a fait.";
pub(crate) const GO_DIGEST: &str =
    "f5500457bb6c21f77e5a5a2818cce63cf9f90af501c73475e7f411e94a0cace4";
pub(crate) const GO_SIGNATURE: &str =
    "HDTbD+paOyf7BJ3Fwlvu3Ul+goCQqZF7mfijfva5CkX6NpXrKN7wi9O/MQ/aEWFcXVrSBQXYyTb4FuvPdKn0gmw=";
pub(crate) const GO_ADDR_TEST: &str = "13mgtNQiU7gCWpfmypGfijyX9jzqpPr6co";
/// Electrum `tests/test_bitcoin.py` keys.
pub(crate) const ELECTRUM_WIF_COMPRESSED: &str =
    "L1TnU2zbNaAqMoVh65Cyvmcjzbrj41Gs9iTLcWbpJCMynXuap6UN";
pub(crate) const ELECTRUM_WIF_UNCOMPRESSED: &str =
    "5Hxn5C4SQuiV6e62A1MtZmbSeQyrLFhu5uYks62pU5VBUygK2KD";

pub(crate) fn d1(compressed: bool) -> Key {
    Key::new(small256(1), compressed, Net::Main)
}

pub(crate) fn n_minus(k: u8) -> [u8; 32] {
    sub256(&N, &small256(k))
}

/// Replaces the character at `pos` (a char index).
pub(crate) fn replace_char(s: &str, pos: usize, c: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, x)| if i == pos { c } else { x })
        .collect()
}

/// A base58 character different from `c`.
pub(crate) fn other_b58(c: char) -> char {
    if c == '2' { '3' } else { '2' }
}
