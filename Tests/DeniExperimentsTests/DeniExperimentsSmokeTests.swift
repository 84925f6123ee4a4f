import XCTest
@testable import DeniExperiments

final class DeniExperimentsSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
