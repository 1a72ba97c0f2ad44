import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What an input path is, and why it cannot be read, in words; shared by the CSV reader and the
/// plan readers so that every "cannot read" error says the same thing the same way.
public enum InputFile {
    /// Why reading `path` failed with `error`, in words the user can act on: a folder, a device,
    /// FIFO or socket (never read: a FIFO would block and a device may never end), a missing file,
    /// missing permission, or else the system's reason. Foundation's own wording for a folder is
    /// "NSCocoaErrorDomain error 256", and for a FIFO or device "You don't have permission".
    public static func unreadableReason(path: String, error: Error) -> String {
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: return "it is a folder, not a file"
            case S_IFREG: break
            default: return "it is not a regular file (a device, FIFO or socket)"
            }
            if access(path, R_OK) != 0 { return "permission denied" }
        } else if errno == ENOENT || errno == ENOTDIR {
            return "no such file"
        } else if errno == EACCES {
            return "permission denied"
        }
        return (error as NSError).localizedDescription
    }

    /// Whether `path` names something other than a regular file (a folder, device, FIFO or socket);
    /// such a path is refused before it is opened (opening a FIFO blocks until a writer appears).
    public static func isSpecial(path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & S_IFMT != S_IFREG
    }

    /// The offset of the first byte of `bytes` that is not part of a valid UTF-8 sequence, or nil.
    public static func firstInvalidUTF8(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { CohortData.firstInvalidUTF8($0) }
    }
}
