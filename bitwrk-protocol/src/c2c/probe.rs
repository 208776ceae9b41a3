//! The capability probe (spec §19.1): the seller's answer to `OPTIONS` on
//! its endpoint, and the buyer's choice of transfer mode.

use serde::Deserialize;

use super::C2cError;

/// The body a seller answers `OPTIONS` with, byte for byte BitWrk 0.7's
/// (`Content-Type: application/json`). All three capabilities are offered:
/// a 0.7 buyer that is offered chunking without gzip crashes (BW-C2C-5).
pub const OPTIONS_BODY: &str =
    r#"{"Adler32Chunking": true, "GZIPCompression": true, "SyncInfo": true}"#;

/// Longest capability document a buyer reads.
pub const MAX_PROBE_BODY: usize = 4096;

/// What a seller offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Chunked transfers (`Adler32Chunking`).
    pub chunking: bool,
    /// Gzip-compressed request bodies (`GZIPCompression`).
    pub gzip: bool,
    /// SyncInfo JSON with a permutation (`SyncInfo`), else `a32chunks`.
    pub syncinfo: bool,
}

#[derive(Deserialize)]
struct Doc {
    #[serde(rename = "Adler32Chunking", default)]
    chunking: bool,
    #[serde(rename = "GZIPCompression", default)]
    gzip: bool,
    #[serde(rename = "SyncInfo", default)]
    syncinfo: bool,
}

impl Capabilities {
    /// What this implementation's seller offers: everything.
    pub const ALL: Capabilities = Capabilities {
        chunking: true,
        gzip: true,
        syncinfo: true,
    };

    /// Parses a probe answer: a JSON object whose three members, when
    /// present, are booleans; absent members are false; others are ignored.
    pub fn parse(body: &[u8]) -> Result<Capabilities, C2cError> {
        if body.len() > MAX_PROBE_BODY {
            return Err(C2cError::BadProbe);
        }
        let d: Doc = serde_json::from_slice(body).map_err(|_| C2cError::BadProbe)?;
        Ok(Capabilities {
            chunking: d.chunking,
            gzip: d.gzip,
            syncinfo: d.syncinfo,
        })
    }
}

/// How the work travels (BW-C2C-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One request with the whole work (part `work`).
    Linear,
    /// Chunked with the legacy `a32chunks` list and the trivial permutation.
    Legacy,
    /// Chunked with SyncInfo JSON and a random permutation.
    SyncInfo,
}

impl Mode {
    /// The mode for a work file: linear unless the file is chunked and the
    /// probe succeeded and offered chunking (BW-C2C-6). `probe` is `None`
    /// when the request failed, the status was not 200 or the body did not
    /// parse.
    pub fn choose(chunked: bool, probe: Option<&Capabilities>) -> Mode {
        match probe {
            Some(c) if chunked && c.chunking && c.syncinfo => Mode::SyncInfo,
            Some(c) if chunked && c.chunking => Mode::Legacy,
            _ => Mode::Linear,
        }
    }
}
