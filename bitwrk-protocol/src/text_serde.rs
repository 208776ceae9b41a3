//! JSON forms of the types whose wire form is a string (addresses, hashes,
//! signatures, amounts, identifiers): serialised with `Display`,
//! deserialised with `FromStr`. A rejected string is reported as
//! `<code>: <message>`, so the stable error code survives JSON decoding.
//!
//! A type may also name the error for a JSON value that is not a string
//! (`serde_via_text!(Money, not_a_string: MoneyError::BadSyntax)`); it is
//! then reported the same way instead of as serde's untyped type error.

/// Implements `Serialize`/`Deserialize` for `$ty` through its text form.
macro_rules! serde_via_text {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                $crate::text_serde::from_text(&text)
            }
        }
    };
    ($ty:ty, not_a_string: $err:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any($crate::text_serde::TextVisitor::<$ty>::new(|| $err))
            }
        }
    };
}
pub(crate) use serde_via_text;

/// Parses `text` as a `T`, mapping a refusal to `<code>: <message>`.
pub(crate) fn from_text<T, E>(text: &str) -> Result<T, E>
where
    T: core::str::FromStr,
    T::Err: crate::error::ErrorCode,
    E: serde::de::Error,
{
    text.parse::<T>().map_err(|e| coded(&e))
}

fn coded<E: serde::de::Error>(e: &dyn crate::error::ErrorCode) -> E {
    E::custom(format_args!("{}: {}", e.code(), e))
}

/// Accepts a JSON string and parses it; every other JSON value is refused
/// with the error `not_a_string` gives.
pub(crate) struct TextVisitor<T: core::str::FromStr> {
    not_a_string: fn() -> <T as core::str::FromStr>::Err,
}

impl<T: core::str::FromStr> TextVisitor<T> {
    pub(crate) fn new(not_a_string: fn() -> T::Err) -> Self {
        TextVisitor { not_a_string }
    }

    fn refuse<E: serde::de::Error>(&self) -> Result<T, E>
    where
        T::Err: crate::error::ErrorCode,
    {
        Err(coded(&(self.not_a_string)()))
    }
}

impl<'de, T> serde::de::Visitor<'de> for TextVisitor<T>
where
    T: core::str::FromStr,
    T::Err: crate::error::ErrorCode,
{
    type Value = T;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        from_text(v)
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<T, E> {
        self.refuse()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<T, E> {
        self.refuse()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<T, E> {
        self.refuse()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<T, E> {
        self.refuse()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<T, E> {
        self.refuse()
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<T, E> {
        self.refuse()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        self.refuse()
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        self.refuse()
    }
}
