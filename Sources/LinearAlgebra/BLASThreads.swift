#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threading of the BLAS library in use.
///
/// Counterfactual parallelises dense algebra itself, by blocks of rows whose partial results are
/// added in a fixed order. A multi-threaded BLAS (OpenBLAS, selected through Debian alternatives)
/// would start its own threads inside each of those calls and oversubscribe the cores, so it is
/// asked to run each call on one thread. With reference BLAS, which has no threads, this does nothing.
public enum BLASThreads {
    /// Makes a threaded BLAS run single-threaded (idempotent, cheap after the first call).
    public static func useOneThreadPerCall() { _ = configured }

    private static let configured: Bool = {
        typealias SetThreads = @convention(c) (Int32) -> Void
        guard let handle = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(handle) }
        for name in ["openblas_set_num_threads", "goto_set_num_threads", "bli_thread_set_num_threads"] {
            if let symbol = dlsym(handle, name) {
                unsafeBitCast(symbol, to: SetThreads.self)(1)
                return true
            }
        }
        return false
    }()
}
