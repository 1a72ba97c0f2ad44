/// A reproducible random stream: xoshiro256** seeded through SplitMix64 from a seed and a stream
/// number, so that independent work units (chunks of rows, bootstrap replicates) draw from
/// independent streams and results never depend on how work is split across threads.
///
/// All variates are computed with `DeterministicMath`, so a stream yields the same numbers on
/// every machine.
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The stream numbered `stream` of the family `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ 0x5851_F42D_4C95_7F2D
        func next() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// A stream starting from an explicit state (not all zero), for checking against reference outputs.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state.0 | state.1 | state.2 | state.3 != 0, "xoshiro256** needs a non-zero state")
        (s0, s1, s2, s3) = state
    }

    /// Next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform on [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform on (0, 1): never exactly 0 (safe for logarithms).
    public mutating func uniformPositive() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// Bernoulli(p).
    public mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// Uniform integer in 0..<n (Lemire's unbiased multiply-shift).
    public mutating func integer(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Standard normal by Marsaglia's polar method.
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * DeterministicMath.log(s) / s).squareRoot()
            }
        }
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 by the boost
    /// Gamma(a) = Gamma(a + 1) U^(1/a).
    public mutating func gamma(shape a: Double) -> Double {
        precondition(a > 0)
        if a < 1 {
            let g = gamma(shape: a + 1)
            return g * DeterministicMath.exp(DeterministicMath.log(uniformPositive()) / a)
        }
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniformPositive()
            if u < 1 - 0.0331 * (x * x) * (x * x) { return d * v }
            if DeterministicMath.log(u) < 0.5 * x * x + d * (1 - v + DeterministicMath.log(v)) { return d * v }
        }
    }

    /// Poisson(lambda) by inversion (sequential search from 0); large means are split into parts
    /// of at most 30 so that e^-lambda never underflows.
    public mutating func poisson(_ lambda: Double) -> Int {
        precondition(lambda >= 0 && lambda.isFinite)
        if lambda == 0 { return 0 }
        var remaining = lambda
        var total = 0
        while remaining > 0 {
            let part = min(remaining, 30)
            remaining -= part
            var k = 0
            var p = DeterministicMath.exp(-part)
            var cumulative = p
            let u = uniform()
            while u > cumulative {
                k += 1
                p *= part / Double(k)
                cumulative += p
                if p < 1e-300 && cumulative < u { break }
            }
            total += k
        }
        return total
    }

    /// Negative binomial with mean `mean` and size (dispersion) `size`: Poisson with a
    /// Gamma(size, mean/size) rate, so Var = mean + mean^2 / size.
    public mutating func negativeBinomial(mean: Double, size: Double) -> Int {
        poisson(gamma(shape: size) * mean / size)
    }

    /// An index drawn with the given cumulative probabilities (last entry 1).
    public mutating func categorical(cumulative: [Double]) -> Int {
        let u = uniform()
        for (k, c) in cumulative.enumerated() where u < c { return k }
        return cumulative.count - 1
    }
}
