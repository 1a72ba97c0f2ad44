/// A pointer shared by the threads of a parallel pass, each of which reads or writes only its own
/// elements (disjoint pieces of an array being filled, sorted or inverted). The caller owns the
/// memory and keeps it alive for the pass.
public struct SharedPointer<T>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    @inlinable public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
