import Foundation

/// File-system errors in words: Foundation reports them as "The operation could not be completed
/// (NSCocoaErrorDomain error 260)"; this names the cause instead ("no such file", "permission denied").
public enum FileProblem {
    public static func describe(_ error: Error) -> String {
        if let e = error as? NotARegularFile { return e.description }
        if let e = error as? PathProblem { return e.description }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(ns.code)) { return posix(code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return posix(code)
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
            case NSFileWriteOutOfSpaceError: return "no space left on the device"
            case NSFileWriteVolumeReadOnlyError: return "read-only file system"
            case NSFileReadCorruptFileError: return "unreadable contents"
            case NSFileReadInapplicableStringEncodingError: return "not valid text in the expected encoding"
            case NSFileWriteFileExistsError: return "already exists"
            default: break
            }
        }
        if let posix = error as? POSIXError { return self.posix(posix.code) }
        return ns.localizedDescription
    }

    static func posix(_ code: POSIXErrorCode) -> String {
        switch code {
        case .ENOENT: "no such file or folder"
        case .EACCES, .EPERM: "permission denied"
        case .ENOSPC: "no space left on the device"
        case .EDQUOT: "disk quota exceeded"
        case .EROFS: "read-only file system"
        case .EISDIR: "is a folder"
        case .ENOTDIR: "a part of the path is not a folder"
        case .EEXIST: "already exists"
        case .EIO: "input/output error"
        case .ENAMETOOLONG: "name too long"
        default: String(cString: strerror(code.rawValue))
        }
    }
}

/// A file that cannot be used, in words naming its path ("/data/x.csv: no such file").
public struct PathProblem: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// A path that names something other than a regular file: a folder, a named pipe, a socket or a device.
public struct NotARegularFile: Error, CustomStringConvertible {
    public let description: String
}

extension FileProblem {
    /// What `path` is when it is not a regular file (reading a named pipe would wait for a writer forever), or
    /// nil for a regular file or a path that does not exist (the read then says so).
    public static func notRegular(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder, not a file"
        case S_IFIFO: return "a named pipe (FIFO), not a regular file"
        case S_IFSOCK: return "a socket, not a regular file"
        case S_IFCHR, S_IFBLK: return "a device, not a regular file"
        default: return "not a regular file"
        }
    }

    /// The contents of a regular file; anything else is refused before it is opened (`NotARegularFile`).
    public static func contents(of url: URL, mapped: Bool = false) throws -> Data {
        if let what = notRegular(url.path) { throw NotARegularFile(description: what) }
        return try Data(contentsOf: url, options: mapped ? .alwaysMapped : [])
    }
}

/// Files the workbench writes at a path a user gave (`--save`, `--predictions`, exports). Written atomically (a
/// temporary file renamed over the target), so an existing special file there must be refused, not replaced: a
/// rename would put a regular file where a device or a named pipe was. A symbolic link is followed: its target is
/// written, in the target's own folder.
public enum OutputFile {
    /// Why `url` cannot receive a file (checked before a long run, so that nothing it produces is lost), or nil.
    public static func problem(_ url: URL) -> String? {
        let path = url.resolvingSymlinksInPath().path
        if let what = FileProblem.notRegular(path) { return "\(url.path) is \(what); give a file path" }
        let folder = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isDir) else {
            return "\(url.path): its folder \(folder) does not exist"
        }
        guard isDir.boolValue else { return "\(url.path): \(folder) is not a folder" }
        guard access(folder.isEmpty ? "." : folder, W_OK) == 0 else { return "\(url.path): its folder \(folder) is not writable (permission denied)" }
        return nil
    }

    /// Writes `data` to `url` (to a link's target) atomically; a special file or a failed write throws, in words.
    public static func write(_ data: Data, to url: URL, what: String) throws(PathProblem) {
        if let problem = problem(url) { throw PathProblem(description: "cannot write \(what): \(problem)") }
        do { try data.write(to: url.resolvingSymlinksInPath(), options: .atomic) } catch {
            throw PathProblem(description: "cannot write \(what) to \(url.path): \(FileProblem.describe(error))")
        }
    }
}
