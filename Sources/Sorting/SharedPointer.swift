import HugePages

/// A pointer shared by the pieces of a parallel pass, each of which reads or writes its own elements.
struct SharedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
    /// Fresh storage for `capacity` elements (advised for huge pages when large); the caller frees it.
    init(capacity: Int) {
        pointer = .allocate(capacity: max(capacity, 1))
        HugePages.advise(pointer, count: capacity)
    }
}
