import Contracts
import Crypto
import Foundation
import MatchedComparison
import TextFormatting

/// `matching.json`: the frozen result of `evaluate --stage matching`, everything `evaluate --matched`
/// needs to score outcomes on exactly these matched sets, and the fingerprints that tell whether
/// the data and plan it is scored with are still the ones it was matched on.
public struct MatchingStageDocument: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public struct Fingerprint: Codable, Sendable, Equatable {
        /// `[data]`, `[matching]` or `[[cohort]]`.
        public var section: String
        /// SHA-256 of the section's canonical JSON (`ContractPlan.matchingSections`).
        public var sha256: String
    }

    public struct AssignmentCounts: Codable, Sendable, Equatable {
        public var rowsRead: Int
        public var outsideCohorts: Int
        public var repeatReleases: Int
        public var untraced: [Int]
        public var followUpIncomplete: [Int]
    }

    public var schemaVersion: Int
    public var programVersion: String
    /// The plan file as given and the cohort file as resolved, with the cohort file's SHA-256.
    public var planFile: String
    public var cohortFile: String
    public var cohortSHA256: String
    public var planSections: [Fingerprint]
    public var assignment: AssignmentCounts
    public var cohorts: [MatchedCohort]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", programVersion = "program_version", planFile = "plan_file"
        case cohortFile = "cohort_file", cohortSHA256 = "cohort_sha256", planSections = "plan_sections"
        case assignment, cohorts
    }

    /// Fingerprints of a plan's matching sections.
    public static func fingerprints(of plan: ContractPlan) -> [Fingerprint] {
        plan.matchingSections.map { section, canonical in
            Fingerprint(section: section, sha256: SHA256.hash(data: Data(canonical.utf8)).map { b in
                (b < 16 ? "0" : "") + String(b, radix: 16)
            }.joined())
        }
    }

    public init(matched: MatchedCohorts, programVersion: String, planFile: String) throws {
        let plan = matched.plan
        schemaVersion = Self.currentSchemaVersion
        self.programVersion = programVersion
        self.planFile = planFile
        cohortFile = plan.resolve(plan.data.cohort)
        cohortSHA256 = try sha256(ofFile: cohortFile)
        planSections = Self.fingerprints(of: plan)
        let a = matched.assignment
        assignment = AssignmentCounts(rowsRead: matched.cohortRowsRead, outsideCohorts: a.outsideCohorts,
                                      repeatReleases: a.repeatReleases, untraced: a.untraced,
                                      followUpIncomplete: a.followUpIncomplete)
        cohorts = matched.cohorts
    }

    /// Serialised deterministically (sorted keys; every double in shortest round-trip form).
    public func serialized() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads `matching.json` from a matching-stage folder.
    public static func read(folder: URL) throws -> MatchingStageDocument {
        let url = folder.appendingPathComponent("matching.json")
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MatchingStageError(message: "\(url.path): cannot read the frozen matching stage (\((error as NSError).localizedDescription)); run `counterfactual evaluate PLAN --stage matching --out \(folder.path)` first.")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let document: MatchingStageDocument
        do { document = try decoder.decode(MatchingStageDocument.self, from: data) } catch {
            throw MatchingStageError(message: "\(url.path): is not a matching stage written by counterfactual (\(error)).")
        }
        guard document.schemaVersion == currentSchemaVersion else {
            throw MatchingStageError(message: "\(url.path): schema_version \(document.schemaVersion) is not \(currentSchemaVersion); re-run the matching stage with this program.")
        }
        return document
    }

    /// Refuses, naming what differs, when the cohort file or the plan's matching sections are not
    /// the ones this stage was matched on.
    public func check(plan: ContractPlan, folder: URL) throws {
        let cohort = plan.resolve(plan.data.cohort)
        let hash = try sha256(ofFile: cohort)
        if hash != cohortSHA256 {
            throw MatchingStageError(message: "the cohort file \(cohort) has changed since the matching stage in \(folder.path) (sha256 \(cohortSHA256) recorded, \(hash) now); score only the data that was matched, or re-run the matching stage.")
        }
        for (now, then) in zip(Self.fingerprints(of: plan), planSections) where now != then {
            throw MatchingStageError(message: "the plan's \(now.section) section has changed since the matching stage in \(folder.path) (sha256 \(then.sha256) recorded, \(now.sha256) now); restore it or re-run the matching stage.")
        }
        if planSections.count != 3 {
            throw MatchingStageError(message: "\(folder.path)/matching.json records \(planSections.count) plan sections, not 3; re-run the matching stage.")
        }
    }

    /// `matched-sets.csv`: one line per evaluated person — `cohort`, `row` (1-based cohort-file
    /// row), `treat`, `distance`, `weight`, `subclass`, `status` — so the sets can be read without
    /// the program.
    public func matchedSetsCSV(ids: (Int) -> String) -> String {
        var out = "cohort,row,id,treat,distance,weight,subclass,status\n"
        for c in cohorts {
            let g = c.group
            let result = g.result
            for (k, input) in g.rows.enumerated() {
                let fileRow = c.rows[input]
                let w = result.weights[k]
                let status = w > 0 ? "matched" : (result.discarded[k] ? "discarded" : "unmatched")
                out += csvField(c.name) + ",\(fileRow + 1)," + csvField(ids(fileRow)) + ",\(g.treated[k] ? 1 : 0),"
                out += JSONValue.format(result.distance[k]) + "," + JSONValue.format(w) + ","
                out += (result.subclass[k].map(String.init) ?? "") + "," + status + "\n"
            }
        }
        return out
    }
}

/// The frozen matching stage cannot be used.
public struct MatchingStageError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
