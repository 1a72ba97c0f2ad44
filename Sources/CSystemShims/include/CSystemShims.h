#ifndef COUNTERFACTUAL_SYSTEM_SHIMS_H
#define COUNTERFACTUAL_SYSTEM_SHIMS_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE): after it returns 0,
/// `a` names what `b` named and `b` what `a` named, with no moment at which either is missing.
/// Returns -1 and sets errno (ENOSYS or EINVAL where the system or filesystem cannot do it).
int cf_exchange_paths(const char *a, const char *b);

#endif
