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
    public static func blasLibrary() -> Manifest.Library? { linearAlgebraLibraries().blas }

    /// The library defining the LAPACK routine `dpotrf_` (OpenBLAS's LAPACK, reference LAPACK, ...).
    public static func lapackLibrary() -> Manifest.Library? { linearAlgebraLibraries().lapack }

    /// Both records at once: `/proc/self/maps`, the package file lists and the package status
    /// file are each read once (about 14 million instructions a run, against 97 million when each
    /// library was looked up on its own with `String` searches and a sort of every file name in
    /// `/var/lib/dpkg/info`; measured with callgrind).
    public static func linearAlgebraLibraries() -> (blas: Manifest.Library?, lapack: Manifest.Library?) {
        let symbols = ["dsyrk_", "dpotrf_", "openblas_get_config"]
        let addresses = symbols.map(address(of:))
        let maps = procBytes("/proc/self/maps") ?? []
        let mapped = addresses.map { a in a.flatMap { mappedFile(containing: $0, maps: maps) }.map(realPath) }
        let paths = [mapped[0], mapped[1]]
        let packages = debianPackages(owning: paths.compactMap { $0 })
        func library(_ path: String?) -> Manifest.Library? {
            guard let path else { return nil }
            let openBLAS = openBLASConfiguration(core: mapped[2], address: addresses[2], besides: path)
            return Manifest.Library(path: path, version: openBLAS.flatMap(openBLASVersion) ?? fileNameVersion(path),
                                    debianPackage: packages[path], openblasConfig: openBLAS)
        }
        return (library(paths[0]), library(paths[1]))
    }

    /// The first "model name" line of `/proc/cpuinfo`, or nil.
    public static func cpuModel() -> String? {
        guard let text = procFile("/proc/cpuinfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static func address(of symbol: String) -> UInt? {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(handle) }
        return dlsym(handle, symbol).map { UInt(bitPattern: $0) }
    }

    /// The file mapped at `address` according to `maps`, the bytes of `/proc/self/maps` (lines
    /// `start-end perms offset dev inode path`, addresses in hexadecimal), or nil.
    static func mappedFile(containing address: UInt, maps: [UInt8]) -> String? {
        var i = 0
        let n = maps.count
        func hex(_ stop: UInt8) -> UInt? {
            var value: UInt = 0, digits = 0
            while i < n, maps[i] != stop {
                let c = maps[i]
                let d: UInt
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt(c - UInt8(ascii: "a") + 10)
                default: return nil
                }
                guard digits < 16 else { return nil }
                value = value << 4 | d
                digits += 1
                i += 1
            }
            return digits > 0 && i < n ? value : nil
        }
        while i < n {
            let lineStart = i
            var lineEnd = lineStart
            while lineEnd < n, maps[lineEnd] != 0x0A { lineEnd += 1 }
            defer { i = lineEnd + 1 }
            guard let start = hex(UInt8(ascii: "-")) else { continue }
            i += 1
            guard let end = hex(UInt8(ascii: " ")), start <= address, address < end else { continue }
            // The path is what follows the fifth field (perms, offset, dev, inode).
            var fields = 0, k = i
            while k < lineEnd, fields < 5 {
                while k < lineEnd, maps[k] == 0x20 { k += 1 }
                if fields == 4 { break }
                while k < lineEnd, maps[k] != 0x20 { k += 1 }
                fields += 1
            }
            guard k < lineEnd, maps[k] == UInt8(ascii: "/") else { return nil }
            var stop = lineEnd
            while stop > k, maps[stop - 1] == 0x20 { stop -= 1 }
            return String(decoding: maps[k..<stop], as: UTF8.self)
        }
        return nil
    }

    /// The file mapped at `address` in this process, from `/proc/self/maps`.
    static func mappedFile(containing address: UInt) -> String? {
        procBytes("/proc/self/maps").flatMap { mappedFile(containing: address, maps: $0) }
    }

    /// A file of `/proc` as bytes, read to its end (its reported size is 0).
    static func procBytes(_ path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return [UInt8](handle.readDataToEndOfFile())
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
    static func openBLASConfiguration(core: String?, address: UInt?, besides path: String) -> String? {
        guard let core, let address else { return nil }
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

    /// For each of `paths` that a Debian package installed, "libblas3 3.11.0-2" (package and
    /// version). Only the file lists of packages whose name says BLAS, LAPACK, BLIS, ATLAS or MKL
    /// (`/var/lib/dpkg/info/*.list`, names compared as bytes: Debian package names are lower
    /// case) are searched, in name order, then each package's stanza of `/var/lib/dpkg/status`.
    static func debianPackages(owning paths: [String]) -> [String: String] {
        let info = "/var/lib/dpkg/info"
        guard !paths.isEmpty, let directory = opendir(info) else { return [:] }
        let kinds = ["blas", "lapack", "blis", "atlas", "mkl"].map { Array($0.utf8) }
        let suffix = Array(".list".utf8)
        var lists: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            guard name.count > suffix.count, name.suffix(suffix.count).elementsEqual(suffix),
                  kinds.contains(where: { find($0, in: name, from: 0) != nil }) else { continue }
            lists.append(name)
        }
        closedir(directory)
        lists.sort { $0.lexicographicallyPrecedes($1) }
        var owner: [String: String] = [:]
        for list in lists where owner.count < Set(paths).count {
            guard let files = FileManager.default.contents(atPath: info + "/" + String(decoding: list, as: UTF8.self)) else { continue }
            let text = [0x0A] + [UInt8](files)
            let qualified = String(decoding: list.dropLast(suffix.count), as: UTF8.self)   // "libblas3:amd64"
            for path in paths where owner[path] == nil && find(Array(("\n" + path + "\n").utf8), in: text, from: 0) != nil {
                owner[path] = qualified
            }
        }
        guard !owner.isEmpty else { return [:] }
        let status = FileManager.default.contents(atPath: "/var/lib/dpkg/status").map { [0x0A] + [UInt8]($0) }
        var result: [String: String] = [:]
        for (path, qualified) in owner {
            let parts = qualified.split(separator: ":", maxSplits: 1)
            let package = String(parts[0]), architecture = parts.count > 1 ? String(parts[1]) : nil
            let version = status.flatMap { debianVersion(package: package, architecture: architecture, status: $0) }
            result[path] = version.map { "\(package) \($0)" } ?? package
        }
        return result
    }

    /// The installed version of a package, from its stanza in `/var/lib/dpkg/status` (stanzas are
    /// separated by blank lines and start with `Package:`).
    static func debianVersion(package: String, architecture: String?, status text: [UInt8]) -> String? {
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
    /// second byte, which is rarer there, and then checked whole.
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
