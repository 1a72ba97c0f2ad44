/// A matched sample laid out as MatchIt's `get_matches()` lays it out: one row per unit per
/// matched set it belongs to.
///
/// After matching with replacement a control can sit in several matched sets, so "the matched
/// set of a unit" is not defined and `MatchedSample` (one row per unit with its total weight, as
/// `match.data()`) cannot carry the set structure. MatchIt's guidance for this case (vignette
/// "Estimating Effects After Matching", matching with replacement) is to expand the sample with
/// `get_matches()` and cluster the standard errors by matched set and by unit:
/// `lm(y ~ treat, data = gm, weights = weights)` with
/// `sandwich::vcovCL(fit, cluster = ~subclass + id)`. This type is that expanded sample, built
/// from the match matrix (`Matching.MatchResult.focalUnits` / `.matches`):
///
/// - Sets are the focal units that received at least one match, numbered `0, 1, …` in the order
///   of `focalUnits` (MatchIt's `subclass`, which is 1-based and numbers the match matrix's
///   matched rows in order).
/// - Set `s` contributes a row for its focal unit with weight 1, then a row for each of its `k`
///   matches, in match order, with weight `1/k` (`get_matches()`: "for control units, … equal to
///   the inverse of the number of control units in each control unit's subclass; treated units
///   get a weight of 1"; with the ATC the roles are swapped). The weights are not normalised, as
///   in `get_matches()`.
/// - `unit[r]` is the unit's index in the input arrays (MatchIt's `id`).
///
/// `get_matches()` sorts rows by subclass and then treated first; the order of rows only changes
/// the order of sums, never a result beyond rounding.
///
/// The weighted means of the two arms are those of the one-row-per-unit sample: a unit's rows
/// add up to its un-normalised matching weight (1 for a focal unit, `Σ 1/k` over its sets for a
/// match), and MatchIt's normalisation scales each arm by a constant.
public struct MatchedSetRows: Sendable {
    /// Outcome of the row's unit.
    public let outcome: [Double]
    /// Arm of the row's unit.
    public let treated: [Bool]
    /// `get_matches()` weight: 1 for the focal unit, `1/k` for each of the set's `k` matches.
    public let weights: [Double]
    /// Matched set of the row, `0..<setCount`.
    public let set: [Int]
    /// The row's unit: its index in the input arrays.
    public let unit: [Int]
    /// Number of matched sets (focal units with at least one match).
    public let setCount: Int
    /// Number of distinct units in the rows.
    public let unitCount: Int

    /// Expands a match into `get_matches()` rows.
    /// - Parameters:
    ///   - outcome: outcome of every unit of the matching (indexed like `treated`).
    ///   - treated: arm of every unit.
    ///   - focalUnits: index of each focal unit (`MatchResult.focalUnits`).
    ///   - matches: the matches of each focal unit in the order they were made
    ///     (`MatchResult.matches`; empty for an unmatched focal unit).
    /// - Throws: `lengthMismatch`; `invalidArgument` for an index out of range, a match in the
    ///   focal unit's own arm, a unit listed twice in one set, or no matched set at all;
    ///   `nonFiniteValue` for the outcome of a unit in a set.
    public init(outcome: [Double], treated: [Bool], focalUnits: [Int], matches: [[Int]]) throws {
        let n = outcome.count
        guard treated.count == n else { throw OutcomesError.lengthMismatch("\(n) outcomes, \(treated.count) treatment flags") }
        guard focalUnits.count == matches.count else {
            throw OutcomesError.lengthMismatch("\(focalUnits.count) focal units, \(matches.count) lists of matches")
        }
        var y: [Double] = [], t: [Bool] = [], w: [Double] = [], s: [Int] = [], u: [Int] = []
        var seen = Set<Int>()
        var sets = 0
        for (focal, found) in zip(focalUnits, matches) where !found.isEmpty {
            guard focal >= 0, focal < n else { throw OutcomesError.invalidArgument("focal unit \(focal) is not a unit index") }
            var members = Set([focal])
            let share = 1 / Double(found.count)
            for (unit, weight) in [(focal, 1.0)] + found.map({ ($0, share) }) {
                guard unit >= 0, unit < n else { throw OutcomesError.invalidArgument("matched unit \(unit) is not a unit index") }
                if unit != focal {
                    guard treated[unit] != treated[focal] else {
                        throw OutcomesError.invalidArgument("unit \(unit) is matched to focal unit \(focal) of its own arm")
                    }
                    guard members.insert(unit).inserted else {
                        throw OutcomesError.invalidArgument("unit \(unit) is listed twice in the matched set of focal unit \(focal)")
                    }
                }
                guard outcome[unit].isFinite else { throw OutcomesError.nonFiniteValue(name: "outcome", unit: unit) }
                y.append(outcome[unit]); t.append(treated[unit]); w.append(weight); s.append(sets); u.append(unit)
                seen.insert(unit)
            }
            sets += 1
        }
        guard sets > 0 else { throw OutcomesError.invalidArgument("no focal unit has a match, so there is no matched set") }
        self.outcome = y
        self.treated = t
        self.weights = w
        self.set = s
        self.unit = u
        setCount = sets
        unitCount = seen.count
    }

    /// Number of rows.
    public var count: Int { outcome.count }

    /// Whether some unit belongs to more than one matched set (controls reused).
    public var reusesUnits: Bool { unitCount < count }

    /// The rows as a `MatchedSample` clustered by matched set (weights as `get_matches()`): the
    /// data of `lm(y ~ treat, data = gm, weights = weights)`.
    func sample() throws -> MatchedSample {
        try MatchedSample(outcome: outcome, treated: treated, weights: weights, cluster: set)
    }
}
