import Foundation
import Synchronization

/// Where the commands' diagnostics go (errors, warnings, progress): standard error, unless the
/// caller captures them. A test that runs a command in process and expects it to fail captures
/// its error lines with `Diagnostics.$capture.withValue(buffer) { … }`, so the suite's log shows
/// failures of the suite, not the error messages a test asked for.
public enum Diagnostics {
    @TaskLocal public static var capture: DiagnosticsBuffer?

    public static func write(_ text: String) {
        if let capture { capture.append(text) } else { FileHandle.standardError.write(Data(text.utf8)) }
    }
}

/// Diagnostics written while a capture was in force, in order.
public final class DiagnosticsBuffer: Sendable {
    private let storage = Mutex("")
    public init() {}
    public func append(_ text: String) { storage.withLock { $0 += text } }
    public var text: String { storage.withLock { $0 } }
}
