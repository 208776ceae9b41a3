//! Tests of the client trading logic.
