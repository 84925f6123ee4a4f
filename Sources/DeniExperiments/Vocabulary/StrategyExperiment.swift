import DeniTraining

/// Strategies that train under experiment-level settings of their own (`StrategyConfig.experiment`: a sweep's
/// point over the learning rate, the samples, the tuning…). Each strategy's runs are those of the experiment
/// `resolved(for:)` gives; the runner prepares data and model once per group of strategies that share them.
extension ExperimentFields {
    /// Experiment-level keys that hold one value for a whole experiment — what its runs are and how it executes:
    /// a strategy cannot override them.
    public static func isExperimentWide(_ key: String) -> Bool {
        ["name", "dataset", "modelPath", "runs", "firstRun", "seed", "evalSubsample", "evalEvery", "threads"].contains(key) || key.hasPrefix("data.")
    }

    /// The experiment-level row a strategy may override under `key` (a key or its flag), or why not.
    public static func overridable(_ key: String) throws(FieldError) -> Row {
        guard case .experiment(let row) = try resolve(key) else { throw FieldError("'\(key)' is a strategy setting, not an experiment-level one") }
        if isExperimentWide(row.field.key) {
            throw FieldError("'\(row.field.key)' holds one value for the whole experiment (\(row.field.label.lowercased())); it cannot vary between strategies")
        }
        return row
    }
}

extension ExperimentConfig {
    /// The experiment `strategy` trains in: this one with the strategy's experiment-level settings applied, and
    /// the strategy alone (under the label its runs carry).
    public func resolved(for strategy: StrategyConfig) throws(FieldError) -> ExperimentConfig {
        var c = self
        for (key, value) in strategy.experiment.sorted(by: { $0.key < $1.key }) {
            let row = try ExperimentFields.overridable(key)
            do throws(FieldError) { try row.field.set(&c, value) } catch { throw FieldError("\(strategy.label): \(row.field.key) \(error.message)") }
        }
        var s = strategy
        s.name = strategy.label
        s.experiment = [:]
        c.strategies = [s]
        c.sweep = nil
        return c
    }

    /// One strategy of this experiment as an experiment of its own, to start again (Results' "copy into
    /// Setup"): this experiment under the strategy's experiment-level settings, holding the baselines it is
    /// paired with — the first strategy of each other kind trained under the same settings with its kind's
    /// defaults — and then the strategy with its settings. No sweep plan; names and labels come from the settings.
    public func point(_ strategy: StrategyConfig) throws(FieldError) -> ExperimentConfig {
        var c = try resolved(for: strategy)
        var kinds: Set<StrategyKind> = [strategy.kind]
        let partners = strategies.filter { s in
            s.experiment == strategy.experiment && s.differences.isEmpty && kinds.insert(s.kind).inserted
        }
        c.strategies = (partners + [strategy]).map { s in var s = s; s.experiment = [:]; s.name = nil; return s }
        return c
    }

    /// The strategies grouped by their experiment-level settings, in order of first appearance: each group's
    /// experiment (its strategies, labels kept) and the strategies' indices in this config.
    public func groups() throws(FieldError) -> [(config: ExperimentConfig, indices: [Int])] {
        var order: [[String: String]] = [], members: [[String: String]: [Int]] = [:]
        for (i, s) in strategies.enumerated() {
            if members[s.experiment] == nil { order.append(s.experiment) }
            members[s.experiment, default: []].append(i)
        }
        return try order.map { key throws(FieldError) in
            let indices = members[key]!
            var c = try resolved(for: strategies[indices[0]])
            c.strategies = indices.map { i in var s = strategies[i]; s.name = s.label; s.experiment = [:]; return s }
            return (c, indices)
        }
    }

    /// The first strategy of kind Default that trains under the same experiment-level settings as `strategy`
    /// (the baseline its runs are paired with), else the first Default.
    public func baseline(for strategy: StrategyConfig) -> StrategyConfig? {
        strategies.first { $0.kind == .standard && $0.experiment == strategy.experiment } ?? strategies.first { $0.kind == .standard }
    }
}

extension StrategyConfig {
    /// The label its settings give, whatever it was recorded under (a pre-change config recorded each kind's
    /// plain name, so a variant's runs may carry "DENI").
    public var settingsLabel: String {
        var plain = self
        plain.name = nil
        return plain.label
    }
}
