import XCTest
@testable import DeniModel

final class DeniModelSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
