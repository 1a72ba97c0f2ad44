import RateCards
import TestSupport
import XCTest
@testable import Reporting

/// The typed result documents: the ordered encoder, the strict decoder and the document types.
final class DocumentTests: XCTestCase {
    struct Sample: Codable, Equatable {
        var zeta: Double
        var alpha: [Double]
        var treatedInCohort: Int
        var welchTTest: String
        var missing: Double?
        var present: String?
        var named: NamedValues<Double>
        @OmittedWhenNil var theta: Double?
        var estimable: [Estimable<Inner>]
        var optionalEstimable: Estimable<Inner>?
    }

    struct Inner: Codable, Equatable, Sendable {
        var value: Double
    }

    /// Doubles over the whole range, from a fixed linear congruential stream of bit patterns.
    func awkwardDoubles() -> [Double] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var out: [Double] = [0.1, 1.0 / 3, 2.0 / 3, 1e-300, .leastNonzeroMagnitude, 2.2250738585072014e-308, .greatestFiniteMagnitude,
                             -.greatestFiniteMagnitude, 123456789012345.6, 1e15, 999999999999999, -1e15 - 2, 0.05806267440795764,
                             -1.5, 1e22, 4.35e-5, 3]
        for _ in 0..<2000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let x = Double(bitPattern: state)
            if x.isFinite, x != 0 { out.append(x) }
        }
        return out
    }

    func testEncoderKeepsDeclarationOrderAndEveryBit() throws {
        let doubles = awkwardDoubles()
        let sample = Sample(
            zeta: 0.1, alpha: doubles, treatedInCohort: 7, welchTTest: "w", missing: nil, present: "here",
            named: NamedValues([("(Intercept)", -1.5), ("ageGroup", 1e-8), ("re74", 2)]), theta: nil,
            estimable: [.estimated(Inner(value: 0.25)), .notEstimable(reason: "no events")], optionalEstimable: nil)
        let json = try JSONValue(encoding: sample)
        // Members in declaration order, snake case; data keys verbatim; nil written as null except
        // the OmittedWhenNil member, which is left out.
        XCTAssertEqual(json.members?.map(\.0), ["zeta", "alpha", "treated_in_cohort", "welch_t_test", "missing", "present",
                                                "named", "estimable", "optional_estimable"])
        XCTAssertEqual(json[member: "named"]?.members?.map(\.0), ["(Intercept)", "ageGroup", "re74"])
        XCTAssertEqual(json[member: "missing"], .null)
        let text = json.serialized()
        XCTAssertTrue(text.hasPrefix("{\n  \"zeta\": 0.1,\n  \"alpha\": [\n"), text)
        XCTAssertTrue(text.contains("\"estimable\": [\n    {\n      \"value\": 0.25\n    },\n    {\n      \"not_estimable\": \"no events\"\n    }\n  ]"), text)

        // Text -> tree -> value: the same value, every double with the same bits.
        let back = try JSONValueDecoder().decode(Sample.self, from: JSONValue.parse(text))
        XCTAssertEqual(back, sample)
        XCTAssertEqual(back.alpha.map(\.bitPattern), doubles.map(\.bitPattern))
        // And written again, the same bytes.
        XCTAssertEqual(try JSONValue(encoding: back).serialized(), text)

        // With theta present, it is written (after named, where it is declared).
        var withTheta = sample
        withTheta.theta = 1.25
        let members = try JSONValue(encoding: withTheta).members?.map(\.0) ?? []
        XCTAssertEqual(Array(members[6...8]), ["named", "theta", "estimable"])
        XCTAssertEqual(try JSONValueDecoder().decode(Sample.self, from: JSONValue(encoding: withTheta)).theta, 1.25)
    }

    func testNonFiniteNumbersAreWrittenNullAndReadAsNaN() throws {
        struct Numbers: Codable { var a: Double; var b: Double?; var c: [Double] }
        let text = try JSONValue.serialize(Numbers(a: .nan, b: .infinity, c: [1, -.infinity]))
        XCTAssertEqual(text, "{\n  \"a\": null,\n  \"b\": null,\n  \"c\": [1, null]\n}\n")
        let back = try JSONValueDecoder().decode(Numbers.self, from: JSONValue.parse(text))
        XCTAssertTrue(back.a.isNaN)
        XCTAssertNil(back.b)            // an optional reads null as absent
        XCTAssertTrue(back.c[1].isNaN)
    }

    func testDecoderNamesAMissingOrRenamedMember() throws {
        struct Doc: Codable { var schemaVersion = SchemaVersion.current; var cohorts: [Cohort] }
        struct Cohort: Codable { var name: String; var headlineWithheld: String?; var treatedPer100: Double }
        let good = "{\"schema_version\": 1, \"cohorts\": [{\"name\": \"A\", \"headline_withheld\": null, \"treated_per100\": 1.5}]}"
        XCTAssertEqual(try decodeDocument(Doc.self, from: JSONValue.parse(good), path: "x.json").cohorts[0].treatedPer100, 1.5)

        func message(_ text: String) -> String {
            switch Result(catching: { try decodeDocument(Doc.self, from: JSONValue.parse(text), path: "x.json") }) {
            case .success: return "decoded"
            case .failure(let error): return String(describing: error)
            }
        }
        // A renamed member.
        let renamed = message(good.replacingOccurrences(of: "treated_per100", with: "treated_rate"))
        XCTAssertTrue(renamed.hasPrefix("x.json: member 'cohorts[0].treated_per100' is missing; the file does not have the layout"), renamed)
        // An optional member must be present too (absent values are written as null).
        XCTAssertTrue(message(good.replacingOccurrences(of: "\"headline_withheld\": null, ", with: ""))
            .contains("member 'cohorts[0].headline_withheld' is missing"))
        // A wrong type, a null where a value is needed, a later schema.
        XCTAssertTrue(message(good.replacingOccurrences(of: "\"A\"", with: "3"))
            .contains("member 'cohorts[0].name': expected a string, found a number"))
        XCTAssertTrue(message(good.replacingOccurrences(of: "\"A\"", with: "null"))
            .contains("member 'cohorts[0].name' is null"))
        XCTAssertTrue(message(good.replacingOccurrences(of: "\"schema_version\": 1", with: "\"schema_version\": 2"))
            .contains("schema_version 2 is not one this program reads (1)"))
        XCTAssertTrue(message(good.replacingOccurrences(of: "\"schema_version\": 1, ", with: ""))
            .contains("member 'schema_version' is missing"))
    }

    func testParserRejectsMalformedText() {
        for (text, fragment) in [("{\"a\": 1,}", "expected a member name"), ("{\"a\": 1, \"a\": 2}", "appears twice"),
                                 ("[1 2]", "expected ',' or ']'"), ("01", "unexpected text"), ("\"tab\there\"", "control character"),
                                 ("[1.]", "digits after the decimal point"), ("{\"a\": tru}", "expected a JSON value")] {
            XCTAssertThrowsError(try JSONValue.parse(text), text) { error in
                XCTAssertTrue(String(describing: error).contains(fragment), "\(text): \(error)")
            }
        }
        XCTAssertEqual(try JSONValue.parse("\"\\u00e9\\ud83d\\ude00\\n\""), .string("é😀\n"))
        XCTAssertEqual(try JSONValue.parse(" [1, 1.0, -0.5e1, 12345678901234567890] "),
                       .array([.int(1), .number(1), .number(-5), .number(12345678901234567168)]))
    }

    func testJSONDifferencesListsPathsAndValues() throws {
        let a = try JSONValue.parse("{\"cohorts\": [{\"rate\": 1.1, \"name\": \"A\"}], \"only_a\": true}")
        let b = try JSONValue.parse("{\"cohorts\": [{\"rate\": 1.2, \"name\": \"A\"}], \"only_b\": null}")
        XCTAssertEqual(jsonDifferences(a, b), ["cohorts[0].rate: 1.1 vs 1.2", "only_a: present vs absent", "only_b: absent vs present"])
        XCTAssertEqual(jsonDifferences(a, a), [])
    }

    func testManifestRoundTrip() throws {
        let manifest = Manifest(
            programVersion: "0.1.0", gitCommit: nil, arguments: ["match", "data.csv", "--out", "out"], workingDirectory: "/w",
            inputs: [.init(role: "data", path: "data.csv", sha256: String(repeating: "a", count: 64))],
            outputs: [.init(role: "summary", path: "summary.json", sha256: String(repeating: "b", count: 64))],
            seeds: [("order", "18446744073709551615")], threads: 2, timings: [("load", 0.125), ("match", 1.0 / 3)])
        let text = manifest.json().serialized()
        XCTAssertTrue(text.hasPrefix("{\n  \"schema_version\": 1,\n  \"program\": {\n    \"name\": \"counterfactual\",\n    \"version\": \"0.1.0\",\n    \"git_commit\": null\n  },"), text)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertEqual(try Manifest.read(path: folder.path), manifest)
        try Data(text.replacingOccurrences(of: "\"arguments\"", with: "\"args\"").utf8).write(to: folder)
        XCTAssertThrowsError(try Manifest.read(path: folder.path)) { error in
            XCTAssertTrue(String(describing: error).contains("is not a counterfactual manifest (member 'arguments' is missing"), "\(error)")
        }
    }

    /// ledger.json of the bundled rate-card example reads back to the same document and bytes.
    func testLedgerDocumentRoundTrip() throws {
        let planPath = Fixtures.dataset("rate-card-example/plan.toml").path
        let plan = try RateCardPlan.load(path: planPath)
        let claims = try plan.loadClaims()
        let document = LedgerDocument(RateCardLedger(plan: plan, claims: claims), programVersion: "test", planPath: planPath,
                                      eventsPath: "events.csv", rows: claims.count)
        let text = try JSONValue.serialize(document)
        XCTAssertTrue(text.hasPrefix("{\n  \"schema_version\": 1,\n  \"program\": \"counterfactual\",\n  \"version\": \"test\",\n  \"command\": \"ratecard\",\n"))
        let json = try JSONValue.parse(text)
        // Counts sit inside each outcome's object, between its terms and its achievement.
        let outcome = json[member: "outcomes"].flatMap { if case .array(let a) = $0 { return a.first } else { return nil } }
        XCTAssertEqual(outcome?.members?.map(\.0), [
            "id", "name", "price_pence", "requires", "sustains", "max_per_person", "target", "claims", "paid", "beyond_person_limit",
            "beyond_cap", "not_eligible", "delivered", "paid_pence", "unpaid_beyond_cap_pence", "achievement"])
        let back = try decodeDocument(LedgerDocument.self, from: json, path: "ledger.json")
        XCTAssertEqual(back, document)
        XCTAssertEqual(try JSONValue.serialize(back), text)
        XCTAssertEqual(back.totals.paidPence, 1_383_332)     // £13,833.32, as the example's README works out
    }

    func testExtraSettingsFollowTheFixedOnes() throws {
        struct Base: Codable, Equatable, Sendable { var method: String; var ratio: Int }
        let settings = WithExtraMembers(Base(method: "nearest", ratio: 2),
                                        extra: NamedValues([("tolerance", JSONValue.number(1e-8)), ("categorical", .array([]))]))
        let json = try JSONValue(encoding: settings)
        XCTAssertEqual(json.members?.map(\.0), ["method", "ratio", "tolerance", "categorical"])
        let back = try JSONValueDecoder().decode(WithExtraMembers<Base>.self, from: json)
        XCTAssertEqual(back, settings)
        XCTAssertEqual(back.ratio, 2)
    }
}
