import Foundation

/// What the strict CSV readers (price bars, funding rates) share: the file read as UTF-8 or a
/// named error, and its lines without carriage returns and without trailing blank lines.
enum CSVText {
    static func lines(ofFile path: String) throws -> [Substring] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw InputError(path, "cannot read the file")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}
