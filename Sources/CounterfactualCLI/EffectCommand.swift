import ArgumentParser
import CohortData
import Foundation
import Outcomes
import Reporting
import TextFormatting

extension OutcomeFamily: ExpressibleByArgument {}

/// `--vcov`: the covariance behind the delta method.
enum CovarianceChoice: String, ExpressibleByArgument, CaseIterable {
    case auto
    case cluster
    case hc3 = "HC3"

    init?(argument: String) {
        switch argument.lowercased() {
        case "auto": self = .auto
        case "cluster": self = .cluster
        case "hc3": self = .hc3
        default: return nil
        }
    }
}

/// `--se`: the standard errors reported beside the g-computation's delta method.
enum StandardErrorChoice: String, ExpressibleByArgument, CaseIterable {
    /// The delta method only.
    case delta
    /// Also the Abadie–Imbens standard error of the matching estimator (nearest neighbour with replacement).
    case abadieImbens = "abadie-imbens"
}

struct Effect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Estimate the treatment effect on an outcome in a matched sample (g-computation with delta-method and bootstrap intervals).",
        discussion: """
        MATCHDIR is an output folder of `counterfactual match`; it must match its manifest (as \
        `verify` checks). Follows MatchIt's vignette "Estimating Effects After Matching": fits \
        OUTCOME ~ treat (or ~ treat * (covariates)) with the matching weights, predicts every focal \
        unit (treated for the ATT, controls for the ATC, all for the ATE) under treatment and under \
        control, and contrasts the weighted means: mean difference (gaussian); risk difference, \
        risk ratio and odds ratio (binomial); mean difference and rate ratio (poisson). Standard \
        errors by the delta method from a cluster-robust covariance by matched set (two-way by \
        matched set and unit after matching with replacement, from pairs.csv), or HC3 (--vcov; see \
        docs/effects.md), and a seeded cluster bootstrap (percentile and BCa). With \
        --se abadie-imbens, also the Abadie-Imbens standard error of the nearest-neighbour matching \
        estimator (matching with replacement).

        Writes DIR/effect.json and DIR/manifest.json and prints the estimates.

        Example:
          counterfactual match Datasets/lalonde.csv --treatment treat \\
            --covariates age,educ,race,married,nodegree,re74,re75 \\
            --id id --out out/lalonde
          counterfactual effect out/lalonde --data Datasets/lalonde.csv \\
            --outcome re78 --covariates age,educ,race,married,nodegree,re74,re75 \\
            --out out/lalonde-effect
        """
    )

    @Argument(help: "Output folder of `counterfactual match` (matches.csv, summary.json, manifest.json).")
    var matchFolder: String

    @Option(help: "Data file holding the outcome (and covariates): the matched file, or any file with the match's id column.")
    var data: String

    @Option(help: "Outcome column.")
    var outcome: String

    @Option(help: "Outcome model: gaussian (lm), binomial (0/1 outcome; logistic), poisson (counts; log-linear).")
    var family: OutcomeFamily = .gaussian

    @Option(help: "Covariates of the outcome model, comma-separated (model OUTCOME ~ treat * (covariates)); none: OUTCOME ~ treat.")
    var covariates: String?

    @Option(help: "Numeric columns to treat as categorical, comma-separated.")
    var categorical: String?

    @Option(help: "Covariance: auto (by matched set where the match has pairs, by matched set and unit after matching with replacement, HC3 otherwise), cluster, HC3.")
    var vcov: CovarianceChoice = .auto

    @Option(help: "Also report: delta (nothing more), abadie-imbens (the Abadie-Imbens standard error of nearest-neighbour matching with replacement).")
    var se: StandardErrorChoice = .delta

    @Option(help: "Cluster-bootstrap replicates: 0 (none) or 10 to 100000.")
    var replicates: Int = 999

    @Option(help: "Seed of the bootstrap replicate streams.")
    var seed: UInt64 = 42

    @Option(help: "Confidence level of the intervals, 0.5 to 0.999.")
    var level: Double = 0.95

    @Option(help: "Output folder for effect.json.")
    var out: String

    @Flag(help: "Do not print the estimates.")
    var quiet = false

    var covariateNames: [String] { list(covariates ?? "") }

    func validate() throws {
        guard replicates == 0 || (10...100_000).contains(replicates) else {
            throw ValidationError("--replicates \(replicates) is not 0 or between 10 and 100000.")
        }
        guard level >= 0.5, level <= 0.999 else { throw ValidationError("--level \(level) is not between 0.5 and 0.999.") }
        for (k, name) in covariateNames.enumerated() where covariateNames[..<k].contains(name) {
            throw ValidationError("--covariates names '\(name)' twice; list each covariate once.")
        }
        if covariateNames.contains(outcome) { throw ValidationError("--covariates names the outcome '\(outcome)'.") }
        for name in list(categorical ?? "") where !covariateNames.contains(name) {
            throw ValidationError("--categorical names '\(name)', which is not among --covariates.")
        }
    }

    func run() throws {
        try runReportingErrors(execute)
    }

    private func execute() throws {
        let folder = try MatchFolder.read(matchFolder)
        let settings = folder.summary.settings
        guard let target = GComputation.Target(rawValue: settings.estimand) else {
            throw MatchFolderError(message: "\(matchFolder)/summary.json: estimand '\(settings.estimand)' is not ATT, ATC or ATE")
        }
        // The covariance (MatchIt vignette: cluster by matched set after pair matching; HC3 where
        // there are no pairs, after subclassification, or with replacement without the sets).
        let covariance: GComputation.Covariance
        let reason: String
        let noPairs = ["exact", "cem", "subclass"].contains(settings.method)
        if folder.withReplacement && vcov != .hc3 && folder.pairs == nil {
            throw MatchFolderError(message: "\(matchFolder) was matched with replacement: its matched sets overlap and it has no pairs.csv recording them (it was written before `match` wrote one), so the two-way covariance by matched set and unit cannot be computed; re-run `counterfactual match`, or use --vcov HC3 (robust, as MatchIt's vignette suggests for matching with replacement)")
        }
        if se == .abadieImbens {
            guard settings.method == "nearest", folder.withReplacement, folder.pairs != nil else {
                throw MatchFolderError(message: "--se abadie-imbens is for nearest-neighbour matching with replacement (its matched sets from pairs.csv); \(matchFolder) was matched by method \(settings.method)\(folder.withReplacement ? "" : " without replacement")\(folder.withReplacement && folder.pairs == nil ? " and has no pairs.csv (re-run `counterfactual match`)" : "")")
            }
        }
        switch vcov {
        case _ where folder.withReplacement && vcov != .hc3:
            covariance = .setAndUnit
            reason = "matching with replacement: two-way cluster-robust by matched set and unit on get_matches() rows (pairs.csv), as MatchIt's vignette advises"
        case .hc3:
            covariance = .hc3
            reason = "requested (--vcov HC3)"
        case .cluster:
            guard folder.hasSubclasses else {
                throw MatchFolderError(message: "\(matchFolder)/matches.csv records no matched sets (subclass is empty), so there is nothing to cluster by; use --vcov HC3")
            }
            covariance = .clusterRobust
            reason = "requested (--vcov cluster)"
        case .auto:
            if noPairs {
                covariance = .hc3
                reason = "method \(settings.method) forms no pairs (or few subclasses): robust HC3, as MatchIt's vignette advises"
            } else if folder.hasSubclasses {
                covariance = .clusterRobust
                reason = "matching without replacement: cluster-robust by matched set (subclass), as MatchIt's vignette advises"
            } else {
                covariance = .hc3
                reason = "matches.csv records no matched sets: robust HC3"
            }
        }
        if folder.withReplacement && replicates > 0 {
            throw MatchFolderError(message: "\(matchFolder) was matched with replacement: matched sets that share controls are not independent units to resample (Abadie and Imbens 2008), so the cluster bootstrap is not run; pass --replicates 0")
        }

        // Not inside the match folder: a file there that its manifest does not list would make the
        // folder fail its own check.
        let matchReal = URL(fileURLWithPath: matchFolder).standardizedFileURL.resolvingSymlinksInPath().path
        let outReal = URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath().path
        if outReal.hasPrefix(matchReal + "/") {
            throw OutputRefused(path: out, reason: "is inside the match folder \(matchFolder), which must keep only the files its manifest lists; write the output to another folder")
        }
        let output = try OutputFolder(path: out, inputs: [data, matchFolder])
        var clock = StageClock()
        let digest = DigestSlot()
        var needed = [outcome, settings.treatment] + covariateNames
        if let id = settings.id { needed.append(id) }
        var unique: [String] = []
        for name in needed where !unique.contains(name) { unique.append(name) }
        let options = CSVReadOptions(columns: unique, textColumns: Set(list(categorical ?? "")),
                                     identifierColumns: settings.id.map { [$0] } ?? [])
        let table = CohortFileFormat(path: data) == .csv
            ? try CSVReader.read(path: data, options: options, alsoReading: { digest.update($0) })
            : try TableReader.read(path: data, options: options)
        let dataDigest = try digest.value ?? sha256(ofFile: data)
        clock.lap("load")
        let link = try folder.linkRows(to: table, dataSHA256: dataDigest)
        // The matched units, in matches.csv order, and their rows of the data file.
        let matched = folder.weights.indices.filter { folder.weights[$0] > 0 }
        let dataRows = matched.map { link[$0]! }
        let selected = table.selecting(rows: dataRows)
        let treatData = try selected.numeric(settings.treatment)
        for (k, line) in matched.enumerated() where (treatData[k] == 1) != folder.treated[line] {
            throw MatchFolderError(message: "\(data), line \(selected.line(ofRow: k)): \(settings.treatment) is \(formatShortest(treatData[k])) but \(matchFolder)/matches.csv (line \(line + 2)) has treat \(folder.treated[line] ? 1 : 0); the data file is not the one that was matched")
        }
        let frame = try ModelFrame(table: selected, treatment: settings.treatment, covariates: covariateNames, alsoRequired: [outcome])
        let y = try selected.numeric(outcome)
        let sample = try MatchedSample(
            outcome: y, treated: matched.map { folder.treated[$0] }, weights: matched.map { folder.weights[$0] },
            cluster: covariance == .clusterRobust ? matched.map { folder.subclass[$0] } : nil)
        let covariateColumns = frame.modelColumns.map { (name: $0.name, values: $0.values) }
        // pairs.csv's sets as positions among the matched units (the arrays above).
        var setsOfPositions: (focalUnits: [Int], matches: [[Int]])? = nil
        if let pairs = folder.pairs {
            var position: [Int: Int] = [:]
            for (k, line) in matched.enumerated() { position[line] = k }
            setsOfPositions = (pairs.focalUnits.map { position[$0]! }, pairs.matches.map { $0.map { position[$0]! } })
        }
        let procedure: GComputation
        if covariance == .setAndUnit, let sets = setsOfPositions {
            let rows = try MatchedSetRows(outcome: y, treated: sample.treated, focalUnits: sets.focalUnits, matches: sets.matches)
            procedure = try GComputation(rows: rows, covariates: covariateColumns, family: family, target: target)
        } else {
            procedure = try GComputation(sample: sample, covariates: covariateColumns, family: family, target: target)
        }
        let result = try procedure.estimate(covariance: covariance, level: level)
        clock.lap("estimate")
        let boot = replicates > 0 ? try procedure.bootstrap(replicates: replicates, seed: seed, level: level) : nil
        clock.lap("bootstrap")

        var abadieImbens: EffectDocument.AbadieImbensEstimate? = nil
        if se == .abadieImbens, let sets = setsOfPositions {
            let ai = try AbadieImbens.standardError(outcome: y, treated: sample.treated, focalUnits: sets.focalUnits,
                                                    matches: sets.matches, estimand: target == .atc ? .atc : .att)
            let test = try ai.inference(level: level)
            let estimated = settings.distance == "glm"
            abadieImbens = EffectDocument.AbadieImbensEstimate(
                estimate: ai.estimate, standardError: ai.standardError, statistic: test.statistic, pValue: test.pValue,
                lower: test.lower, upper: test.upper, sampleStandardError: ai.sampleStandardError,
                matchedFocalUnits: ai.matchedFocalUnits,
                scoreAdjustment: estimated
                    ? "not applied: the propensity score was estimated, and Abadie and Imbens (2016)'s adjustment is implemented for the ATE only (docs/inference.md); for the \(target.rawValue) this standard error treats the score as known"
                    : "not needed: the distance is the data's own column (\(settings.distance)), not an estimated score",
                method: "Abadie-Imbens (2006) standard error of the nearest-neighbour matching estimator with replacement, as Matching::Match(..., BiasAdjust = FALSE, Var.calc = 0) on the sets of pairs.csv; normal reference")
        }
        let treatedCount = sample.count(.treated)
        var document = EffectDocument(
            programVersion: counterfactualVersion, matchFolder: matchFolder, dataFile: data, outcome: outcome,
            covariates: covariateNames, result: result, covarianceReason: reason, treated: treatedCount,
            control: sample.count - treatedCount, bootstrap: boot)
        document.abadieImbens = abadieImbens
        try write(document.json().serialized(), to: output.url("effect.json"))
        let matchURL = URL(fileURLWithPath: matchFolder, isDirectory: true)
        try writeManifest(folder: output.staging,
                          inputs: [(role: "data", path: data),
                                   (role: "matches", path: matchURL.appendingPathComponent("matches.csv").path),
                                   (role: "match summary", path: matchURL.appendingPathComponent("summary.json").path)],
                          outputs: [(role: "effect", file: "effect.json")],
                          seeds: replicates > 0 ? [("bootstrap", String(seed))] : [], timings: clock.stages,
                          digests: (inputs: [data: dataDigest], outputs: [:]))
        try output.commit()
        if !quiet { print(text(document), terminator: "") }
    }

    /// The estimates as text.
    func text(_ d: EffectDocument) -> String {
        let percent = formatFixed(100 * d.level, decimals: d.level * 100 == (d.level * 100).rounded() ? 0 : 1)
        var out = "counterfactual effect: \(d.outcome) in \(d.matchFolder) (\(d.estimand), \(d.family))\n"
        out += "Model: \(d.model.formula) [\(d.model.fit)], \(d.sample.units) units (\(d.sample.treated) treated, \(d.sample.control) control), \(d.sample.focalUnits) focal\n"
        out += "Covariance: \(d.covariance) (\(d.covarianceReason))\n\n"
        var rows: [[String]] = []
        func number(_ x: Double) -> String { formatFixed(x, decimals: 4) }
        rows.append(["E[Y(1)]", number(d.potentialOutcomes.treated.estimate), number(d.potentialOutcomes.treated.standardError),
                     "\(number(d.potentialOutcomes.treated.lower)) to \(number(d.potentialOutcomes.treated.upper))", "", "", ""])
        rows.append(["E[Y(0)]", number(d.potentialOutcomes.control.estimate), number(d.potentialOutcomes.control.standardError),
                     "\(number(d.potentialOutcomes.control.lower)) to \(number(d.potentialOutcomes.control.upper))", "", "", ""])
        for e in d.effects {
            let b = d.bootstrap?.measures.first { $0.measure == e.measure }
            rows.append([e.label, number(e.estimate), number(e.standardError) + (e.testScale == "log" ? " (log)" : ""),
                         "\(number(e.lower)) to \(number(e.upper))", formatPValue(e.pValue),
                         b.map { "\(number($0.percentileLower)) to \(number($0.percentileUpper))" } ?? "",
                         b.map { m in m.bcaLower.flatMap { l in m.bcaUpper.map { "\(number(l)) to \(number($0))" } } ?? "undefined" } ?? ""])
        }
        out += TextTable(header: ["", "Estimate", "SE", "\(percent)% CI (delta)", "p", "Bootstrap percentile", "Bootstrap BCa"], rows: rows).render()
        if let b = d.bootstrap {
            out += "Bootstrap: \(b.replicates) replicates resampling \(b.clusters) \(b.resampled), seed \(b.seed).\n"
        }
        if let a = d.abadieImbens {
            out += "Abadie-Imbens: matching estimate \(number(a.estimate)), SE \(number(a.standardError)) (sample \(number(a.sampleStandardError))), "
            out += "\(percent)% CI \(number(a.lower)) to \(number(a.upper)), p \(formatPValue(a.pValue)), \(a.matchedFocalUnits) focal units; "
            out += "2016 adjustment \(a.scoreAdjustment.hasPrefix("not applied") ? "not applied (ATE only)" : "not needed").\n"
        }
        return out
    }
}

/// A p-value with four decimals, or "< 0.0001".
private func formatPValue(_ p: Double) -> String {
    p < 0.0001 ? "< 0.0001" : formatFixed(p, decimals: 4)
}
