/// Achievement against a contracted target: outcomes achieved as a percentage of the target, as
/// rate-card contracts report it (e.g. the GM Homes Partnership's "actuals as a percentage of the
/// expanded contract target", see `Datasets/gm-homes`).
///
/// The ledger uses it for each outcome with a `target`, counting outcomes delivered (paid, or
/// delivered unpaid because of the cap).
public struct TargetAchievement: Sendable, Hashable {
    /// Outcomes achieved.
    public let achieved: Int
    /// Contracted number (> 0).
    public let target: Int

    /// nil when the target is not positive or `achieved` is negative (no percentage exists).
    public init?(achieved: Int, target: Int) {
        guard target > 0, achieved >= 0 else { return nil }
        self.achieved = achieved
        self.target = target
    }

    /// 100 x achieved / target.
    public var percentage: Double { Double(achieved) * 100 / Double(target) }

    /// The percentage rounded to a whole number, halves rounded up, computed exactly in integers:
    /// floor((200 x achieved + target) / (2 x target)). For example 325 of 293 is 110.92%, so 111.
    public var roundedPercentage: Int { (200 * achieved + target) / (2 * target) }

    /// Whether the target has been met (achieved >= target).
    public var isMet: Bool { achieved >= target }
}
