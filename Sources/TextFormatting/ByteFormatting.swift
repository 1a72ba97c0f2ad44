/// The byte forms of `String(n)`, `x.description` and `csvField(_:)`, written straight into a byte
/// buffer: files with a line per input row (`matches.csv`) are built this way, without a `String`
/// per cell. Each method writes exactly the UTF-8 bytes of its `String` counterpart.

// MARK: - Bytes

/// Bytes a `ByteWriter` wrote, in its own buffer (released with the last reference): a chunk of a
/// large file handed from the thread that formatted it to the one that writes it, without copying.
public final class WrittenBytes: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt8>
    /// Bytes written.
    public let count: Int

    fileprivate init(base: UnsafeMutablePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { base.deallocate() }

    /// Calls `body` with the bytes (valid only during the call).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

/// A growable byte buffer written through a pointer. Appending to an `[UInt8]` checks that the
/// array is uniquely referenced on every call, and appending another array retains it (an atomic
/// increment, contended when several threads format lines at once); a line of matches.csv made
/// about a dozen such calls. Here a write is a capacity check and a store.
///
/// The buffer is owned by the writer and is released once, by `takeWritten()` (which hands the
/// buffer over with what was written) or `free()`, either of which ends the writer. Copies of a writer would share the
/// buffer, so a writer is one local variable, passed `inout`.
public struct ByteWriter: TextOutputStream {
    // Visible to the inlinable writers below, so that another module's formatting loop (matches.csv
    // in Reporting) inlines them instead of calling across the module boundary for every byte.
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    /// Bytes written so far.
    public var count: Int { written }
    @usableFromInline var written = 0

    /// An empty writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 32)
        base = .allocate(capacity: self.capacity)
    }

    /// The bytes written, handed over with the writer's buffer (no copy); the writer ends.
    public consuming func takeWritten() -> WrittenBytes {
        WrittenBytes(base: base, count: written)
    }

    /// Releases the buffer without reading it.
    public consuming func free() {
        base.deallocate()
    }

    /// Room for `extra` more bytes.
    @inlinable @inline(__always)
    mutating func reserve(_ extra: Int) {
        if written + extra > capacity { grow(to: written + extra) }
    }

    @usableFromInline @inline(never)
    mutating func grow(to needed: Int) {
        let larger = max(needed, 2 * capacity)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: written)
        base.deallocate()
        base = moved
        capacity = larger
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        base[written] = byte
        written += 1
    }

    /// Appends `bytes`.
    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + written).initialize(from: start, count: bytes.count)
        written += bytes.count
    }

    /// Appends the UTF-8 bytes of a literal (no reference counting: its bytes are constants).
    @inlinable @inline(__always)
    public mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }

    /// Appends the decimal digits of `value` (with `-` when negative), as `String(value)` writes them.
    @inlinable @inline(__always)
    public mutating func appendDecimal(_ value: Int64) {
        if value >= 0, value < 10 { append(0x30 + UInt8(truncatingIfNeeded: value)); return }
        reserve(20)
        if value < 0 { base[written] = 0x2D; written += 1 }
        var magnitude = value.magnitude, digits = 0
        var rest = magnitude
        repeat { digits += 1; rest /= 10 } while rest > 0
        // Digits from the last, in place.
        var at = written + digits
        repeat {
            at -= 1
            base[at] = 0x30 + UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        written += digits
    }

    /// Appends the decimal digits of `value`, as `String(value)` writes them.
    @inlinable @inline(__always)
    public mutating func appendDecimal(_ value: Int) {
        appendDecimal(Int64(value))
    }

    /// Appends `x` as `x.description` writes it (Swift's shortest form that reads back as the same
    /// double), without forming a `String`: `Double.write(to:)` formats into a buffer on the stack
    /// and hands the ASCII bytes to the stream's `_writeASCII`, which this writer copies. (A
    /// `description` longer than 15 bytes, as most non-integral doubles are, is a heap-allocated
    /// string.) Infinities and NaNs are written from `description`, since `write(to:)` spells a NaN
    /// with its sign and payload ("-snan(0x...)") and `description` does not.
    public mutating func appendShortest(_ x: Double) {
        guard x.isFinite else { write(x.description); return }
        x.write(to: &self)
    }

    /// Appends `s` as `csvField(s)` writes it: quoted (RFC 4180) when it holds a comma, a double
    /// quote or a line break, with double quotes inside doubled.
    public mutating func appendCSVField(_ s: String) {
        var text = s
        text.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
                append(bytes)
                return
            }
            append(0x22)
            for b in bytes {
                append(b)
                if b == 0x22 { append(0x22) }
            }
            append(0x22)
        }
    }

    /// `TextOutputStream`: appends the string's UTF-8 bytes.
    public mutating func write(_ string: String) {
        var text = string
        text.withUTF8 { append($0) }
    }

    /// The standard library's fast path for ASCII output (`Double.write(to:)` uses it).
    @inlinable
    public mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        append(buffer)
    }
}
