import DeniUI
/// Figures of `deni bench ui`.
func uiBenchmarkFigures() -> [String: Double] { [:] }
