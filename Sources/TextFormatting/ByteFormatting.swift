/// The byte forms of `String(n)` and `csvField(_:)`, appended straight to a byte buffer: files
/// with a line per input row (`matches.csv`) are built this way, without a `String` per cell.
/// Each function appends exactly the UTF-8 bytes of its `String` counterpart.

// MARK: - Bytes

/// Appends the decimal digits of `value` (with `-` when negative), as `String(value)` writes them.
public func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
    if value >= 0, value < 10 { out.append(0x30 + UInt8(truncatingIfNeeded: value)); return }
    if value < 0 { out.append(0x2D) }
    // Digits from the last, into a buffer on the stack, then appended at once.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        var magnitude = value.magnitude
        var first = 20
        repeat {
            first -= 1
            digits[first] = 0x30 + UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first..<20]))
    }
}

/// Appends `x` as `x.description` writes it (Swift's shortest form that reads back as the same
/// double), without forming a `String`: `Double.write(to:)` formats into a buffer on the stack and
/// hands the ASCII bytes to the stream's `_writeASCII`, which this stream appends directly. (A
/// `description` longer than 15 bytes, as most non-integral doubles are, is a heap-allocated
/// string.) Any text that reached `write(_:)` instead would be appended as its UTF-8 bytes, so the
/// bytes are the same either way. Infinities and NaNs are written from `description`.
public func appendShortest(_ x: Double, to out: inout [UInt8]) {
    // `write(to:)` spells a NaN with its sign and payload ("-snan(0x...)"); `description` does not.
    guard x.isFinite else { out.append(contentsOf: x.description.utf8); return }
    var sink = ByteSink()
    swap(&sink.bytes, &out)
    x.write(to: &sink)
    swap(&sink.bytes, &out)
}

/// A text stream that appends to a byte buffer.
struct ByteSink: TextOutputStream {
    var bytes: [UInt8] = []

    mutating func write(_ string: String) {
        var text = string
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}

/// Appends `value` in decimal, as `String(value)` writes it.
@inline(__always)
public func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    appendDecimal(Int64(value), to: &out)
}

/// Appends `s` as `csvField(s)` writes it: quoted (RFC 4180) when it holds a comma, a double quote
/// or a line break, with double quotes inside doubled.
public func appendCSVField(_ s: String, to out: inout [UInt8]) {
    var text = s
    text.withUTF8 { bytes in
        guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(0x22)
        for b in bytes {
            out.append(b)
            if b == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
    }
}
