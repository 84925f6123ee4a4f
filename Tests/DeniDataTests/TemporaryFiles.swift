import Foundation
import XCTest
@testable import DeniData

/// A scratch folder for files a test writes itself; removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("deni-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file.path
    }
}

/// Asserts that `body` throws a `DataError` whose file ends with `file`, with `line`, and whose problem contains `problem`.
func assertDataError<T>(_ body: @autoclosure () throws -> T, file: String, line: Int?, problem: String,
                        sourceFile: StaticString = #filePath, sourceLine: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error about '\(problem)'", file: sourceFile, line: sourceLine)
    } catch let error as DataError {
        XCTAssertTrue(error.file.hasSuffix(file), "file \(error.file) should end with \(file)", file: sourceFile, line: sourceLine)
        XCTAssertEqual(error.line, line, "line of: \(error)", file: sourceFile, line: sourceLine)
        XCTAssertTrue(error.problem.contains(problem), "'\(error.problem)' should contain '\(problem)'", file: sourceFile, line: sourceLine)
        XCTAssertTrue(error.description.contains(file), file: sourceFile, line: sourceLine)
    } catch {
        XCTFail("unexpected error type: \(error)", file: sourceFile, line: sourceLine)
    }
}

/// Loads a user file with `configure` applied to default options.
func loadUser(_ path: String, _ configure: (inout LoadOptions) -> Void = { _ in }) throws -> Dataset {
    var options = LoadOptions()
    configure(&options)
    return try DatasetRegistry.load(path, dataDirectory: URL(fileURLWithPath: "/nonexistent"), options: options)
}
