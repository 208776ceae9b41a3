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

/// Limits glibc's arenas to [`ARENAS`]; elsewhere (another C library),
/// nothing. Called first in `main`, before other threads exist.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set_by_user = std::env::var_os("MALLOC_ARENA_MAX").is_some()
            || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("arena_max"));
        if !set_by_user {
            // SAFETY: `mallopt` only changes a setting of the allocator;
            // it takes two integers and touches no memory of ours. glibc
            // documents `M_ARENA_MAX` as settable at any time; it is set
            // here before a second thread exists.
            #[allow(unsafe_code)]
            let _ = unsafe { libc::mallopt(libc::M_ARENA_MAX, ARENAS) };
        }
    }
}
