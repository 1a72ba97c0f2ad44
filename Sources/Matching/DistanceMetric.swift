/// How nearest-neighbour matching measures the distance between two units.
public enum DistanceMetric: String, Sendable, Codable, CaseIterable {
    /// |d_i − d_j| on the scalar distance (the propensity score or its linear predictor).
    case distance
    /// The Mahalanobis distance on the covariates (MatchIt's `mahvars`); the scalar distance then
    /// serves only for the caliper, the matching order and common support.
    case mahalanobis
}
