import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A regular file mapped read-only (`mmap`, `MAP_PRIVATE`), whose pages can be given back while it
/// is read.
///
/// Every page of a mapped file that has been read counts in the process's resident memory until
/// the file is unmapped: at ten million rows the 826 MB input would stay resident beside the
/// columns parsed from it. `release(_:)` tells the kernel (`madvise(MADV_DONTNEED)`) that the
/// pages wholly inside a byte range are not needed now. They stay in the page cache, and a later
/// read of them maps them again from the file, with the same bytes; so releasing is only ever a
/// matter of memory, never of content. Readers release what they have finished with: the record
/// splitter, each parsing block, and the reader that hashes the input.
final class MappedFile: @unchecked Sendable {
    /// The bytes of the file.
    let bytes: UnsafeRawBufferPointer
    private let pageSize: Int

    /// Maps `path`; nil when it cannot be mapped this way (the caller then reads it otherwise, and
    /// reports any error as it always has).
    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        pageSize = max(1, Int(sysconf(Int32(_SC_PAGESIZE))))
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }

    /// Gives back the pages wholly inside `range` (byte offsets into the file).
    func release(_ range: Range<Int>) {
        guard let base = bytes.baseAddress else { return }
        let lower = (max(0, range.lowerBound) + pageSize - 1) / pageSize * pageSize
        let upper = range.upperBound >= bytes.count ? (bytes.count + pageSize - 1) / pageSize * pageSize
                                                    : range.upperBound / pageSize * pageSize
        guard upper > lower else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lower), upper - lower, MADV_DONTNEED)
    }
}
