import DeniUI

/// Figures of `deni bench ui` (render time at 200 × 60, reducer throughput).
func uiBenchmarkFigures() -> [String: Double] { uiBenchmark() }
