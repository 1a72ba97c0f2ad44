/// A dense column-major matrix of `Double`, the storage layout BLAS and LAPACK expect.
///
/// Element `(i, j)` lives at `elements[i + j * rows]`. The type is a small value type; all
/// heavy work is done by the BLAS/LAPACK wrappers in this module.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Column-major elements, `rows * columns` of them.
    public var elements: [Double]

    /// A `rows` x `columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major elements.
    public init(rows: Int, columns: Int, columnMajor elements: [Double]) {
        precondition(elements.count == rows * columns, "expected \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix whose columns are the given arrays (all of equal length).
    public init(columns: [[Double]]) {
        let rows = columns.first?.count ?? 0
        var elements: [Double] = []
        elements.reserveCapacity(rows * columns.count)
        for column in columns {
            precondition(column.count == rows, "all columns must have the same length")
            elements.append(contentsOf: column)
        }
        self.init(rows: rows, columns: columns.count, columnMajor: elements)
    }

    /// The identity matrix of order `n`.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// Element access.
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row + column * rows] }
        set { elements[row + column * rows] = newValue }
    }

    /// The diagonal of a square matrix.
    public var diagonal: [Double] {
        (0..<min(rows, columns)).map { self[$0, $0] }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        Array(elements[(j * rows)..<((j + 1) * rows)])
    }
}

/// Errors from the dense linear algebra routines.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// The matrix is not (numerically) positive definite: the leading minor of this order is not positive.
    case notPositiveDefinite(minor: Int)
    /// An argument was rejected by LAPACK (a programming error).
    case illegalArgument(routine: String, position: Int)
    /// Dimensions do not fit the routine.
    case dimensionMismatch(String)
    /// A dimension exceeds what the 32-bit BLAS/LAPACK interface can address.
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let minor):
            return "matrix is not positive definite (leading minor \(minor) is not positive); the design matrix is rank deficient or the model is separated"
        case .illegalArgument(let routine, let position):
            return "LAPACK \(routine) rejected argument \(position)"
        case .dimensionMismatch(let what):
            return "dimension mismatch: \(what)"
        case .tooLarge(let n):
            return "dimension \(n) exceeds the 32-bit BLAS/LAPACK limit"
        }
    }
}
