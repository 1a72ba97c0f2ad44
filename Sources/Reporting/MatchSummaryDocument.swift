import Balance
import Propensity

/// `summary.json`, written by `counterfactual match`: the data read, the settings, the propensity
/// model, sample sizes, covariate balance before and after matching, the common-support histogram
/// and matching warnings. Members in declaration order; docs/schemas.md describes each.
public struct MatchSummaryDocument: Codable, Sendable, Equatable {
    public var schemaVersion = SchemaVersion.current
    public var program: ProgramInfo
    public var data: DataRead
    /// The settings, then those the command adds (model tolerance, iteration limit, ...).
    public var settings: WithExtraMembers<Settings>
    /// The propensity model; null when the distance is a column of the data.
    public var propensity: PropensityModel?
    public var counts: SampleSizes
    /// One row per covariate (the distance first), as MatchIt's `summary()`.
    public var balance: [BalanceRow]
    /// Null when no unit has a distance.
    public var commonSupport: DistanceHistogram?
    public var warnings: [String]

    public struct DataRead: Codable, Sendable, Equatable {
        public var file: String
        public var rowsRead: Int
        public var rowsUsed: Int
        public var rowsExcludedMissing: Int
        /// Rows with a missing value, per column (columns in name order).
        public var missingByColumn: NamedValues<Int>
    }

    public struct Settings: Codable, Sendable, Equatable {
        public var treatment: String
        public var covariates: [String]
        public var id: String?
        public var method: String
        /// `glm`, or `column:NAME` for a user-supplied distance.
        public var distance: String
        /// Null for a user-supplied distance.
        public var link: String?
        public var estimand: String
        public var ratio: Int
        public var replace: Bool
        /// Caliper in standard deviations of the distance; null for none.
        public var caliperSd: Double?
        /// The caliper on the distance scale; null for none.
        public var caliperWidth: Double?
        public var order: String
        /// Seed of the random matching order (a decimal string: 64 bits); null unless the order is random.
        public var seed: String?
        public var discard: String
        public var exact: [String]
    }

    public struct PropensityModel: Codable, Sendable, Equatable {
        public var family = "binomial"
        public var link: String
        public var coefficients: NamedValues<Double>
        public var standardErrors: NamedValues<Double>
        public var zValues: NamedValues<Double>
        public var pValues: NamedValues<Double>
        public var deviance: Double
        public var nullDeviance: Double
        public var aic: Double
        public var dfResidual: Int
        public var dfNull: Int
        public var iterations: Int
    }

    /// Counts (or weight sums) of the comparison and treated groups.
    public struct Pair: Codable, Sendable, Equatable {
        public var control: Double
        public var treated: Double
    }

    public struct SampleSizes: Codable, Sendable, Equatable {
        public var all: Pair
        public var allEss: Pair
        public var matched: Pair
        public var matchedEss: Pair
        public var unmatched: Pair
        public var discarded: Pair
    }

    public struct BalanceRow: Codable, Sendable, Equatable {
        public var covariate: String
        public var meanTreatedBefore: Double
        public var meanControlBefore: Double
        public var meanTreatedAfter: Double
        public var meanControlAfter: Double
        public var smdBefore: Double?
        public var smdAfter: Double?
        public var varianceRatioBefore: Double?
        public var varianceRatioAfter: Double?
        public var ecdfMeanBefore: Double?
        public var ecdfMeanAfter: Double?
        public var ecdfMaxBefore: Double?
        public var ecdfMaxAfter: Double?
        public var stdPairDistAfter: Double?
    }
}

extension MatchReport {
    /// The summary.json document of this run.
    public func summaryDocument() -> MatchSummaryDocument {
        let spec = result.specification
        var settings = MatchSummaryDocument.Settings(
            treatment: treatment, covariates: covariates, id: idColumn, method: method, distance: "glm", link: nil,
            estimand: spec.estimand.rawValue, ratio: spec.ratio, replace: spec.replace, caliperSd: spec.caliper,
            caliperWidth: result.caliperWidth, order: result.order.rawValue,
            seed: result.order == .random ? String(spec.seed) : nil, discard: spec.discard.rawValue, exact: exactColumns)
        var propensity: MatchSummaryDocument.PropensityModel?
        switch distanceSource {
        case .model(let fit, let link):
            settings.link = link.rawValue
            func byName(_ value: (Coefficient) -> Double) -> NamedValues<Double> {
                NamedValues(fit.coefficients.map { ($0.name, value($0)) })
            }
            propensity = .init(
                link: fit.link.rawValue, coefficients: byName(\.estimate), standardErrors: byName(\.standardError),
                zValues: byName(\.zValue), pValues: byName(\.pValue), deviance: fit.deviance,
                nullDeviance: fit.nullDeviance, aic: fit.aic, dfResidual: fit.dfResidual, dfNull: fit.dfNull,
                iterations: fit.iterations)
        case .column(let name):
            settings.distance = "column:" + name
        }

        let s = balance.sampleSizes
        func pair(_ g: GroupCounts) -> MatchSummaryDocument.Pair { .init(control: g.control, treated: g.treated) }
        let rows = zip(balance.all, balance.matched).map { before, after in
            MatchSummaryDocument.BalanceRow(
                covariate: before.name,
                meanTreatedBefore: before.meanTreated, meanControlBefore: before.meanControl,
                meanTreatedAfter: after.meanTreated, meanControlAfter: after.meanControl,
                smdBefore: before.standardizedMeanDifference, smdAfter: after.standardizedMeanDifference,
                varianceRatioBefore: before.varianceRatio, varianceRatioAfter: after.varianceRatio,
                ecdfMeanBefore: before.ecdfMean, ecdfMeanAfter: after.ecdfMean,
                ecdfMaxBefore: before.ecdfMax, ecdfMaxAfter: after.ecdfMax,
                stdPairDistAfter: after.standardizedPairDistance)
        }
        return MatchSummaryDocument(
            program: ProgramInfo(version: programVersion),
            data: .init(
                file: file, rowsRead: exclusions.rowsRead, rowsUsed: exclusions.rowsUsed,
                rowsExcludedMissing: exclusions.rowsDroppedForMissing,
                missingByColumn: NamedValues(exclusions.missingByColumn.keys.sorted().map { ($0, exclusions.missingByColumn[$0] ?? 0) })),
            settings: WithExtraMembers(settings, extra: NamedValues(extraSettings)),
            propensity: propensity,
            counts: .init(all: pair(s.all), allEss: pair(s.allESS), matched: pair(s.matched), matchedEss: pair(s.matchedESS),
                          unmatched: pair(s.unmatched), discarded: pair(s.discarded)),
            balance: rows,
            commonSupport: distanceHistogram(distance: result.distance, treated: result.treated, weights: result.weights),
            warnings: result.warnings)
    }

    /// summary.json as an ordered JSON tree.
    public func summaryJSON() -> JSONValue {
        // Every member of the document is a string, number, bool, array or object: encoding cannot fail.
        try! JSONValue(encoding: summaryDocument())
    }
}
