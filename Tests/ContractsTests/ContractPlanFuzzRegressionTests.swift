import Contracts
import XCTest

/// Inputs found by fuzzing plan readers (`Scripts/fuzz`, ContractPlanFuzzer; seeds in
/// `Fuzz/Corpus/ContractPlanFuzzer/regression-*`).
final class ContractPlanFuzzRegressionTests: XCTestCase {
    /// A negative `[reporting] seed` trapped converting to `UInt64`.
    func testNegativeReportingSeedIsAnError() {
        let plan = EvaluationTests.plan + "\nseed = -1\n"
        XCTAssertThrowsError(try ContractPlan.parse(plan, file: "p.toml")) { error in
            XCTAssertEqual(String(describing: error), "p.toml: [reporting] seed must be a whole number from 0 to 9223372036854775807 (got -1).")
        }
        XCTAssertEqual(try ContractPlan.parse(EvaluationTests.plan + "\nseed = 0\n", file: "p.toml").reporting.seed, 0)
    }
}
