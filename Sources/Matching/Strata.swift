import Columns
import RArithmetic

/// Stratification: units grouped into subclasses (exact cells, coarsened cells or propensity-score
/// subclasses) and the weights that make each subclass's comparison group stand in for its focal
/// group. Shared by MatchIt 4.7's `exact`, `cem` and `subclass` methods. (Module convention: a
/// procedure is a static function on a caseless enum named for what it computes.)
public enum Strata {
    /// Subclasses of units with equal keys, kept only where both groups occur, numbered as MatchIt
    /// 4.7 numbers them (`matchit2exact.R`, `cem_matchit`: `match(xx, Reduce(intersect, ...))`):
    ///
    /// 1. the *first group* is the treatment group of the first unit (R's `unique(treat)` order);
    /// 2. the keys of the first group's units, in order of first appearance among those units, that
    ///    also occur in the other group, are numbered 1, 2, ...;
    /// 3. every unit whose key is numbered gets that subclass; the rest get `nil` (unmatched).
    ///
    /// - Parameters:
    ///   - keys: one key per unit (the unit's values of the matching variables).
    ///   - treated: treatment indicator per unit.
    public static func exactSubclasses<Key: Hashable>(keys: [Key], treated: [Bool]) -> [Int?] {
        guard let firstGroup = treated.first else { return [] }
        var inOther = Set<Key>()
        for i in keys.indices where treated[i] != firstGroup { inOther.insert(keys[i]) }
        var number: [Key: Int] = [:]
        for i in keys.indices where treated[i] == firstGroup && number[keys[i]] == nil && inOther.contains(keys[i]) {
            number[keys[i]] = number.count + 1
        }
        return keys.map { number[$0] }
    }

    /// Subclass weights before normalisation, as MatchIt 4.7's `get_weights_from_subclass`:
    /// with `t(s)`, `c(s)` the numbers of treated and control units in subclass `s`,
    /// - ATT: treated 1, control `t(s)/c(s)`;
    /// - ATC: treated `c(s)/t(s)`, control 1;
    /// - ATE: treated `1 + c(s)/t(s)`, control `1 + t(s)/c(s)` (computed as R does, so the bits agree).
    /// Units without a subclass weigh 0.
    /// - Throws: `StrataError.noMatchedUnits` when either group has no unit in a subclass.
    public static func subclassWeights(subclass: [Int?], treated: [Bool], estimand: Estimand) throws(StrataError) -> [Double] {
        var treatedCount: [Int: Int] = [:], controlCount: [Int: Int] = [:]
        for (i, s) in subclass.enumerated() {
            guard let s else { continue }
            if treated[i] { treatedCount[s, default: 0] += 1 } else { controlCount[s, default: 0] += 1 }
        }
        if treatedCount.isEmpty || controlCount.isEmpty {
            throw .noMatchedUnits(group: treatedCount.isEmpty && controlCount.isEmpty ? nil
                                  : treatedCount.isEmpty ? "treated" : "control")
        }
        return subclass.indices.map { i in
            guard let s = subclass[i] else { return 0 }
            let t = Double(treatedCount[s] ?? 0), c = Double(controlCount[s] ?? 0)
            switch estimand {
            case .att: return treated[i] ? 1 : t / c
            case .atc: return treated[i] ? c / t : 1
            case .ate: return treated[i] ? 1 + c / t : 1 + t / c
            }
        }
    }

    /// MatchIt's `normalize = TRUE` (`.make_sum_to_n`): within each treatment group, the positive
    /// weights `w` become `m * w / sum(w)` (m = their number, the sum as R's `sum`), so they
    /// average 1.
    public static func normalized(_ weights: [Double], treated: [Bool]) -> [Double] {
        normalizedWithinGroups(weights, treated: treated)
    }

    /// The result of a stratification method: weights from the subclasses, no matched pairs.
    /// - Parameters:
    ///   - subclass: subclass per unit (1-based; `nil` = unmatched).
    ///   - specification: recorded in the result (`MatchResult` carries one for every method).
    public static func result(
        subclass: [Int?], treated: [Bool], distance: [Double], discarded: [Bool], estimand: Estimand,
        specification: NearestNeighborSpecification, warnings: [String] = []
    ) throws(StrataError) -> MatchResult {
        let raw = try subclassWeights(subclass: subclass, treated: treated, estimand: estimand)
        return MatchResult(
            specification: specification, order: .data, caliperWidth: nil, distance: distance, discarded: discarded,
            focalUnits: [], matches: [], weights: normalized(raw, treated: treated), subclass: SubclassNumbers(subclass),
            warnings: warnings, weightBasis: .subclassCounts, treated: treated)
    }
}

/// Why a stratification could not be made.
public enum StrataError: Error, Equatable, CustomStringConvertible {
    /// No subclass holds units of both groups (`group` names the group with none, or nil for both).
    case noMatchedUnits(group: String?)
    /// Subclassification with `min_n` needs `minN` units of each group in each of `subclasses` subclasses.
    case tooFewForMinimum(group: String, count: Int, subclasses: Int, minN: Int)
    /// A `grouping` or `cutpoints` entry names a variable that cannot take it.
    case badVariable(setting: String, variable: String, problem: String)

    public var description: String {
        switch self {
        case .noMatchedUnits(let group):
            return "no \(group.map { $0 + " " } ?? "")units were matched; coarsen the variables further or match on fewer variables."
        case .tooFewForMinimum(let group, let count, let subclasses, let minN):
            return "there are \(count) \(group) units, too few to put \(minN) in each of \(subclasses) subclasses; lower min_n or subclass."
        case .badVariable(let setting, let variable, let problem):
            return "matching setting \(setting) names '\(variable)', which \(problem)."
        }
    }
}
