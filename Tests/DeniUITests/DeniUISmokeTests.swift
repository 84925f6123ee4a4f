import XCTest
@testable import DeniUI

final class DeniUISmokeTests: XCTestCase {
    func testModuleLoads() {}
}
