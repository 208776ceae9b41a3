//! Response bodies: JSON (0.7-compatible) and server-rendered HTML.

pub mod chart;
pub mod html;
pub mod json;
