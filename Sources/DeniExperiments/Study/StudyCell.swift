import DeniCore
import DeniData
import DeniTraining
import Foundation

/// Two strategies of one cell: the paired comparison (`PairedComparison`) and their cost ratio.
public struct StudyComparison: Encodable, Hashable, Sendable {
    public var strategy: String
    public var against: String
    public var paired: PairedComparison
    /// The paired differences (strategy − against), in run order: what pooling over cells weighs.
    public var differences: [Double]
    /// Mean model-steps of `strategy` over those of `against` (all finished runs of each).
    public var costRatio: Double

    public var pairs: Int { paired.pairs }
    public var meanDifference: Interval { paired.meanDifference }
    public var wilcoxonP: Double { paired.wilcoxonP }
    public var stdRatio: Interval { paired.stdRatio }

    enum CodingKeys: String, CodingKey { case strategy, against, costRatio }
    /// One flat object (strategy, against, the comparison's fields, costRatio), as `deni report --json` prints it.
    public func encode(to encoder: Encoder) throws {
        try paired.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(strategy, forKey: .strategy); try c.encode(against, forKey: .against); try c.encode(costRatio, forKey: .costRatio)
    }
}

/// A run recorded by two sessions of a cell (same strategy, run index and seeds): the first session's result
/// is the one used; the difference shows how far a rerun lands (another GEMM backend, another build).
public struct DuplicateRun: Codable, Hashable, Sendable {
    public var strategy: String
    public var run: Int
    public var used: Double
    public var other: Double
    public var usedSession: String
    public var otherSession: String
}

/// One cell of a study: every session with the same dataset, tuning and protocol, merged by strategy and run.
/// Only the experiment's name, strategies, run count and first run, threads and live-curve settings may differ
/// between the sessions of a cell (they do not change a run's result).
public struct StudyCell: Sendable {
    public var title: String
    /// A file-name slug of the title ("trec-lora").
    public var slug: String
    public var sessions: [RecordedSession]
    /// The first session's config with the strategies of every session (in order of appearance).
    public var config: ExperimentConfig
    /// Every session's events; a run finished in an earlier session is taken from that session only.
    public var events: [TrainingEvent]
    public var table: ResultsTable
    public var duplicates: [DuplicateRun]
    /// How each merged run ended.
    let outcomes: RunOutcomes

    /// What two sessions must share to be one cell: the config without the fields that do not affect results,
    /// plus the dataset's identity.
    static func identity(_ s: RecordedSession) -> String {
        var c = s.config
        c.name = ""; c.strategies = []; c.runs = 0; c.firstRun = 0; c.threads = 0; c.evalSubsample = 0; c.evalEvery = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let config = (try? encoder.encode(c)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return config + "|" + s.manifest.dataset.key + "|" + s.manifest.dataset.filesHash
    }

    /// Groups sessions into cells, in the order of each cell's first session.
    public static func cells(_ sessions: [RecordedSession]) -> [StudyCell] {
        var order: [String] = []
        var groups: [String: [RecordedSession]] = [:]
        for s in sessions {
            let key = identity(s)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(s)
        }
        var cells = order.map { StudyCell(groups[$0]!) }
        // Cells of the same dataset and tuning differ in protocol: their titles name the settings that differ
        // ("TREC, LoRA (lr 0.0005)"), or number them where it is something else (seeds, adapter settings, files).
        let titles = cells.map(\.title)
        for i in cells.indices {
            let same = titles.indices.filter { titles[$0] == titles[i] }
            guard same.count > 1, let k = same.firstIndex(of: i) else { continue }
            let facets = same.map { protocolFacets(cells[$0].config) }
            let differing = facets[k].indices.filter { f in Set(facets.map { $0[f] }).count > 1 }
            let unique = Set(facets.map { f in differing.map { f[$0] } }).count == same.count
            let suffix = !differing.isEmpty && unique ? differing.map { facets[k][$0] }.joined(separator: ", ") : "protocol \(k + 1)"
            cells[i].title += " (\(suffix))"
            cells[i].slug += "-" + slugged(suffix)
        }
        return cells
    }

    /// The max length a config trains at: its own, else the registered dataset's; nil for a user file without one.
    static func maxLength(_ c: ExperimentConfig) -> Int? { c.maxLength ?? DatasetRegistry.info(c.dataset)?.maxLength }

    /// The protocol settings a reader tells cells apart by, each as it reads in a title.
    static func protocolFacets(_ c: ExperimentConfig) -> [String] {
        ["\(c.trainSamples) samples", "\(c.epochs) epochs", "batch \(c.batchSize)",
                "lr \(String(format: "%g", c.effectiveLearningRate))", "length \(maxLength(c).map(String.init) ?? "default")",
                "\(c.pooling.rawValue) pooling", "head dropout \(String(format: "%g", c.headDropout))"]
    }

    /// Lower case, letters and digits kept, every other run of characters one "-".
    static func slugged(_ text: String) -> String {
        var out = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber { out.append(ch) } else if !out.isEmpty, out.last != "-" { out.append("-") }
        }
        while out.last == "-" { out.removeLast() }
        return out
    }

    init(_ sessions: [RecordedSession]) {
        self.sessions = sessions
        let first = sessions[0]
        var config = first.config
        config.strategies = []
        // Strategies are merged by identity (kind, settings, length, experiment-level settings), never by label
        // alone: a strategy met before joins it under the label it had there, and a new one whose recorded label
        // names another strategy (a variant recorded under its kind's plain label by a pre-change config) takes,
        // for this cell, the label its settings give, so it is never merged with, or paired as, the other one.
        var relabel: [[String: String]] = Array(repeating: [:], count: sessions.count)
        for (k, s) in sessions.enumerated() {
            for var strategy in s.config.strategies {
                let recorded = strategy.label
                var label = recorded
                if let same = config.strategies.first(where: { $0.identity == strategy.identity }) {
                    label = same.label   // the same strategy: its runs join those already there
                } else if config.strategies.contains(where: { $0.label == recorded }) {
                    let own = strategy.settingsLabel
                    label = config.strategies.contains(where: { $0.label == own }) ? "\(recorded) (\(s.manifest.name))" : own
                    strategy.name = label
                    config.strategies.append(strategy)
                } else {
                    config.strategies.append(strategy)
                }
                if label != recorded { relabel[k][recorded] = label }
            }
        }
        let sessionEvents = sessions.indices.map { k in
            relabel[k].isEmpty ? sessions[k].events
                : sessions[k].events.map { e in e.runID.flatMap { relabel[k][$0.strategy] }.map { e.relabeled($0) } ?? e }
        }
        config.firstRun = 0
        config.runs = sessions.map { $0.config.firstRun + $0.config.runs }.max() ?? config.runs
        self.config = config
        let dataset = Self.datasetName(first.manifest.dataset.key)
        // A sweep's cell names what it varies; its points are rows of the cell's table.
        title = "\(dataset), \(config.tuning.kind.displayName)" + (config.sweep.map { " — sweep over \($0.axes.map(\.key).joined(separator: ", "))" } ?? "")
        slug = Self.slugged("\(first.manifest.dataset.key)-\(config.tuning.kind.rawValue)" + (config.sweep == nil ? "" : "-sweep"))

        // Runs finished per session, first session wins; duplicates are recorded.
        var owner: [RunID: (session: Int, f1: Double)] = [:]
        var duplicates: [DuplicateRun] = []
        for (k, s) in sessions.enumerated() {
            for (id, outcome) in RunOutcomes(sessionEvents[k]).ended where outcome.isFinished {
                let f1 = outcome.metrics!.macroF1
                if let o = owner[id] {
                    duplicates.append(DuplicateRun(strategy: id.strategy, run: id.run, used: o.f1, other: f1,
                                                   usedSession: sessions[o.session].manifest.name, otherSession: s.manifest.name))
                } else {
                    owner[id] = (k, f1)
                }
            }
        }
        var merged: [TrainingEvent] = []
        for k in sessions.indices {
            for e in sessionEvents[k] {
                guard let id = e.runID else { continue }
                if let o = owner[id], o.session != k { continue }
                merged.append(e)
            }
        }
        self.events = merged
        self.duplicates = duplicates.sorted { ($0.strategy, $0.run) < ($1.strategy, $1.run) }
        outcomes = RunOutcomes(merged)
        table = ResultsTable.derive(config: config, events: merged, classCount: first.manifest.dataset.classCount)
    }

    public func row(_ strategy: String) -> StrategyResult? { table.rows.first { $0.strategy == strategy } }

    /// `strategy` against `other` (`PairedComparison`, seeded with the cell's `baseSeeds.split`); nil below 2 pairs.
    public func compare(_ strategy: String, with other: String) -> StudyComparison? {
        guard let ra = row(strategy), let rb = row(other),
              let p = PairedComparison(outcomes.finished(strategy), against: outcomes.finished(other), seed: config.baseSeeds.split) else { return nil }
        let (a, b) = PairedComparison.pairs(outcomes.finished(strategy), outcomes.finished(other))
        return StudyComparison(strategy: strategy, against: other, paired: p, differences: zip(a, b).map { $0 - $1 },
                               costRatio: ra.modelSteps / rb.modelSteps)
    }

    /// The comparisons a study reports: every strategy against the Default it is paired with (the one trained
    /// under its experiment-level settings: `ExperimentConfig.baseline(for:)`), DENI and each variant of it
    /// against Ensemble, DENI + Augment against DENI, and each variant (a kind with settings of its own, such as
    /// DENI with copies that follow the schedule) against its kind at the defaults.
    public var comparisons: [StudyComparison] {
        var out = config.strategies.filter { $0.kind != .standard }.compactMap { s in
            config.baseline(for: s).flatMap { compare(s.label, with: $0.label) }
        }
        let deni = StrategyKind.deni.displayName, ensemble = StrategyKind.ensemble.displayName
        for s in config.strategies where s.kind == .deni { if let c = compare(s.label, with: ensemble) { out.append(c) } }
        if let c = compare(StrategyKind.deniAugment.displayName, with: deni) { out.append(c) }
        for s in config.strategies where !s.differences.isEmpty {
            guard let plain = config.strategies.first(where: { $0.kind == s.kind && $0.differences.isEmpty && $0.experiment == s.experiment }),
                  let c = compare(s.label, with: plain.label) else { continue }
            out.append(c)
        }
        return out
    }

    /// Final macro-F1 per run index of a strategy (finished runs).
    public func finalF1(_ strategy: String) -> [Int: Double] { outcomes.finalF1(strategy) }

    /// The registered dataset's short name (its title up to the first space or parenthesis), else the key.
    static func datasetName(_ key: String) -> String {
        guard let title = DatasetRegistry.info(key)?.title else { return key }
        return String(title.prefix { $0 != " " && $0 != "(" })
    }

}
