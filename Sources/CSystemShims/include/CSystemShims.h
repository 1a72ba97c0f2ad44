#ifndef COUNTERFACTUAL_SYSTEM_SHIMS_H
#define COUNTERFACTUAL_SYSTEM_SHIMS_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE): after it returns 0,
/// `a` names what `b` named and `b` what `a` named, with no moment at which either is missing.
/// Returns -1 and sets errno (ENOSYS or EINVAL where the system or filesystem cannot do it).
int cf_exchange_paths(const char *a, const char *b);

/// Removes the folder or file `path` (and everything in it) in a process of its own that this
/// process does not wait for: `/bin/rm -rf -- path`, started in a session of its own (so a later
/// Ctrl-C in the terminal does not reach it), with standard input and output on /dev/null, every
/// other descriptor closed and default signal handling. Returns 0 once the process is started, or
/// -1 with errno set when it could not be (the caller then removes `path` itself).
int cf_remove_detached(const char *path);

#endif
