import CGMP

/// A rational number held exactly: an arbitrary-precision numerator over a positive denominator in
/// lowest terms (GNU MP's `mpq_t`, Debian libgmp-dev).
///
/// Payment decisions compare reductions with thresholds and multiply prices by events avoided; in
/// binary floating point `1 - 1395/1550` is `0.09999999999999998`, just short of a 10% trigger.
/// Held as rationals, event totals, matching weights (`1/k` per matched set), reductions and
/// thresholds are exact, and a reduction equal to its threshold meets it.
///
/// **Value semantics and memory.** Each value owns one `mpq_t` in a reference-counted buffer that is
/// written only while the value is being made and freed (`mpq_clear`) when the last copy goes;
/// operations never modify an operand, they make a new value. So copies share storage safely and
/// values may cross threads (`Sendable`).
///
/// **Cost.** Every operation allocates (the buffer and GMP's two limb arrays). That is negligible
/// in an evaluation; the design simulation makes a few dozen values per simulated contract.
public struct ExactRational: @unchecked Sendable {
    // Safety (`@unchecked Sendable`; `ManagedBuffer` is not `Sendable`): the mpq_t is written only
    // inside `ExactRational.make`, before the storage is shared, and only read afterwards; nothing
    // mutates it once the value exists, and reference counting of the buffer is atomic.

    /// The `mpq_t`, tail-allocated so that its address is stable for the buffer's lifetime.
    final class Storage: ManagedBuffer<Void, __mpq_struct> {
        deinit {
            withUnsafeMutablePointerToElements { cf_mpq_clear($0) }
        }
    }

    let storage: Storage

    /// Makes a value: `body` receives an initialised `mpq_t` (zero) and sets it.
    @inline(__always)
    static func make(_ body: (UnsafeMutablePointer<__mpq_struct>) -> Void) -> ExactRational {
        let storage = unsafeDowncast(Storage.create(minimumCapacity: 1) { _ in }, to: Storage.self)
        storage.withUnsafeMutablePointerToElements { q in
            cf_mpq_init(q)
            body(q)
        }
        return ExactRational(storage: storage)
    }

    private init(storage: Storage) {
        self.storage = storage
    }

    /// Read access to the `mpq_t`.
    @inline(__always)
    func withPointer<R>(_ body: (UnsafePointer<__mpq_struct>) -> R) -> R {
        storage.withUnsafeMutablePointerToElements { body(UnsafePointer($0)) }
    }

    /// The integer `n`.
    public init(_ n: Int) {
        self = Self.make { cf_mpq_set_si($0, n, 1) }
    }

    /// `numerator / denominator`, reduced to lowest terms (any signs).
    /// - Precondition: `denominator != 0`.
    public init(numerator: Int, denominator: Int) {
        precondition(denominator != 0, "a rational number cannot have a zero denominator")
        self = Self.make { cf_mpq_set_fraction($0, numerator, denominator) }
    }

    /// Exactly the value of a finite `Double` (every finite double is a rational with a power-of-two
    /// denominator: `0.1` is 3602879701896397/36028797018963968, not 1/10); nil for NaN and infinities.
    /// To read a decimal the user wrote, use `init?(decimal:)`.
    public init?(exactly value: Double) {
        guard value.isFinite else { return nil }
        self = Self.make { cf_mpq_set_d($0, value) }
    }

    /// Exactly the value of a decimal read from text (`ExactDecimal`): 0.075 is 3/40.
    public init(_ decimal: ExactDecimal) {
        self = Self.make { cf_mpq_set_decimal($0, decimal.digits, decimal.scale) }
    }

    /// Reads a decimal written in text ("0.1", "-7.5e-2", "1500") exactly; nil for anything else.
    public init?(decimal text: String) {
        guard let d = ExactDecimal(text) else { return nil }
        self.init(d)
    }

    /// Reads a `Double` from a plan (TOML floats) as the decimal the user typed: the shortest
    /// decimal that reads back to the same double, so `0.1` is exactly 1/10 (as `Money.init(pounds:)`).
    /// Exact for decimals of up to 15 significant digits; nil for NaN and infinities.
    public init?(decimal value: Double) {
        guard value.isFinite else { return nil }
        self.init(decimal: "\(value)")
    }

    public static let zero = ExactRational(0)
    public static let one = ExactRational(1)

    /// -1, 0 or 1.
    public var signum: Int { Int(withPointer { cf_mpq_sgn($0) }) }

    public var isZero: Bool { signum == 0 }

    /// The numerator and (positive) denominator in lowest terms, when both fit in `Int`.
    public var fraction: (numerator: Int, denominator: Int)? {
        var n = 0, d = 1
        let fits = withPointer { cf_mpq_get_fraction($0, &n, &d) }
        return fits != 0 ? (n, d) : nil
    }

    public static func + (a: ExactRational, b: ExactRational) -> ExactRational {
        a.withPointer { x in b.withPointer { y in make { cf_mpq_add($0, x, y) } } }
    }

    public static func - (a: ExactRational, b: ExactRational) -> ExactRational {
        a.withPointer { x in b.withPointer { y in make { cf_mpq_sub($0, x, y) } } }
    }

    public static func * (a: ExactRational, b: ExactRational) -> ExactRational {
        a.withPointer { x in b.withPointer { y in make { cf_mpq_mul($0, x, y) } } }
    }

    /// - Precondition: `b` is not zero.
    public static func / (a: ExactRational, b: ExactRational) -> ExactRational {
        precondition(!b.isZero, "division of a rational number by zero")
        return a.withPointer { x in b.withPointer { y in make { cf_mpq_div($0, x, y) } } }
    }

    public static prefix func - (a: ExactRational) -> ExactRational {
        a.withPointer { x in make { cf_mpq_neg($0, x) } }
    }

    public static func += (a: inout ExactRational, b: ExactRational) { a = a + b }
    public static func -= (a: inout ExactRational, b: ExactRational) { a = a - b }

    /// The integer this rounds to under `rule`, or nil when it does not fit in `Int`.
    ///
    /// `.down` is the floor, `.up` the ceiling, `.towardZero` truncation, `.awayFromZero` the
    /// opposite; `.toNearestOrAwayFromZero` rounds halves away from zero and `.toNearestOrEven` to
    /// the even neighbour (as `Double.rounded(_:)`), decided exactly.
    public func rounded(_ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int? {
        func integer(_ mode: Int32) -> Int? {
            var out = 0
            return withPointer { cf_mpq_round_to_long($0, mode, &out) } != 0 ? out : nil
        }
        switch rule {
        case .down: return integer(-1)
        case .up: return integer(1)
        case .towardZero: return integer(0)
        case .awayFromZero: return integer(signum >= 0 ? 1 : -1)
        case .toNearestOrAwayFromZero, .toNearestOrEven:
            // x = f + r with f = floor(x) and 0 <= r < 1; compare r with 1/2 exactly.
            guard let f = integer(-1) else { return nil }
            let r = self - ExactRational(f)
            let half = ExactRational(numerator: 1, denominator: 2)
            let up: Bool
            if r < half { up = false }
            else if half < r { up = true }
            else if rule == .toNearestOrEven { up = f % 2 != 0 }
            else { up = signum > 0 }
            if !up { return f }
            let (g, overflow) = f.addingReportingOverflow(1)
            return overflow ? nil : g
        @unknown default:
            return nil
        }
    }
}

extension ExactRational: Equatable, Comparable {
    public static func == (a: ExactRational, b: ExactRational) -> Bool {
        a.withPointer { x in b.withPointer { y in cf_mpq_equal(x, y) != 0 } }
    }

    public static func < (a: ExactRational, b: ExactRational) -> Bool {
        a.withPointer { x in b.withPointer { y in cf_mpq_cmp(x, y) < 0 } }
    }
}

extension ExactRational: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) {
        self.init(value)
    }
}

extension ExactRational: CustomStringConvertible {
    /// "n" for an integer, "n/d" otherwise (lowest terms, base 10).
    public var description: String {
        withPointer { q in
            guard let text = cf_mpq_get_str(q) else { return "?" }
            defer { cf_free_string(text) }
            return String(cString: text)
        }
    }
}

extension Double {
    /// The double nearest to `value` (ties to the even significand): correctly rounded, for display
    /// and for statistics that work in floating point. Decisions use the exact value.
    public init(_ value: ExactRational) {
        // Numerator and denominator exact in doubles: IEEE division is correctly rounded.
        if let (n, d) = value.fraction, n.magnitude <= 1 << 53, d <= 1 << 53 {
            self = Double(n) / Double(d)
            return
        }
        // GMP truncates toward zero; the exact value lies in [t, next) (or (next, t]) with `next`
        // the neighbour away from zero, and is compared exactly with the midpoint.
        let t = value.withPointer { cf_mpq_get_d($0) }
        guard t.isFinite, let exactT = ExactRational(exactly: t) else { self = t; return }
        let positive = value.signum >= 0
        if exactT == value { self = t; return }
        let next = positive ? t.nextUp : t.nextDown
        // |next - t| = t.ulp for a truncated t (also at binade boundaries and at zero).
        let halfUlp = ExactRational(exactly: t.ulp)! / ExactRational(2)
        let midpoint = positive ? exactT + halfUlp : exactT - halfUlp
        if value == midpoint {
            self = t.significandBitPattern & 1 == 0 ? t : next
        } else {
            self = (positive ? midpoint < value : value < midpoint) ? next : t
        }
    }
}
