import Foundation
import XCTest
import DeniCore
@testable import DeniModel

/// SHA-256 (used by the tokenizer dataset fixtures) against the FIPS 180-4 / NIST example digests.
final class TokenizerSHA256Tests: XCTestCase {
    func testKnownDigests() {
        XCTAssertEqual(SHA256.hex(of: Array("".utf8)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStreamingEqualsOneShotAcrossBlockBoundaries() {
        let message = (0 ..< 300).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let oneShot = SHA256.hex(of: message)
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 299, 300] {
            var hasher = SHA256()
            hasher.update(Array(message[..<split]))
            hasher.update(Array(message[split...]))
            XCTAssertEqual(hasher.finalize().map { String(format: "%02x", $0) }.joined(), oneShot, "split at \(split)")
        }
    }
}
