import Foundation
import XCTest
import TestSupport

/// `[effects]` in an evaluation plan: the g-computation effect `evaluate` reports per cohort equals
/// what `counterfactual effect` gives on the same matched sample (a `match` folder of the same
/// cohort and settings, with the outcome measure written into the data file), to 1e-12 relative
/// (the same arithmetic on the same units; `effect` itself is checked against R to 1e-8 in
/// `EffectCommandTests`); and adding the table changes nothing else: decisions.csv is the same
/// bytes and every other member of evaluation.json the same values.
final class EvaluateEffectsTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A cohort of 300 people released on one day, two covariates (and a categorical column,
    /// `region`, for the outcome model only), and offences with distinct
    /// conviction dates inside the follow-up, so each person's reconviction events are `events`
    /// (written into cohort.csv for `counterfactual effect`, and unused by the plan).
    func writeData(to folder: URL) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var cohort = "id,treat,release_date,x1,x2,region,events,reoffended\n"
        var events = "id,offence_date,conviction_date\n"
        for i in 0..<300 {
            let x1 = (uniform() * 4 - 2).rounded(toPlaces: 3), x2 = (uniform() * 10).rounded(toPlaces: 2)
            let treat = uniform() < 1 / (1 + exp(-(-1 + 0.8 * x1 + 0.05 * x2))) ? 1 : 0
            let mean = exp(-0.3 - 0.3 * Double(treat) + 0.3 * x1 + 0.05 * x2)
            var count = 0
            var p = exp(-mean), total = p
            let u = uniform()
            while u > total && count < 8 { count += 1; p *= mean / Double(count); total += p }
            cohort += "P\(i),\(treat),2020-01-15,\(x1),\(x2),\(["north", "south", "east"][i % 3]),\(count),\(count > 0 ? 1 : 0)\n"
            for k in 0..<count {
                let month = String(format: "%02d", 3 + k)
                events += "P\(i),2020-\(month)-05,2020-\(month)-20\n"
            }
        }
        try cohort.write(to: folder.appendingPathComponent("cohort.csv"), atomically: true, encoding: .utf8)
        try events.write(to: folder.appendingPathComponent("events.csv"), atomically: true, encoding: .utf8)
    }

    func plan(measure: String, effects: String?, replace: Bool = false) -> String {
        """
        name = "Effects check"
        [data]
        cohort = "cohort.csv"
        events = "events.csv"
        id = "id"
        treatment = "treat"
        release_date = "release_date"
        covariates = ["x1", "x2"]
        [outcome]
        measure = "\(measure)"
        [matching]
        ratio = \(replace ? 2 : 1)
        replace = \(replace)
        [[cohort]]
        name = "All"
        released_from = "2020-01-01"
        released_to = "2020-12-31"
        [contract]
        settlement = "per_cohort"
        [reporting]
        bootstrap_replicates = 0

        """ + (effects.map { "[effects]\n\($0)\n" } ?? "")
    }

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func close(_ a: Any?, _ b: Any?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let a = a as? Double, let b = b as? Double else { return XCTFail("\(what): \(String(describing: a)) vs \(String(describing: b))", file: file, line: line) }
        XCTAssertLessThanOrEqual(abs(a - b) / max(abs(b), 1e-300), 1e-12, "\(what): evaluate \(a) vs effect \(b)", file: file, line: line)
    }

    func testEffectEqualsTheEffectCommandAndChangesNothingElse() throws {
        let folder = try temporaryFolder()
        try writeData(to: folder)
        for (measure, family, column) in [("reconviction_events", "poisson", "events"), ("proven_reoffending", "binomial", "reoffended")] {
            // evaluate, with and without [effects].
            let withPlan = folder.appendingPathComponent("plan-\(family).toml"), withoutPlan = folder.appendingPathComponent("plan-\(family)-none.toml")
            try plan(measure: measure, effects: "family = \"\(family)\"").write(to: withPlan, atomically: true, encoding: .utf8)
            try plan(measure: measure, effects: nil).write(to: withoutPlan, atomically: true, encoding: .utf8)
            let outWith = folder.appendingPathComponent("eval-\(family)"), outWithout = folder.appendingPathComponent("eval-\(family)-none")
            let run = try tool.run(["evaluate", withPlan.path, "--out", outWith.path])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains("Effect (g-computation): By g-computation, the matched treated people"), run.stdout)
            let none = try tool.run(["evaluate", withoutPlan.path, "--out", outWithout.path])
            XCTAssertEqual(none.status, 0, none.stderr)
            XCTAssertFalse(none.stdout.contains("g-computation"), none.stdout)
            XCTAssertEqual(try Data(contentsOf: outWith.appendingPathComponent("decisions.csv")),
                           try Data(contentsOf: outWithout.appendingPathComponent("decisions.csv")))
            var a = try json(outWith.appendingPathComponent("evaluation.json")), b = try json(outWithout.appendingPathComponent("evaluation.json"))
            var cohortsA = a["cohorts"] as! [[String: Any]]
            let effect = try XCTUnwrap(cohortsA[0].removeValue(forKey: "effect") as? [String: Any])
            XCTAssertNil((b["cohorts"] as! [[String: Any]])[0]["effect"])
            a["cohorts"] = cohortsA
            for key in ["plan", "inputs", "program"] { a[key] = nil; b[key] = nil }
            XCTAssertEqual(a as NSDictionary, b as NSDictionary)

            // counterfactual match + effect on the same cohort, settings and outcome.
            let match = folder.appendingPathComponent("match-\(family)"), effectOut = folder.appendingPathComponent("effect-\(family)")
            let data = folder.appendingPathComponent("cohort.csv").path
            let m = try tool.run(["match", data, "--treatment", "treat", "--covariates", "x1,x2", "--id", "id", "--ratio", "1",
                                  "--quiet", "--out", match.path])
            XCTAssertEqual(m.status, 0, m.stderr)
            let e = try tool.run(["effect", match.path, "--data", data, "--outcome", column, "--family", family,
                                  "--replicates", "0", "--quiet", "--out", effectOut.path])
            XCTAssertEqual(e.status, 0, e.stderr)
            let reference = try json(effectOut.appendingPathComponent("effect.json"))
            XCTAssertEqual(effect["family"] as? String, family)
            XCTAssertEqual(effect["estimand"] as? String, "ATT")
            XCTAssertEqual(effect["covariance"] as? String, "cluster")
            XCTAssertEqual(effect["covariance"] as? String, reference["covariance"] as? String)
            let sample = reference["sample"] as! [String: Any]
            XCTAssertEqual(effect["observations"] as? Int, sample["units"] as? Int)
            XCTAssertEqual(effect["focal_units"] as? Int, sample["focal_units"] as? Int)
            XCTAssertEqual(effect["clusters"] as? Int, sample["clusters"] as? Int)
            let po = effect["potential_outcomes"] as! [String: [String: Any]], poR = reference["potential_outcomes"] as! [String: [String: Any]]
            for arm in ["treated", "control"] {
                for key in ["estimate", "standard_error", "lower", "upper"] {
                    close(po[arm]?[key], poR[arm]?[key], "\(family) \(arm) \(key)")
                }
            }
            let effects = effect["effects"] as! [[String: Any]], effectsR = reference["effects"] as! [[String: Any]]
            XCTAssertEqual(effects.map { $0["measure"] as! String }, effectsR.map { $0["measure"] as! String })
            XCTAssertEqual(effects.count, family == "binomial" ? 3 : 2)
            for (x, r) in zip(effects, effectsR) {
                XCTAssertEqual(x["label"] as? String, r["label"] as? String)
                for key in ["estimate", "lower", "upper", "standard_error", "statistic", "p_value"] {
                    close(x[key], r[key], "\(family) \(x["measure"]!) \(key)")
                }
            }
            XCTAssertTrue((effect["method"] as? String ?? "").contains("g-computation"))
        }
    }

    func testWithReplacementIsTwoWayAndReported() throws {
        let folder = try temporaryFolder()
        try writeData(to: folder)
        let planURL = folder.appendingPathComponent("plan.toml"), out = folder.appendingPathComponent("eval")
        try plan(measure: "reconviction_events", effects: "", replace: true).write(to: planURL, atomically: true, encoding: .utf8)
        let run = try tool.run(["evaluate", planURL.path, "--out", out.path, "--report"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let cohort = (try json(out.appendingPathComponent("evaluation.json"))["cohorts"] as! [[String: Any]])[0]
        let effect = try XCTUnwrap(cohort["effect"] as? [String: Any])
        XCTAssertEqual(effect["family"] as? String, "poisson", "the default family of a count measure")
        XCTAssertEqual(effect["covariance"] as? String, "set and unit")
        XCTAssertGreaterThan(effect["observations"] as! Int, (cohort["matching"] as! [String: Any])["matched_treated"] as! Int)
        for file in ["report.md", "report.html"] {
            let text = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            XCTAssertTrue(text.contains("Effect by g-computation"), file)
            XCTAssertTrue(text.contains("By g-computation, the matched treated people had"), file)
        }
    }

    /// `[effects] covariates`: evaluate's effect equals `counterfactual effect --covariates` on the
    /// same matched sample (numeric and categorical covariates; without and with replacement),
    /// every estimate, standard error, bound and p-value to 1e-12 relative.
    func testCovariatesEqualTheEffectCommand() throws {
        let folder = try temporaryFolder()
        try writeData(to: folder)
        let data = folder.appendingPathComponent("cohort.csv").path
        for (measure, family, column, replace) in [("reconviction_events", "poisson", "events", false),
                                                   ("proven_reoffending", "binomial", "reoffended", false),
                                                   ("reconviction_events", "gaussian", "events", true)] {
            let what = "\(family)\(replace ? " with replacement" : "")"
            let planURL = folder.appendingPathComponent("plan-\(family)-\(replace).toml"), out = folder.appendingPathComponent("eval-\(family)-\(replace)")
            try plan(measure: measure, effects: "family = \"\(family)\"\ncovariates = [\"x1\", \"region\", \"x2\"]", replace: replace)
                .write(to: planURL, atomically: true, encoding: .utf8)
            let run = try tool.run(["evaluate", planURL.path, "--out", out.path, "--quiet"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let effect = try XCTUnwrap((try json(out.appendingPathComponent("evaluation.json"))["cohorts"] as! [[String: Any]])[0]["effect"] as? [String: Any])
            XCTAssertEqual(effect["formula"] as? String, "y ~ treat * (x1 + region + x2)", what)

            let match = folder.appendingPathComponent("match-\(family)-\(replace)"), effectOut = folder.appendingPathComponent("effect-\(family)-\(replace)")
            let m = try tool.run(["match", data, "--treatment", "treat", "--covariates", "x1,x2", "--id", "id", "--ratio", replace ? "2" : "1",
                                  "--quiet", "--out", match.path] + (replace ? ["--replace"] : []))
            XCTAssertEqual(m.status, 0, m.stderr)
            let e = try tool.run(["effect", match.path, "--data", data, "--outcome", column, "--family", family, "--covariates", "x1,region,x2",
                                  "--replicates", "0", "--quiet", "--out", effectOut.path])
            XCTAssertEqual(e.status, 0, e.stderr)
            let reference = try json(effectOut.appendingPathComponent("effect.json"))
            XCTAssertEqual(effect["covariance"] as? String, reference["covariance"] as? String, what)
            XCTAssertEqual(effect["covariance"] as? String, replace ? "set and unit" : "cluster", what)
            let sample = reference["sample"] as! [String: Any]
            XCTAssertEqual(effect["observations"] as? Int, sample["units"] as? Int, what)
            XCTAssertEqual(effect["focal_units"] as? Int, sample["focal_units"] as? Int, what)
            // The model's terms: region as two indicators (east is the reference level).
            let terms = ((reference["model"] as! [String: Any])["coefficients"] as! [String: Any]).keys.sorted()
            XCTAssertEqual(terms, ["(Intercept)", "regionnorth", "regionsouth", "treat", "treat:regionnorth", "treat:regionsouth",
                                   "treat:x1", "treat:x2", "x1", "x2"], what)
            let po = effect["potential_outcomes"] as! [String: [String: Any]], poR = reference["potential_outcomes"] as! [String: [String: Any]]
            for arm in ["treated", "control"] {
                for key in ["estimate", "standard_error", "lower", "upper"] { close(po[arm]?[key], poR[arm]?[key], "\(what) \(arm) \(key)") }
            }
            let effects = effect["effects"] as! [[String: Any]], effectsR = reference["effects"] as! [[String: Any]]
            XCTAssertEqual(effects.map { $0["measure"] as! String }, effectsR.map { $0["measure"] as! String }, what)
            for (x, r) in zip(effects, effectsR) {
                for key in ["estimate", "lower", "upper", "standard_error", "statistic", "p_value"] {
                    close(x[key], r[key], "\(what) \(x["measure"]!) \(key)")
                }
            }
            // The covariates change the model: the control mean differs from the model without them.
            let without = folder.appendingPathComponent("plan-\(family)-\(replace)-none.toml"), outWithout = folder.appendingPathComponent("eval-\(family)-\(replace)-none")
            try plan(measure: measure, effects: "family = \"\(family)\"", replace: replace).write(to: without, atomically: true, encoding: .utf8)
            XCTAssertEqual(try tool.run(["evaluate", without.path, "--out", outWithout.path, "--quiet"]).status, 0)
            let plain = try XCTUnwrap((try json(outWithout.appendingPathComponent("evaluation.json"))["cohorts"] as! [[String: Any]])[0]["effect"] as? [String: Any])
            XCTAssertNotEqual((plain["potential_outcomes"] as! [String: [String: Any]])["control"]?["estimate"] as? Double,
                              po["control"]?["estimate"] as? Double, what)
        }
    }

    /// `[effects] covariates` is checked with the plan (exit 65, naming the key): a column listed
    /// twice, the treatment, the id or release date, a column the cohort file does not have, and
    /// a value that is not a list of names.
    func testCovariateErrorsNameTheKey() throws {
        let folder = try temporaryFolder()
        try writeData(to: folder)
        for (covariates, words) in [
            ("[\"x1\", \"x1\"]", "[effects] covariates names 'x1' twice; list each covariate once."),
            ("[\"treat\"]", "[effects] covariates names the treatment column 'treat'; the outcome model has it already"),
            ("[\"x1\", \"id\"]", "[effects] covariates names the id column 'id'"),
            ("[\"release_date\"]", "[effects] covariates names the release date column 'release_date'"),
            ("[\"x3\"]", "error: [effects] covariates: /"),
            ("[\"x3\"]", "/cohort.csv: no column named 'x3' among the header's 8 columns"),
            ("\"x1\"", "[effects] covariates must be a list of strings"),
        ] {
            let planURL = folder.appendingPathComponent("bad.toml")
            try plan(measure: "reconviction_events", effects: "covariates = \(covariates)").write(to: planURL, atomically: true, encoding: .utf8)
            let run = try tool.run(["evaluate", planURL.path, "--out", folder.appendingPathComponent("never").path])
            XCTAssertEqual(run.status, 65, "\(covariates): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(words), run.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("never").path))
        }
        // A missing value among the matched people: the effect is not estimable (naming the line);
        // the evaluation and its payment decision go on.
        var text = try String(contentsOf: folder.appendingPathComponent("cohort.csv"), encoding: .utf8)
        text = text.replacingOccurrences(of: ",north,", with: ",,")
        try text.write(to: folder.appendingPathComponent("cohort.csv"), atomically: true, encoding: .utf8)
        let planURL = folder.appendingPathComponent("missing.toml"), out = folder.appendingPathComponent("missing")
        try plan(measure: "reconviction_events", effects: "covariates = [\"region\"]").write(to: planURL, atomically: true, encoding: .utf8)
        let run = try tool.run(["evaluate", planURL.path, "--out", out.path, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let effect = try XCTUnwrap((try json(out.appendingPathComponent("evaluation.json"))["cohorts"] as! [[String: Any]])[0]["effect"] as? [String: Any])
        let reason = try XCTUnwrap(effect["not_estimable"] as? String)
        XCTAssertTrue(reason.hasPrefix("[effects] covariates: "), reason)
        XCTAssertTrue(reason.contains("/cohort.csv, column 'region': "), reason)
        XCTAssertTrue(reason.contains(" missing values among the matched people (first at line "), reason)
    }

    func testBadFamilyNamesTheKey() throws {
        let folder = try temporaryFolder()
        try writeData(to: folder)
        for (effects, words) in [("family = \"binomial\"", "[effects] family is binomial"), ("family = \"normal\"", "[effects] family must be one of"),
                                 ("families = \"poisson\"", "families")] {
            let planURL = folder.appendingPathComponent("bad.toml")
            try plan(measure: "reconviction_events", effects: effects).write(to: planURL, atomically: true, encoding: .utf8)
            let run = try tool.run(["evaluate", planURL.path, "--out", folder.appendingPathComponent("never").path])
            XCTAssertEqual(run.status, 65, run.stderr)
            XCTAssertTrue(run.stderr.contains(words), run.stderr)
        }
    }
}

private extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
