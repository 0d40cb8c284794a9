import Foundation

/// A per-process temporary folder for a test suite's input files (unique names: suites run in
/// parallel).
struct TemporaryFiles {
    let folder: URL

    init(_ name: String) {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` in the folder and returns its path.
    func file(_ name: String, _ text: String) -> String {
        let url = folder.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8))
        return url.path
    }
}
