//! Stable machine codes for every rejection.
//!
//! Each module has its own error type (`AddressError`, `SignatureError`, …).
//! All of them implement [`ErrorCode`], whose [`code`](ErrorCode::code) is a
//! short, stable, lower-case string such as `sig.bad-header`. The codes are
//! listed in the specification (appendix A, "Error codes") and are the
//! conformance contract: implementations are compared on codes, never on the
//! human-readable message.

/// A rejection with a stable machine-readable code.
pub trait ErrorCode: core::fmt::Display {
    /// The stable code, e.g. `"sig.bad-header"`.
    fn code(&self) -> &'static str;
}

/// Implements [`ErrorCode`] and `Display` for an error enum from one table of
/// `Variant(pattern) => "code", "message format", args…` rows, so that the
/// code and the message of a variant are defined in exactly one place.
macro_rules! error_codes {
    ($ty:ident { $( $pat:pat => $code:literal, ( $($fmt:tt)+ ) );+ $(;)? }) => {
        impl $crate::error::ErrorCode for $ty {
            fn code(&self) -> &'static str {
                #[allow(unused_variables)]
                match self { $( $pat => $code, )+ }
            }
        }
        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self { $( $pat => write!(f, $($fmt)+), )+ }
            }
        }
        impl std::error::Error for $ty {}
        impl $ty {
            /// Every code this error type can produce (for the spec's code table).
            pub const CODES: &'static [&'static str] = &[$($code),+];
        }
    };
}
pub(crate) use error_codes;
