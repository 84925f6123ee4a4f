import Crypto
import Foundation

/// SHA-256 (FIPS 180-4) through swift-crypto, for checking that a file or text is the one a fixture or checksum
/// was made from (recorded sessions store dataset and model digests as 64 lowercase hex digits).
///
/// Streaming: `update` any number of times, then `finalize` once.
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    /// The digest of `bytes` as 64 lowercase hex digits.
    public static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(Array(bytes))
        return hasher.hexDigest()
    }

    public mutating func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }

    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) { hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes)) }

    /// The 32-byte digest.
    public mutating func finalize() -> [UInt8] { Array(hasher.finalize()) }

    /// Finalizes and returns the digest as 64 lowercase hex digits.
    public mutating func hexDigest() -> String {
        finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Digests of files, read in 1 MiB chunks.
public enum FileDigest {
    /// The file's SHA-256 in hex. A missing or unreadable file, or one that is not a regular file (a named pipe would
    /// block the read for ever), throws `PathProblem` naming the path.
    public static func sha256(_ url: URL) throws -> String {
        if let what = FileProblem.notRegular(url.path) { throw PathProblem(description: "\(url.path) is \(what)") }
        guard let h = FileHandle(forReadingAtPath: url.path) else {
            let reason = FileManager.default.fileExists(atPath: url.path) ? FileProblem.posix(POSIXErrorCode(rawValue: errno) ?? .EACCES) : "no such file"
            throw PathProblem(description: "\(url.path): \(reason)")
        }
        defer { try? h.close() }
        var d = SHA256()
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { d.update($0.bindMemory(to: UInt8.self)) }
        }
        return d.hexDigest()
    }
}
