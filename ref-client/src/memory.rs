//! The process's allocator settings.
//!
//! glibc's `malloc` gives each thread that allocates under contention an
//! arena of its own (up to eight per core). Each arena keeps the memory it
//! once held: with the client's threads (async workers, blocking reads,
//! the store's scanner and sink, the seller's assembly) each holding a few
//! mebibytes of transfer buffers at their peak, these arenas were about a
//! quarter of the resident memory, which then varied from run to run
//! (issue 10: each client ≤ 128 MiB while it moves a gibibyte). Two arenas
//! keep it bounded at no measurable cost in speed.

/// Arenas glibc may create, unless `MALLOC_ARENA_MAX` (or the tunable
/// `glibc.malloc.arena_max`) says otherwise.
pub const ARENAS: i32 = 2;

/// Limits glibc's arenas to [`ARENAS`]; whether it did (not where the
/// user set the limit, nor with another C library). Called first in
/// `main`, before other threads exist.
pub fn limit_arenas() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if set_by_user() {
            return false;
        }
        // SAFETY: `mallopt` only changes a setting of the allocator; it
        // takes two integers and touches no memory of ours. glibc documents
        // `M_ARENA_MAX` as settable at any time; it is set here before a
        // second thread exists.
        #[allow(unsafe_code)]
        let done = unsafe { libc::mallopt(libc::M_ARENA_MAX, ARENAS) };
        done == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

/// Whether the environment sets glibc's arena limit.
fn set_by_user() -> bool {
    std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("arena_max"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// glibc takes the limit, unless the environment set one.
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_arena_limit_unless_the_user_set_one() {
        assert_eq!(limit_arenas(), !set_by_user());
    }
}
