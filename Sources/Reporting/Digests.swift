import Crypto

/// SHA-256 of bytes already in memory, as lowercase hex: the text `sha256(ofFile:)` gives for a
/// file holding exactly these bytes. Lets a command record the digest of a file it has just read or
/// written without reading the file again.
public func sha256(of bytes: UnsafeRawBufferPointer) -> String {
    var stream = SHA256Stream()
    stream.update(bytes)
    return stream.hexDigest()
}

/// SHA-256 of bytes given piece by piece (for example the chunks of a file as they are written),
/// in the form `sha256(ofFile:)` gives.
public struct SHA256Stream: Sendable {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) } }

    /// The digest of everything given so far, as 64 lowercase hex digits.
    public func hexDigest() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for b in hasher.finalize() {
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
