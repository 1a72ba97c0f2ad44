import CZlib
import Foundation

/// Inflates a gzip file (RFC 1952) with zlib (Debian zlib1g-dev), reading it in 256 KiB chunks
/// so the compressed file is never held in memory whole; the decompressed bytes are returned for
/// `CSVReader`, whose lines and columns are those of the decompressed text. Concatenated gzip
/// members (as `cat a.gz b.gz` makes) are read one after the other, as `gunzip` does. Every
/// member's CRC-32 and length are checked by zlib.
public enum GzipInflater {
    /// The decompressed bytes of the gzip file at `path`.
    ///
    /// - Throws: `CohortDataError.unreadable` when the file cannot be opened or read;
    ///   `.corruptCompressedFile` when it is not gzip, is damaged (a checksum fails), or ends
    ///   before its last member does (a truncated download or copy).
    public static func inflate(path: String) throws -> [UInt8] {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw CohortDataError.unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        defer { try? handle.close() }
        var stream = z_stream()
        guard cf_inflate_init_gzip(&stream) == Z_OK else {
            throw CohortDataError.corruptCompressedFile(file: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var window = [UInt8](repeating: 0, count: 1 << 18)
        var compressedRead = 0
        var inMember = false   // between a member's first byte and its end
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 18) ?? Data()
            } catch {
                throw CohortDataError.unreadable(file: path, reason: (error as NSError).localizedDescription)
            }
            if chunk.isEmpty { break }
            compressedRead += chunk.count
            try chunk.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress!)
                stream.avail_in = uInt(input.count)
                while stream.avail_in > 0 {
                    inMember = true
                    let status = window.withUnsafeMutableBufferPointer { out -> Int32 in
                        stream.next_out = out.baseAddress
                        stream.avail_out = uInt(out.count)
                        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                        output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
                        return status
                    }
                    switch status {
                    case Z_OK, Z_BUF_ERROR:
                        continue
                    case Z_STREAM_END:
                        // Another member may follow.
                        inMember = false
                        guard inflateReset(&stream) == Z_OK else {
                            throw CohortDataError.corruptCompressedFile(file: path, reason: "zlib could not restart")
                        }
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        let at = compressedRead - Int(stream.avail_in)
                        throw CohortDataError.corruptCompressedFile(
                            file: path, reason: "the gzip data is damaged near compressed byte \(at) (\(message))")
                    }
                }
            }
        }
        if compressedRead == 0 {
            throw CohortDataError.corruptCompressedFile(file: path, reason: "the file is empty, not gzip data")
        }
        if inMember {
            throw CohortDataError.corruptCompressedFile(
                file: path, reason: "the gzip data ends early, after \(compressedRead) compressed bytes and \(output.count) decompressed (a truncated copy)")
        }
        return output
    }
}
