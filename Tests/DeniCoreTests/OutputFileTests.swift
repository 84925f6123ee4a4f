import Foundation
import XCTest
@testable import DeniCore

/// Paths a user gives for reading a digest or writing a result: special files are refused by name, never opened
/// (a named pipe would block for ever) nor replaced (an atomic write renames a regular file over them).
final class OutputFileTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("deni-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testDigestRefusesANamedPipeAndNamesAMissingFile() throws {
        let pipe = folder.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(pipe.path, 0o600), 0)
        XCTAssertThrowsError(try FileDigest.sha256(pipe)) { XCTAssertEqual(FileProblem.describe($0), "\(pipe.path) is a named pipe (FIFO), not a regular file") }
        let missing = folder.appendingPathComponent("missing.csv")
        XCTAssertThrowsError(try FileDigest.sha256(missing)) { XCTAssertEqual(FileProblem.describe($0), "\(missing.path): no such file") }
        let file = folder.appendingPathComponent("abc.txt")
        try Data("abc".utf8).write(to: file)
        XCTAssertEqual(try FileDigest.sha256(file), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testWriteRefusesSpecialFilesAndFollowsLinks() throws {
        let pipe = folder.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(pipe.path, 0o600), 0)
        XCTAssertThrowsError(try OutputFile.write(Data("x".utf8), to: pipe, what: "the test")) {
            XCTAssertTrue("\($0)".contains("a named pipe"), "\($0)")
        }
        var info = stat()
        XCTAssertEqual(stat(pipe.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the pipe was replaced")
        XCTAssertEqual(OutputFile.problem(folder), "\(folder.path) is a folder, not a file; give a file path")
        XCTAssertTrue(OutputFile.problem(folder.appendingPathComponent("no/such/f.csv"))?.contains("does not exist") ?? false)
        XCTAssertNil(OutputFile.problem(folder.appendingPathComponent("new.csv")))

        let target = folder.appendingPathComponent("target.csv"), link = folder.appendingPathComponent("link.csv")
        try Data("old".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        try OutputFile.write(Data("new".utf8), to: link, what: "the test")
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "new")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), target.path)
    }
}
