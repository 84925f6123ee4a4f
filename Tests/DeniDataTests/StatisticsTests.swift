import DeniCore
import XCTest
@testable import DeniData

/// Expected numbers come from SciPy 1.17.1 / NumPy 2.4.6 (system python3), produced by a script that called
/// `scipy.stats.wilcoxon(a, b).pvalue`, `scipy.stats.ttest_ind(a, b, equal_var=False)`,
/// `scipy.special.betainc(a, b, x)` and `scipy.stats.bootstrap(..., method="percentile")`; the inputs were drawn
/// there with `numpy.random.default_rng(7)` and are copied below verbatim.
final class StatisticsTests: XCTestCase {
    let a1 = [70.006, 71.494, 68.629, 65.547, 67.727, 65.042, 70.301, 76.701, 67.539, 66.898]
    let b1 = [70.449, 69.784, 68.527, 63.348, 67.854, 71.477, 61.279, 65.712, 58.494, 61.552]
    let a4 = [0.0, 0.0, 0.0, 0.6, 0.5, 0.1, -2.2, -0.2, 0.3, 0.4, -1.2, -0.2, -0.7, -0.5, 1.4, -0.5, 0.3, 1.2, -0.3, 0.2,
              0.4, 0.4, -0.9, 0.4, 1.7, -1.2, 1.2, 0.4, -0.3, 2.3, 1.1, -0.9, 0.4, 0.9, 0.1, 1.0, 0.2, 1.0, 1.7, -0.4, 0.5,
              -0.2, 0.4, -0.9, -0.3, 0.1, 1.2, 1.4, -1.0, -0.5, 0.9, -1.7, -0.2, 0.2, 1.6, 1.0, -0.0, -0.1, 0.0, 1.8]
    let a5 = [0.1, 0.2, 0.9, 0.4, 0.3, -0.6, 0.5, 0.1, 1.7, 1.2, 0.5, 1.2, 0.2, 1.6, 0.5, 1.1, -0.8, 0.8, -1.2, -1.5]
    let a6 = [0.0955231222885628, -0.4999276075985952, 0.5640527957122226, 2.6447566264860494, -0.43172318141208166,
              -0.22394358644390588, 0.6054039460646989, 0.8930132914123563, 0.22359393409424183, 0.19406966974678355,
              1.1024629551205443, 0.9199076370338984, -0.6336758320736887, 0.3208186813841582, 0.43528684866147416,
              -0.6544846220491104, 0.6598391006743634, -0.45795647717654386, 1.3720667079170428, 0.5927459126050725,
              0.48930648576905034, -0.19102835285627395, 0.281390176122306, -1.597746292907055, -0.7314074705230585,
              0.7628397991887543, -1.7285670418221448, 1.2466085214811633, -1.3460964753739089, 1.1567385026642676]
    let a7 = [72.46350890136203, 77.33697325302738, 75.3928536227544, 70.38949517912553, 78.74744624867536,
              79.32512146656784, 74.80258528199938, 74.17825118348304, 74.52039910208809, 72.07454303166377,
              78.29576027927075, 73.37132420480944, 74.84642876192497, 72.62011079039087, 73.12178070083941,
              71.1668245450465, 78.77120794114317, 74.53773728038196, 77.89776485618643, 75.03997379073978]
    let b7 = [72.50511419291638, 76.82700114303076, 75.23320019850875, 69.37755653034816, 78.31034650819079,
              78.77500404048054, 75.87044730820325, 74.38852007491472, 71.03931277888745, 72.08139285604135,
              78.876900960706, 71.86533470594689, 71.73552046259017, 73.80114724411268, 72.43456347321631,
              71.11490337594886, 80.41273715263428, 72.43534721649438, 76.9329307340187, 73.93281102430088]

    func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }

    func testWilcoxonExactWithoutTies() {
        XCTAssertEqual(Statistics.wilcoxonSignedRank(a1, b1), 0.130859375, accuracy: 1e-12)
        XCTAssertEqual(Statistics.wilcoxonSignedRank(a6, zeros(30)), 0.22064675763249397, accuracy: 1e-12)
        // Symmetric in the order of the arguments.
        XCTAssertEqual(Statistics.wilcoxonSignedRank(b1, a1), 0.130859375, accuracy: 1e-12)
    }

    func testWilcoxonSmallSamplesWithTiesOrZerosUsePermutationDistribution() {
        let a2 = [71.0, 72, 70, 69, 75, 74, 73, 70, 71, 68], b2 = [70.0, 70, 69, 70, 72, 72, 70, 71, 69, 70]
        XCTAssertEqual(Statistics.wilcoxonSignedRank(a2, b2), 0.12109375, accuracy: 1e-12)
        let a3 = [1.5, 2.0, 3.0, 0.5, 4.0, 2.0, 1.0, 3.5, 2.5, 0.0, 5.0, 6.0]
        let b3 = [1.0, 2.0, 1.0, 1.5, 1.0, 2.0, 0.0, 1.0, 0.5, 0.0, 1.0, 1.0]
        XCTAssertEqual(Statistics.wilcoxonSignedRank(a3, b3), 0.015625, accuracy: 1e-12)
    }

    func testWilcoxonNormalApproximationWithTies() {
        XCTAssertEqual(Statistics.wilcoxonSignedRank(a4, zeros(60)), 0.05636899054118152, accuracy: 1e-12)
        XCTAssertEqual(Statistics.wilcoxonSignedRank(a5, zeros(20)), 0.06435097511563588, accuracy: 1e-12)
    }

    func testWilcoxonDegenerateInputs() {
        XCTAssertEqual(Statistics.wilcoxonSignedRank([1, 2, 3], [1, 2, 3]), 1)
        XCTAssertTrue(Statistics.wilcoxonSignedRank([], []).isNaN)
        XCTAssertTrue(Statistics.wilcoxonSignedRank([1, 2], [1]).isNaN)
    }

    func testWelchT() {
        let r = Statistics.welchT(a1, b1)
        XCTAssertEqual(r.t, 1.7700836828198798, accuracy: 1e-12)
        XCTAssertEqual(r.df, 16.81858349996138, accuracy: 1e-10)
        XCTAssertEqual(r.p, 0.09483728043306376, accuracy: 1e-12)
        let s = Statistics.welchT(a5, a6)
        XCTAssertEqual(s.t, 0.6109201650522869, accuracy: 1e-12)
        XCTAssertEqual(s.df, 43.18555907415267, accuracy: 1e-10)
        XCTAssertEqual(s.p, 0.5444547088163155, accuracy: 1e-12)
        XCTAssertTrue(Statistics.welchT([1], [1, 2]).p.isNaN)
        XCTAssertTrue(Statistics.welchT([1, 1], [2, 2]).p.isNaN)
    }

    func testRegularizedIncompleteBeta() {
        XCTAssertEqual(Statistics.regularizedIncompleteBeta(0.3, a: 2.5, b: 0.5), 0.018927124071945658, accuracy: 1e-14)
        XCTAssertEqual(Statistics.regularizedIncompleteBeta(0.9, a: 10, b: 0.5), 0.15164090963470994, accuracy: 1e-13)
        XCTAssertEqual(Statistics.regularizedIncompleteBeta(0.5, a: 200, b: 3) / 3.189917631431621e-57, 1, accuracy: 1e-10)
        XCTAssertEqual(Statistics.regularizedIncompleteBeta(0.01, a: 0.5, b: 0.5), 0.06376856085851985, accuracy: 1e-13)
        XCTAssertEqual(Statistics.regularizedIncompleteBeta(0, a: 2, b: 3), 0)
        XCTAssertEqual(Statistics.regularizedIncompleteBeta(1, a: 2, b: 3), 1)
    }

    /// SciPy's percentile bootstrap (200,000 resamples, its own generator) gave [0.006996585420642777,
    /// 1.1237200540073404] around the mean difference 0.5474999219994402 (SE 0.293). Ours uses another
    /// generator and 10,000 resamples, so the ends agree to Monte Carlo error only (0.05 ≈ 0.17 SE).
    func testIndependentBootstrapMatchesNormalTheoryOnLargeSamples() {
        // Two deterministic samples of 400 and 300 values: the percentile interval of mean(a) − mean(b) should be
        // close to estimate ± 1.96·√(σa²/na + σb²/nb) (population variances, as the bootstrap resamples them).
        var r = RandomStream(seed: 9, factor: .noise)
        let a = (0..<400).map { _ in 5 + 2 * Double(r.nextNormal()) }, b = (0..<300).map { _ in 4 + Double(r.nextNormal()) }
        let i = Statistics.independentBootstrap(a, b, seed: 3)
        let sa = Statistics.summary(a), sb = Statistics.summary(b)
        XCTAssertEqual(i.estimate, sa.mean - sb.mean, accuracy: 1e-12)
        let half = 1.96 * (sa.std * sa.std / 400 + sb.std * sb.std / 300).squareRoot()
        XCTAssertEqual(i.high - i.estimate, half, accuracy: 0.1 * half)
        XCTAssertEqual(i.estimate - i.low, half, accuracy: 0.1 * half)
        XCTAssertEqual(Statistics.independentBootstrap(a, b, seed: 3), i)
        XCTAssertTrue(Statistics.independentBootstrap([], b, seed: 3).estimate.isNaN)
    }

    func testPairedBootstrapAgreesWithSciPyAndIsReproducible() {
        let r = Statistics.pairedBootstrap(a7, b7, seed: 42)
        XCTAssertEqual(r.estimate, 0.5474999219994402, accuracy: 1e-12)
        XCTAssertEqual(r.low, 0.006996585420642777, accuracy: 0.05)
        XCTAssertEqual(r.high, 1.1237200540073404, accuracy: 0.05)
        XCTAssertEqual(Statistics.pairedBootstrap(a7, b7, seed: 42), r)
        XCTAssertNotEqual(Statistics.pairedBootstrap(a7, b7, seed: 43), r)
        let narrow = Statistics.pairedBootstrap(a7, b7, seed: 42, confidence: 0.5)
        XCTAssertTrue(narrow.low > r.low && narrow.high < r.high)
        // Constant differences: a degenerate interval.
        let c = Statistics.pairedBootstrap([3, 4, 5], [1, 2, 3], resamples: 100, seed: 1)
        XCTAssertEqual(c, Interval(estimate: 2, low: 2, high: 2))
        XCTAssertTrue(Statistics.pairedBootstrap([1], [1, 2], seed: 1).estimate.isNaN)
    }

    /// SciPy (100,000 resamples of std(a)/std(b), ddof 0): paired [0.7246134569807483, 0.998956615936045],
    /// unpaired [0.6078647972837408, 1.2206929197997816], estimate 0.8592095272274944.
    func testStdRatioBootstrapAgreesWithSciPy() {
        let p = Statistics.stdRatioBootstrap(a7, b7, paired: true, seed: 9)
        XCTAssertEqual(p.estimate, 0.8592095272274944, accuracy: 1e-12)
        XCTAssertEqual(p.low, 0.7246134569807483, accuracy: 0.02)
        XCTAssertEqual(p.high, 0.998956615936045, accuracy: 0.02)
        let u = Statistics.stdRatioBootstrap(a7, b7, paired: false, seed: 9)
        XCTAssertEqual(u.estimate, p.estimate)
        XCTAssertEqual(u.low, 0.6078647972837408, accuracy: 0.03)
        XCTAssertEqual(u.high, 1.2206929197997816, accuracy: 0.03)
        XCTAssertEqual(Statistics.stdRatioBootstrap(a7, b7, paired: false, seed: 9), u)
    }

    func testQuantileMatchesNumpyLinearRule() {
        // numpy.percentile([1, 2, 4, 8], [2.5, 97.5]) = [1.075, 7.7]
        XCTAssertEqual(Statistics.quantile(sorted: [1, 2, 4, 8], 0.025), 1.075, accuracy: 1e-12)
        XCTAssertEqual(Statistics.quantile(sorted: [1, 2, 4, 8], 0.975), 7.7, accuracy: 1e-12)
    }
}
