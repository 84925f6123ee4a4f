import Foundation

/// File-system errors in words: Foundation reports them as "The operation could not be completed
/// (NSCocoaErrorDomain error 260)"; this names the cause instead ("no such file", "permission denied").
public enum FileProblem {
    public static func describe(_ error: Error) -> String {
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
