/// An output file or folder could not be written: the one "cannot write" error of every module
/// that writes (the CLI maps it to exit 73).
public struct OutputWriteError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): cannot write the output (\(reason)); check that the folder exists, is writable and has space." }
}
