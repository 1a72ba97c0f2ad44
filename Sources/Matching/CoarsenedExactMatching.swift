import Foundation
import RArithmetic

/// A matching variable as exact and coarsened exact matching see it.
public struct StratumVariable: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        /// Numbers (coarsened by CEM unless grouped or told otherwise).
        case numeric([Double])
        /// Categories (never cut): a code per unit indexing `levels`.
        case categorical(codes: [Int], levels: [String])
    }
    public var name: String
    public var values: Values

    public init(name: String, values: Values) {
        self.name = name
        self.values = values
    }
}

/// How CEM bins one numeric variable (MatchIt 4.7's `cutpoints` entry).
public enum Cutpoints: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Sturges' rule: `ceiling(log2(n) + 1)` equal-width bins (MatchIt's default).
    case sturges
    /// Scott's rule: bin width `3.5 sd(x) n^(-1/3)`, `max(1, ceiling(range / width))` bins.
    case scott
    /// Freedman-Diaconis: bin width `2 IQR(signif(x, 5))` (or a wider quantile range when that is
    /// 0, then `3.5 sd(x)`), `ceiling(range / width * n^(1/3))` bins.
    case freedmanDiaconis
    /// A number of equal-width bins: 0 = match on the exact values, 1 = do not match on the variable.
    case bins(Int)
    /// `q` bins of about equal counts (MatchIt's `"q<q>"`): cut at the type-7 quantiles at
    /// `seq(1/q, 1 - 1/q, by = 1/q)`.
    case quantiles(Int)
    /// Cut points separating the bins (sorted, duplicates dropped; the outer bins are unbounded).
    case points([Double])

    public var description: String {
        switch self {
        case .sturges: return "sturges"
        case .scott: return "scott"
        case .freedmanDiaconis: return "fd"
        case .bins(let k): return String(k)
        case .quantiles(let q): return "q\(q)"
        case .points(let p): return "[" + p.map { formatCutpoint($0) }.joined(separator: ", ") + "]"
        }
    }
}

private func formatCutpoint(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
}

/// Exact and coarsened exact matching, as MatchIt 4.7's `method = "exact"` (`matchit2exact.R`) and
/// its own `method = "cem"` implementation (`cem_matchit` in `matchit2cem.R`).
///
/// CEM:
/// 1. `grouping`: the listed values of a variable are merged (each into the first value of its
///    group) and the variable is then matched exactly, never cut;
/// 2. every other numeric variable is cut: its bin count comes from `cutpoints` (Sturges by default;
///    Scott, Freedman-Diaconis or a number), the breaks are
///    `seq(min, max, length.out = bins + 1)` with the outer two replaced by -inf and +inf, or the
///    given cut points between -inf and +inf; the bin is `findInterval(x, breaks)`. Cutpoints 0
///    keeps the exact values, 1 drops the variable;
/// 3. categorical variables are matched on their values;
/// 4. units are then stratified exactly on the coarsened values (`Strata.exactSubclasses`).
///
/// Exact matching is step 4 on the variables' own values. Numbers are compared as numbers (MatchIt
/// compares them after `format()` to 7 significant digits, which differs only for values equal to
/// 7 digits but not exactly).
public enum CoarsenedExactMatching {
    /// Exact subclasses on the variables' values.
    public static func exactSubclasses(variables: [StratumVariable], treated: [Bool]) -> [Int?] {
        Strata.exactSubclasses(keys: keys(variables.map { codes(of: $0.values) }, count: treated.count), treated: treated)
    }

    /// Coarsened exact subclasses.
    /// - Parameters:
    ///   - cutpoints: per numeric variable name; variables not named take `defaultCutpoints`.
    ///   - grouping: per variable name, groups of values (as text for categorical variables, as
    ///     numbers written as text for numeric ones) to merge.
    public static func subclasses(
        variables: [StratumVariable], treated: [Bool], cutpoints: [String: Cutpoints], defaultCutpoints: Cutpoints = .sturges,
        grouping: [String: [[String]]]
    ) throws(StrataError) -> [Int?] {
        let names = Set(variables.map(\.name))
        for name in cutpoints.keys.sorted() where !names.contains(name) {
            throw .badVariable(setting: "cutpoints", variable: name, problem: "is not a matching variable")
        }
        for name in grouping.keys.sorted() where !names.contains(name) {
            throw .badVariable(setting: "grouping", variable: name, problem: "is not a matching variable")
        }
        var columns: [[Int]] = []
        for variable in variables {
            if let groups = grouping[variable.name] {
                if cutpoints[variable.name] != nil {
                    throw .badVariable(setting: "cutpoints", variable: variable.name, problem: "is also named in grouping")
                }
                columns.append(try grouped(variable, groups: groups))
                continue
            }
            switch variable.values {
            case .categorical(let codes, _):
                if cutpoints[variable.name] != nil {
                    throw .badVariable(setting: "cutpoints", variable: variable.name, problem: "is not numeric (use grouping)")
                }
                columns.append(codes)
            case .numeric(let x):
                let rule = cutpoints[variable.name] ?? defaultCutpoints
                if case .bins(1) = rule { continue }
                if case .bins(0) = rule {
                    columns.append(codes(of: variable.values))
                    continue
                }
                let b = breaks(x, rule: rule)
                columns.append(x.map { rFindInterval($0, breaks: b) })
            }
        }
        if columns.isEmpty { return Array(repeating: 1, count: treated.count) }
        return Strata.exactSubclasses(keys: keys(columns, count: treated.count), treated: treated)
    }

    /// The breaks of one numeric variable, -inf and +inf at the ends.
    public static func breaks(_ x: [Double], rule: Cutpoints) -> [Double] {
        let bins: Int
        switch rule {
        case .points(let p):
            return [-.infinity] + Set(p).sorted() + [.infinity]
        case .quantiles(let q):
            let step = 1 / Double(q)
            let cuts = rQuantiles(x, probabilities: rSequence(from: step, to: 1 - step, by: step))
            return [-.infinity] + Set(cuts).sorted() + [.infinity]
        case .bins(let k): bins = k
        case .sturges: bins = Int((log2(Double(x.count)) + 1).rounded(.up))
        case .scott: bins = scottBins(x)
        case .freedmanDiaconis: bins = freedmanDiaconisBins(x)
        }
        var b = rSequence(from: x.min()!, to: x.max()!, count: bins + 1)
        b[0] = -.infinity
        b[bins] = .infinity
        return b
    }

    /// `nclass.scott`: `h = 3.5 * sqrt(var(x)) * n^(-1/3)`; `max(1, ceiling(range / h))`, or 1 when `h = 0`.
    static func scottBins(_ x: [Double]) -> Int {
        let h = 3.5 * rVariance(x).squareRoot() * pow(Double(x.count), -1.0 / 3.0)
        guard h > 0 else { return 1 }
        return max(1, Int(((x.max()! - x.min()!) / h).rounded(.up)))
    }

    /// `nclass.FD` (R 4.2): `h = 2 IQR(signif(x, 5))`; while `h = 0`, the range between the `a` and
    /// `1 - a` quantiles over `1 - 2a` for `a = 1/8, 1/16, ..., 1/512`; then `3.5 sd(x)`;
    /// `ceiling(range / h * n^(1/3))`, or 1 when `h = 0`.
    static func freedmanDiaconisBins(_ x: [Double]) -> Int {
        let rounded = x.map { rSignif($0, digits: 5) }
        let quartiles = rQuantiles(rounded, probabilities: [0.25, 0.75])
        var h = 2 * (quartiles[1] - quartiles[0])
        if h == 0 {
            var a = 0.25
            while h == 0 {
                a /= 2
                guard a >= 1.0 / 512 else { break }
                let q = rQuantiles(rounded, probabilities: [a, 1 - a])
                h = (q[1] - q[0]) / (1 - 2 * a)
            }
        }
        if h == 0 { h = 3.5 * rVariance(x).squareRoot() }
        guard h > 0 else { return 1 }
        return Int(((x.max()! - x.min()!) / h * pow(Double(x.count), 1.0 / 3.0)).rounded(.up))
    }

    /// Codes after merging each group of values into its first value.
    static func grouped(_ variable: StratumVariable, groups: [[String]]) throws(StrataError) -> [Int] {
        var seen = Set<String>()
        for value in groups.joined() where !seen.insert(value).inserted {
            throw .badVariable(setting: "grouping", variable: variable.name, problem: "lists the value '\(value)' twice")
        }
        switch variable.values {
        case .categorical(let codes, let levels):
            var target = Array(levels.indices)
            for (g, group) in groups.enumerated() {
                guard let first = group.first else { continue }
                let head = levels.firstIndex(of: first) ?? levels.count + g
                for (k, level) in levels.enumerated() where group.contains(level) { target[k] = head }
            }
            return codes.map { target[$0] }
        case .numeric(let x):
            var merged: [Double: Double] = [:]
            for group in groups {
                let numbers = try group.map { text throws(StrataError) -> Double in
                    guard let v = Double(text), v.isFinite else {
                        throw .badVariable(setting: "grouping", variable: variable.name,
                                           problem: "is numeric, but '\(text)' is not a number")
                    }
                    return v
                }
                guard let first = numbers.first else { continue }
                for v in numbers { merged[v] = first }
            }
            return codes(of: .numeric(x.map { merged[$0] ?? $0 }))
        }
    }

    /// A code per unit: categorical codes as they are, numbers by distinct value.
    static func codes(of values: StratumVariable.Values) -> [Int] {
        switch values {
        case .categorical(let codes, _): return codes
        case .numeric(let x):
            var code: [Double: Int] = [:]
            return x.map { v in
                if let c = code[v] { return c }
                code[v] = code.count
                return code.count - 1
            }
        }
    }

    /// One key per unit: its codes across the variables.
    static func keys(_ columns: [[Int]], count: Int) -> [[Int]] {
        (0..<count).map { i in columns.map { $0[i] } }
    }
}

/// MatchIt's `cutpoints` argument: one rule for every numeric variable, or one per variable
/// (variables not named take Sturges).
public enum CutpointsChoice: Sendable, Codable, Equatable {
    case all(Cutpoints)
    case byVariable([String: Cutpoints])

    /// The rule for each named variable, and the rule for the rest.
    public var resolved: (byVariable: [String: Cutpoints], others: Cutpoints) {
        switch self {
        case .all(let rule): return ([:], rule)
        case .byVariable(let rules): return (rules, .sturges)
        }
    }
}

extension Cutpoints {
    /// Reads a rule written as text: `sturges`, `scott`, `fd`, a whole number of bins, or cut
    /// points separated by commas (`0,5000,10000`). `nil` when it is none of these.
    public init?(text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case "sturges": self = .sturges
        case "scott": self = .scott
        case "fd": self = .freedmanDiaconis
        default:
            if t.hasPrefix("q") || t.hasPrefix("Q"), let q = Int(t.dropFirst()) {
                self = .quantiles(q)
            } else if t.contains(",") {
                let parts = t.split(separator: ",", omittingEmptySubsequences: false)
                    .map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.allSatisfy({ $0?.isFinite == true }) else { return nil }
                self = .points(parts.map { $0! })
            } else if let k = Int(t) {
                self = .bins(k)
            } else {
                return nil
            }
        }
    }
}
