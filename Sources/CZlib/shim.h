// zlib (Debian zlib1g-dev), used by CohortData.GzipInflater to read .csv.gz files.
//
// inflateInit2 is a macro (it passes the library version and sizeof(z_stream)), which Swift
// does not import; this wrapper gives it a plain C name.
#ifndef COUNTERFACTUAL_CZLIB_SHIM_H
#define COUNTERFACTUAL_CZLIB_SHIM_H

#include <zlib.h>

// A gzip-only inflater (window bits 15, +16 = expect a gzip header and trailer, check the CRC-32).
static inline int cf_inflate_init_gzip(z_streamp stream) { return inflateInit2(stream, 15 + 16); }

#endif
