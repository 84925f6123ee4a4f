import DeniData
import DeniTraining

/// SVG of one curve per run with each strategy's mean line and ± std band (population std over the finished runs
/// that recorded the step). Structure, relied on by tests and tools: one `<g class="series" data-strategy="…">` per
/// strategy holding a `polygon.band` (with ≥ 2 finished runs), one `polyline.run` per finished run, one dashed
/// `polyline.unfinished-run` per run that failed, was cancelled or was interrupted (drawn where it stopped, never in
/// the mean), and one `polyline.mean`; the legend's n counts finished runs and names the others. Behind the curves, one
/// `<g class="phases" data-strategy="…">` per strategy whose runs recorded interpolation rounds (DENI) holds a
/// `rect.phase` per interpolation round and delayed ensemble (`data-phase`, `data-from`, `data-to`: steps).
public enum CurvePlot {
    public enum Metric: String, Sendable { case loss, evalMacroF1 = "eval_f1" }

    public struct Options: Sendable {
        /// Debiased exponential smoothing weight applied to each run before averaging and thinning (0: none).
        public var smoothing: Double
        /// Points per polyline at most (evenly thinned after smoothing; the last point is kept).
        public var maxPoints: Int
        public init(smoothing: Double, maxPoints: Int = 600) { self.smoothing = smoothing; self.maxPoints = maxPoints }
        /// Loss is smoothed (0.9), evaluation curves are not.
        public static func `default`(for metric: Metric) -> Options { Options(smoothing: metric == .loss ? 0.9 : 0) }
    }

    public static func svg(_ curves: SessionCurves, metric: Metric, options: Options? = nil) -> String {
        let options = options ?? .default(for: metric)
        // strategy → runs → finite (step, value) points, smoothed.
        var series: [(name: String, runs: [[(Double, Double)]], unfinished: [[(Double, Double)]], unfinishedStates: [RunState])] = []
        for name in curves.strategies {
            let of = curves.runs.filter { $0.id.strategy == name }
            func points(_ run: RunCurve) -> [(Double, Double)] {
                let pts = metric == .loss ? zip(run.steps, run.loss).map { (Double($0), $1) }
                                          : zip(run.evalSteps, run.evalMacroF1).map { (Double($0), $1) }
                return smooth(pts.filter { $0.1.isFinite }, weight: options.smoothing)
            }
            let unfinished = of.filter { !$0.isFinished }
            series.append((name, of.filter(\.isFinished).map(points), unfinished.map(points), unfinished.map(\.endState)))
        }
        let bands = series.map { band($0.runs) }
        let all = series.flatMap { ($0.runs + $0.unfinished).flatMap { $0 } } + bands.flatMap { $0.flatMap { [($0.x, $0.mean - $0.std), ($0.x, $0.mean + $0.std)] } }
        let xs = all.map(\.0), ys = all.map(\.1)
        let xRange = (xs.min() ?? 0)...(xs.max() ?? 1)
        let pad = ((ys.max() ?? 1) - (ys.min() ?? 0)) * 0.05
        var canvas = SVGCanvas(xRange: xRange, yRange: ((ys.min() ?? 0) - pad)...((ys.max() ?? 1) + pad))
        let title = metric == .loss ? "Training loss" + (options.smoothing > 0 ? " (EMA \(options.smoothing), debiased)" : "")
                                    : "Evaluation macro-F1"
        canvas.axes(xLabel: "step", yLabel: metric == .loss ? "loss" : "macro-F1 (%)")
        let styles = StrategyStyles(curves.strategies)
        // Interpolation rounds (light) and the delayed ensemble (dark) of strategies that interpolate, from the
        // phase events of their first run (a strategy's runs share one schedule).
        var shaded: [String] = []
        for name in curves.strategies {
            guard let run = curves.runs.first(where: { $0.id.strategy == name && $0.phases.contains(.interpolating) }) else { continue }
            let style = PlotStyle(strategy: name, in: styles)
            var g = "<g class=\"phases\" data-strategy=\"\(SVGCanvas.escape(name))\">\n"
            for span in run.phaseSpans {
                let x0 = max(canvas.left, canvas.x(Double(span.from))), x1 = min(canvas.left + canvas.plotWidth, canvas.x(Double(span.to)))
                guard x1 > x0 else { continue }
                g += "<rect class=\"phase\" data-phase=\"\(span.phase.rawValue)\" data-from=\"\(span.from)\" data-to=\"\(span.to)\" x=\"\(f(x0))\" y=\"\(f(canvas.top))\" width=\"\(f(x1 - x0))\" height=\"\(f(canvas.plotHeight))\" fill=\"\(style.color)\" fill-opacity=\"\(span.phase == .ensemble ? "0.16" : "0.08")\" stroke=\"none\"/>\n"
            }
            canvas.add(g + "</g>")
            shaded.append(name)
        }
        if !shaded.isEmpty {
            canvas.note("shaded: interpolation rounds (light) and delayed ensemble (dark) of " + shaded.joined(separator: ", ") + ", from the recorded phase events")
        }
        for (i, s) in series.enumerated() {
            let style = PlotStyle(strategy: s.name, in: styles)
            var g = "<g class=\"series\" data-strategy=\"\(SVGCanvas.escape(s.name))\">\n"
            let b = bands[i]
            if s.runs.filter({ !$0.isEmpty }).count >= 2 {
                let outline = b.map { ($0.x, $0.mean + $0.std) } + b.reversed().map { ($0.x, $0.mean - $0.std) }
                g += "<polygon class=\"band\" points=\"\(canvas.points(thin(outline, options.maxPoints * 2)))\" fill=\"\(style.color)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
            }
            for run in s.runs {
                g += "<polyline class=\"run\" points=\"\(canvas.points(thin(run, options.maxPoints)))\" fill=\"none\" stroke=\"\(style.color)\" stroke-opacity=\"0.35\" stroke-width=\"0.8\"/>\n"
            }
            for run in s.unfinished {
                g += "<polyline class=\"unfinished-run\" points=\"\(canvas.points(thin(run, options.maxPoints)))\" fill=\"none\" stroke=\"\(style.color)\" stroke-opacity=\"0.35\" stroke-width=\"0.8\" stroke-dasharray=\"2 2\"/>\n"
            }
            let mean = thin(b.map { ($0.x, $0.mean) }, options.maxPoints)
            g += "<polyline class=\"mean\" points=\"\(canvas.points(mean))\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"2.2\"\(canvas.dashAttribute(style))/>\n"
            if !mean.isEmpty {
                for k in 0..<6 { let p = mean[(mean.count - 1) * k / 5]; g += canvas.marker(style, at: (canvas.x(p.0), canvas.y(p.1))) }
            }
            canvas.add(g + "</g>")
        }
        canvas.legend(series.map { s in
            let others = RunState.unfinished.compactMap { state in
                let k = s.unfinishedStates.filter { $0 == state }.count
                return k > 0 ? "\(k) \(state.rawValue)" : nil
            }
            return ("\(s.name) (n=\(s.runs.count)" + others.map { "; " + $0 }.joined() + ")", PlotStyle(strategy: s.name, in: styles))
        })
        return canvas.document(title: title)
    }

    /// Debiased EMA: s_t = w·s_{t−1} + (1 − w)·x_t, reported as s_t / (1 − w^t).
    static func smooth(_ pts: [(Double, Double)], weight w: Double) -> [(Double, Double)] {
        guard w > 0 else { return pts }
        var s = 0.0, correction = 1.0
        return pts.map { p in
            s = w * s + (1 - w) * p.1
            correction *= w
            return (p.0, s / (1 - correction))
        }
    }

    /// Mean and population std across runs at every x some run recorded.
    static func band(_ runs: [[(Double, Double)]]) -> [(x: Double, mean: Double, std: Double)] {
        var byX: [Double: [Double]] = [:]
        for run in runs { for (x, y) in run { byX[x, default: []].append(y) } }
        return byX.keys.sorted().map { x in let s = Statistics.summary(byX[x]!); return (x, s.mean, s.std) }
    }

    /// Every k-th point so at most `limit` remain, plus the last.
    static func thin(_ pts: [(Double, Double)], _ limit: Int) -> [(Double, Double)] {
        guard pts.count > limit, limit > 1 else { return pts }
        let k = (pts.count + limit - 2) / (limit - 1)
        var out = stride(from: 0, to: pts.count, by: k).map { pts[$0] }
        if (pts.count - 1) % k != 0 { out.append(pts[pts.count - 1]) }
        return out
    }
}
