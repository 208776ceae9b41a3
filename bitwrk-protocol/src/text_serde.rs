//! JSON forms of the types whose wire form is a string (addresses, hashes,
//! signatures, amounts): serialised with `Display`, deserialised with
//! `FromStr`. A rejected string is reported as `<code>: <message>`, so the
//! stable error code survives JSON decoding.

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
                text.parse::<$ty>().map_err(|e| {
                    serde::de::Error::custom(format_args!(
                        "{}: {}",
                        $crate::error::ErrorCode::code(&e),
                        e
                    ))
                })
            }
        }
    };
}
pub(crate) use serde_via_text;
