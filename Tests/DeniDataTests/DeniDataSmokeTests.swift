import XCTest
@testable import DeniData

final class DeniDataSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
