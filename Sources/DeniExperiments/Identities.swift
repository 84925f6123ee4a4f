import DeniCore
import DeniData
import Foundation

/// What a session records about the model and the data it used.
public enum Identities {
    /// The model folder and its weights' SHA-256.
    public static func model(_ folder: URL) throws -> ModelIdentity {
        let url = folder.appendingPathComponent("model.safetensors")
        return try ModelIdentity(folder: folder, sha256: try FileDigest.sha256(url))
    }

    /// The dataset (registered key or user path) and a SHA-256 over its files, in name order.
    public static func dataset(_ keyOrPath: String, dataDirectory: URL, classCount: Int) throws -> DatasetIdentity {
        var files: [URL]
        var path: String
        if let info = DatasetRegistry.info(keyOrPath) {
            path = dataDirectory.appendingPathComponent(info.key).path
            files = info.files.map { dataDirectory.appendingPathComponent($0.path) }
        } else {
            path = keyOrPath
            files = [URL(fileURLWithPath: keyOrPath)]
        }
        var digest = SHA256()
        for f in files.sorted(by: { $0.path < $1.path }) {
            digest.update(Array(f.lastPathComponent.utf8))
            digest.update(Array(try FileDigest.sha256(f).utf8))
        }
        return DatasetIdentity(key: keyOrPath, path: path, filesHash: "sha256:" + digest.hexDigest(), classCount: classCount)
    }
}
