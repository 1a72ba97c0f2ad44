import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a run ran on, for `manifest.json`: the BLAS and LAPACK libraries the dynamic loader
/// actually bound and the CPU model.
///
/// No output number depends on them (the propensity fit and the outcome regressions use the
/// fixed-order loops of `LinearAlgebra` and `Outcomes`); recording the libraries lets
/// `counterfactual verify A --against B` say which ones two runs used, should a future change
/// bring BLAS back into a number.
///
/// A library is found by the routine it provides, not by its name: the loaded object that
/// defines `dsyrk_` (BLAS) and `dpotrf_` (LAPACK), both called by `LinearAlgebra`. Its address
/// comes from `dlsym` in the process's global scope, and the file mapped at that address from
/// `/proc/self/maps`; symbolic links are then resolved (Debian alternatives point
/// `libblas.so.3` at the library chosen, `LD_LIBRARY_PATH` may point elsewhere). Everything is
/// read from the running process, never from configuration that could disagree with it.
public enum RuntimeEnvironment {
    /// The library defining the BLAS routine `dsyrk_`, or nil where it cannot be determined
    /// (no `/proc`, or the routine is not loaded).
    public static func blasLibrary() -> Manifest.Library? { library(defining: "dsyrk_") }

    /// The library defining the LAPACK routine `dpotrf_` (OpenBLAS's LAPACK, reference LAPACK, ...).
    public static func lapackLibrary() -> Manifest.Library? { library(defining: "dpotrf_") }

    /// The first "model name" line of `/proc/cpuinfo`, or nil.
    public static func cpuModel() -> String? {
        guard let text = procFile("/proc/cpuinfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The loaded object defining `symbol`, with its resolved path and what identifies its version.
    static func library(defining symbol: String) -> Manifest.Library? {
        guard let address = address(of: symbol), let mapped = mappedFile(containing: address) else { return nil }
        let path = realPath(mapped)
        let openBLAS = openBLASConfiguration(besides: path)
        return Manifest.Library(
            path: path,
            version: openBLAS.flatMap(openBLASVersion) ?? fileNameVersion(path),
            debianPackage: debianPackage(owning: path),
            openblasConfig: openBLAS)
    }

    static func address(of symbol: String) -> UInt? {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(handle) }
        return dlsym(handle, symbol).map { UInt(bitPattern: $0) }
    }

    /// The file mapped at `address` in this process, from `/proc/self/maps`
    /// (`start-end perms offset dev inode path`, addresses in hexadecimal).
    static func mappedFile(containing address: UInt) -> String? {
        guard let maps = procFile("/proc/self/maps") else { return nil }
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, let dash = fields[0].firstIndex(of: "-"),
                  let start = UInt(fields[0][..<dash], radix: 16),
                  let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16),
                  start <= address, address < end else { continue }
            let path = fields[5].trimmingCharacters(in: .whitespaces)
            return path.hasPrefix("/") ? path : nil
        }
        return nil
    }

    /// A file of `/proc`, read to its end. (`String(contentsOfFile:)` stops after 4,096 bytes
    /// there: `/proc` files report a size of 0.)
    static func procFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `openblas_get_config()` (for example "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell
    /// MAX_THREADS=64") when OpenBLAS is loaded and the library at `path` is part of it: the same
    /// file, or a file in the same folder (Debian's `openblas-pthread/libblas.so.3` and
    /// `liblapack.so.3` are thin objects beside `libopenblas.so.0`, which holds the routines).
    static func openBLASConfiguration(besides path: String) -> String? {
        guard let address = address(of: "openblas_get_config"),
              let core = mappedFile(containing: address).map(realPath) else { return nil }
        let folder = { (p: String) in (p as NSString).deletingLastPathComponent }
        guard core == path || folder(core) == folder(path) else { return nil }
        typealias GetConfig = @convention(c) () -> UnsafePointer<CChar>?
        guard let pointer = UnsafeRawPointer(bitPattern: address),
              let text = unsafeBitCast(pointer, to: GetConfig.self)() else { return nil }
        return String(cString: text).trimmingCharacters(in: .whitespaces)
    }

    /// "0.3.21" from "OpenBLAS 0.3.21 DYNAMIC_ARCH ...".
    static func openBLASVersion(_ configuration: String) -> String? {
        let words = configuration.split(separator: " ")
        guard words.count >= 2, words[0] == "OpenBLAS" else { return nil }
        return String(words[1])
    }

    /// The version in a shared object's file name: "3.11.0" from `libblas.so.3.11.0`, "3" from
    /// `libblas.so.3`, "0.3.21" from `libopenblasp-r0.3.21.so`; nil when the name has none.
    static func fileNameVersion(_ path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        if let so = name.range(of: ".so.") { return String(name[so.upperBound...]) }
        if name.hasSuffix(".so"), let r = name.range(of: "-r", options: .backwards) {
            let version = name[r.upperBound..<name.index(name.endIndex, offsetBy: -3)]
            if version.first?.isNumber == true { return String(version) }
        }
        return nil
    }

    /// "libblas3 3.11.0-2" when a Debian package installed `path`, else nil. Cheap by design (a
    /// few milliseconds): only the file lists of packages whose name says BLAS or LAPACK
    /// (`/var/lib/dpkg/info/*.list`) are searched, then that package's stanza of `/var/lib/dpkg/status`.
    static func debianPackage(owning path: String) -> String? {
        let info = "/var/lib/dpkg/info"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: info) else { return nil }
        let kinds = ["blas", "lapack", "blis", "atlas", "mkl"]
        let line = Array(("\n" + path + "\n").utf8)
        for list in names.sorted() where list.hasSuffix(".list") && kinds.contains(where: { list.lowercased().contains($0) }) {
            guard let files = FileManager.default.contents(atPath: info + "/" + list),
                  find(line, in: [UInt8](Data("\n".utf8) + files), from: 0) != nil else { continue }
            let qualified = String(list.dropLast(".list".count))           // "libblas3:amd64"
            let parts = qualified.split(separator: ":", maxSplits: 1)
            let package = String(parts[0]), architecture = parts.count > 1 ? String(parts[1]) : nil
            return debianVersion(package: package, architecture: architecture).map { "\(package) \($0)" } ?? package
        }
        return nil
    }

    /// The installed version of a package, from its stanza in `/var/lib/dpkg/status` (stanzas are
    /// separated by blank lines and start with `Package:`).
    static func debianVersion(package: String, architecture: String?) -> String? {
        guard let status = FileManager.default.contents(atPath: "/var/lib/dpkg/status") else { return nil }
        let text = [UInt8](Data("\n".utf8) + status)
        let start = Array("\nPackage: \(package)\n".utf8), end = Array("\n\n".utf8)
        var from = 0
        while let found = find(start, in: text, from: from) {
            let stop = find(end, in: text, from: found + start.count) ?? text.count
            let stanza = String(decoding: text[(found + start.count)..<stop], as: UTF8.self)
            var version: String?, arch: String?
            for line in stanza.split(separator: "\n") {
                if line.hasPrefix("Version: ") { version = String(line.dropFirst("Version: ".count)) }
                if line.hasPrefix("Architecture: ") { arch = String(line.dropFirst("Architecture: ".count)) }
            }
            if architecture == nil || arch == architecture || arch == "all" { return version }
            from = stop
        }
        return nil
    }

    /// The offset of the first `needle` in `haystack` at or after `from`, or nil. A needle that
    /// starts with a line break (as every line of the package database does) is found by its
    /// second byte, which is rarer there, and then checked whole. (The manifest stage still counts
    /// about 115 million instructions at 100,000 rows under callgrind, against 17 million before
    /// the BLAS record; where they go has not been profiled yet.)
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, from >= 0, haystack.count - from >= needle.count else { return nil }
        let anchor = needle.count > 1 && needle[0] == 0x0A ? 1 : 0
        let key = needle[anchor]
        var k = from + anchor
        let last = haystack.count - needle.count + anchor
        while k <= last {
            guard let at = haystack[k...last].firstIndex(of: key) else { return nil }
            let start = at - anchor
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
            k = at + 1
        }
        return nil
    }
}
