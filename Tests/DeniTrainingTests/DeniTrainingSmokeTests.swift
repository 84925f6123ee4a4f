import XCTest
@testable import DeniTraining

final class DeniTrainingSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
