#ifndef COUNTERFACTUAL_SYSTEM_SHIMS_H
#define COUNTERFACTUAL_SYSTEM_SHIMS_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE): after it returns 0,
/// `a` names what `b` named and `b` what `a` named, with no moment at which either is missing.
/// Returns -1 and sets errno (ENOSYS or EINVAL where the system or filesystem cannot do it).
int cf_exchange_paths(const char *a, const char *b);

/// Starts writing `length` bytes of `fd` from `offset` to disk without waiting (Linux
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that a later `fsync` finds less to do. Durability
/// still comes from `fsync`; this only moves the disk's work earlier. Returns 0, or -1 with errno
/// (ENOSYS where the system has no such call: nothing is lost, `fsync` does it all).
int cf_start_writeback(int fd, long long offset, long long length);

#endif
