import Foundation

/// E-values for a ratio estimate and its confidence interval (VanderWeele & Ding 2017,
/// "Sensitivity analysis in observational research: introducing the E-value", *Annals of
/// Internal Medicine* 167:268–274; R `EValue::evalues.RR`, `evalues.OR`, `evalues.HR`, 4.1.4).
///
/// The E-value is the minimum strength of association, on the risk-ratio scale, that an
/// unmeasured confounder would need with both the treatment and the outcome to fully explain
/// away an observed risk ratio `RR`:
///
///     E(RR) = RR + √(RR (RR − 1))          for RR ≥ 1,
///     E(RR) = E(1/RR)                       for RR < 1.
///
/// For the interval, only the limit closer to 1 matters: its E-value (`E(lower)` when
/// `RR > 1`, `E(upper)` when `RR < 1`), or 1 when the interval contains 1 (`EValue` also reports
/// 1 when `RR = 1`). Rate ratios take the risk-ratio formula directly (VanderWeele & Ding 2017,
/// Table). Odds and hazard ratios are first put on the risk-ratio scale: unchanged when the
/// outcome is rare (below 15 % by the end of follow-up); otherwise `RR ≈ √OR` and
/// `RR ≈ (1 − 0.5^√HR)/(1 − 0.5^√(1/HR))` (VanderWeele 2017; `EValue::toRR`). The shift to a
/// non-null true value (`EValue`'s `true`) is not offered.
public struct EValue: Sendable, Equatable {
    /// The scale of the estimate.
    public enum Scale: Sendable, Equatable {
        case riskRatio
        case rateRatio
        case oddsRatio(rareOutcome: Bool)
        case hazardRatio(rareOutcome: Bool)

        /// The estimate on the risk-ratio scale (`EValue::toRR`).
        public func riskRatio(_ x: Double) -> Double {
            switch self {
            case .riskRatio, .rateRatio, .oddsRatio(rareOutcome: true), .hazardRatio(rareOutcome: true):
                return x
            case .oddsRatio(rareOutcome: false):
                return x.squareRoot()
            case .hazardRatio(rareOutcome: false):
                return (1 - pow(0.5, x.squareRoot())) / (1 - pow(0.5, (1 / x).squareRoot()))
            }
        }
    }

    /// The estimate and interval on the risk-ratio scale.
    public let riskRatio: Double
    public let lower: Double?
    public let upper: Double?
    /// `E(RR)`.
    public let point: Double
    /// The E-value of the limit closer to 1 (1 when the interval contains 1); nil without an
    /// interval.
    public let confidenceLimit: Double?

    /// `E(x) = x + √(x(x − 1))` after `x ↦ 1/x` for `x < 1` (`EValue::threshold` with `true = 1`).
    public static func threshold(_ riskRatio: Double) -> Double {
        let x = riskRatio < 1 ? 1 / riskRatio : riskRatio
        return x + (x * (x - 1)).squareRoot()
    }

    /// - Throws: `invalidArgument` when an estimate is not positive and finite, the limits are
    ///   out of order or the estimate lies outside them (as `EValue` stops).
    public init(estimate: Double, lower: Double? = nil, upper: Double? = nil, scale: Scale) throws {
        for v in [estimate, lower, upper].compactMap({ $0 }) where !(v > 0 && v.isFinite) {
            throw SensitivityError.invalidArgument("an E-value needs positive, finite ratios; got \(v)")
        }
        if let lo = lower, let hi = upper, lo > hi {
            throw SensitivityError.invalidArgument("the lower confidence limit \(lo) is above the upper \(hi)")
        }
        if let lo = lower, estimate < lo { throw SensitivityError.invalidArgument("the estimate \(estimate) is below its lower limit \(lo)") }
        if let hi = upper, estimate > hi { throw SensitivityError.invalidArgument("the estimate \(estimate) is above its upper limit \(hi)") }
        let rr = scale.riskRatio(estimate)
        let lo = lower.map(scale.riskRatio), hi = upper.map(scale.riskRatio)
        riskRatio = rr; self.lower = lo; self.upper = hi
        point = Self.threshold(rr)
        if lo == nil && hi == nil {
            confidenceLimit = nil
        } else if rr > 1 {
            confidenceLimit = lo.map { $0 < 1 ? 1 : Self.threshold($0) }
        } else if rr < 1 {
            confidenceLimit = hi.map { $0 > 1 ? 1 : Self.threshold($0) }
        } else {
            confidenceLimit = 1
        }
    }
}
