import DeniTraining

/// Builds the loss and test-metric charts of an experiment from its event-sourced model.
enum ExperimentCharts {
    /// Chart ranges covering the current data (x: steps; loss ≥ 0; metric within 0...100).
    static func ranges(model: ExperimentModel, view: ExperimentView) -> ChartRanges {
        var maxSteps = 1
        var losses: [Double] = []
        var metric: [Double] = []
        for r in model.runs.values {
            maxSteps = max(maxSteps, r.totalSteps, r.step)
            let stride = max(1, r.losses.count / 200)
            var i = 0
            while i < r.losses.count { losses.append(Double(r.losses[i])); i += stride }
            if let l = r.losses.last { losses.append(Double(l)) }
            for e in r.evals { metric.append(view.metric == .macroF1 ? e.macroF1 : e.accuracy) }
        }
        return ChartRanges(steps: 0...Double(maxSteps),
                           loss: LineChart.niceRange(losses, fallback: 0...2, clampTo: 0...Double.greatestFiniteMagnitude),
                           metric: LineChart.niceRange(metric, fallback: 0...100, clampTo: 0...100))
    }

    /// The runs a per-run chart shows: those of the selected run's strategy.
    static func selectedRun(_ model: ExperimentModel, _ view: ExperimentView) -> RunTrack? {
        guard !model.runOrder.isEmpty else { return nil }
        return model.runs[model.runOrder[min(view.selectedRun, model.runOrder.count - 1)]]
    }

    /// Mean loss per step bin (bins of `binWidth` steps), for down-sampling before drawing.
    static func binnedLoss(_ r: RunTrack, bins: Int, maxStep: Double) -> [Double] {
        var sums = [Double](repeating: 0, count: bins), counts = [Int](repeating: 0, count: bins)
        let scale = Double(bins) / max(maxStep, 1)
        for i in r.losses.indices {
            let b = min(bins - 1, max(0, Int((Double(r.lossSteps[i]) - 1) * scale)))
            sums[b] += Double(r.losses[i]); counts[b] += 1
        }
        return (0..<bins).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : .nan }
    }

    static func loss(model: ExperimentModel, view: ExperimentView, pixelWidth: Int, glyphs: Glyphs) -> LineChart {
        let ranges = view.ranges ?? ExperimentCharts.ranges(model: model, view: view)
        var chart = LineChart(title: "Training loss", xRange: ranges.steps, yRange: ranges.loss)
        chart.formatX = LineChart.integer
        let bins = max(2, pixelWidth)
        let maxStep = ranges.steps.upperBound
        let binX = { (b: Int) -> Double in (Double(b) + 0.5) * maxStep / Double(bins) }
        let selected = selectedRun(model, view)
        switch view.chartMode {
        case .runs:
            guard let sel = selected else { return chart }
            chart.title = "Training loss · \(sel.id.strategy) runs"
            for r in model.runs(of: sel.id.strategy) {
                let binned = binnedLoss(r, bins: bins, maxStep: maxStep)
                let pts = binned.enumerated().compactMap { $0.element.isNaN ? nil : (x: binX($0.offset), y: $0.element) }
                chart.series.append(ChartSeries(points: pts, ink: .series(r.id.run), marker: glyphs.marker(r.id.run),
                                                emphasis: r.id == sel.id))
            }
        case .strategies:
            chart.title = "Training loss · mean ± std per strategy"
            for name in model.strategies {
                let i = model.style(name)
                let runs = model.runs(of: name)
                guard !runs.isEmpty else { continue }
                let per = runs.map { binnedLoss($0, bins: bins, maxStep: maxStep) }
                var mean: [(x: Double, y: Double)] = [], band: [(x: Double, low: Double, high: Double)] = []
                for b in 0..<bins {
                    let vals = per.map { $0[b] }.filter { !$0.isNaN }
                    guard !vals.isEmpty else { continue }
                    let (m, s) = meanStd(vals)
                    mean.append((binX(b), m))
                    if vals.count > 1 { band.append((binX(b), m - s, m + s)) }
                }
                if band.count > 1 { chart.bands.append(ChartBand(points: band, ink: .series(i))) }
                chart.series.append(ChartSeries(points: mean, ink: .series(i), marker: glyphs.marker(i), emphasis: true))
            }
        }
        chart.rules = (selected?.interpolationSteps ?? []).map(Double.init)
        return chart
    }

    static func metric(model: ExperimentModel, view: ExperimentView, glyphs: Glyphs) -> LineChart {
        let ranges = view.ranges ?? ExperimentCharts.ranges(model: model, view: view)
        let name = view.metric == .macroF1 ? "macro-F1" : "accuracy"
        var chart = LineChart(title: "Test \(name) (%)", xRange: ranges.steps, yRange: ranges.metric)
        chart.formatX = LineChart.integer
        chart.formatY = { LineChart.fmt($0, 1) }
        let value = { (e: EvalPoint) -> Double in view.metric == .macroF1 ? e.macroF1 : e.accuracy }
        let selected = selectedRun(model, view)
        switch view.chartMode {
        case .runs:
            guard let sel = selected else { return chart }
            chart.title = "Test \(name) (%) · \(sel.id.strategy) runs"
            for r in model.runs(of: sel.id.strategy) {
                chart.series.append(ChartSeries(points: r.evals.map { (Double($0.step), value($0)) }, ink: .series(r.id.run),
                                                marker: glyphs.marker(r.id.run), emphasis: r.id == sel.id))
            }
        case .strategies:
            chart.title = "Test \(name) (%) · mean ± std per strategy"
            for line in metricMeans(model: model, metric: view.metric) {
                let i = model.style(line.strategy)
                if line.band.count > 1 { chart.bands.append(ChartBand(points: line.band, ink: .series(i))) }
                chart.series.append(ChartSeries(points: line.mean, ink: .series(i), marker: glyphs.marker(i), emphasis: true))
            }
        }
        chart.rules = (selected?.interpolationSteps ?? []).map(Double.init)
        return chart
    }

    /// Per strategy with evaluations (display order): the mean test metric at each evaluated step and, where
    /// more than one run was evaluated there, mean ± std.
    static func metricMeans(model: ExperimentModel, metric: MetricKind)
        -> [(strategy: String, mean: [(x: Double, y: Double)], band: [(x: Double, low: Double, high: Double)])] {
        model.strategies.compactMap { s in
            var byStep: [Int: [Double]] = [:]
            for r in model.runs(of: s) { for e in r.evals { byStep[e.step, default: []].append(metric == .macroF1 ? e.macroF1 : e.accuracy) } }
            guard !byStep.isEmpty else { return nil }
            var mean: [(x: Double, y: Double)] = [], band: [(x: Double, low: Double, high: Double)] = []
            for step in byStep.keys.sorted() {
                let (m, sd) = meanStd(byStep[step]!)
                mean.append((Double(step), m))
                if byStep[step]!.count > 1 { band.append((Double(step), m - sd, m + sd)) }
            }
            return (s, mean, band)
        }
    }

    /// Population mean and std.
    static func meanStd(_ v: [Double]) -> (Double, Double) {
        let m = v.reduce(0, +) / Double(v.count)
        let s = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot()
        return (m, s)
    }
}
