import ArgumentParser
import Foundation
import SolventCLI
import SolventCore
import Testing

/// Goal: `solvent index` reads price files strictly and reports every problem with its file and
/// line, or records a missing source as an exclusion; never a silent wrong index. Method: small
/// files written to a temporary folder.
@Suite(.capturingDiagnostics)
struct IndexCommandTests {
    static let files = TemporaryFiles("solvent-index-tests")
    static var folder: URL { files.folder }

    static func file(_ name: String, _ text: String) -> String { files.file(name, text) }

    static let header = "timestamp,open,high,low,close,volume\n"
    static let good =
        header + """
            2020-03-12T00:00:00Z,100,101,99,100.5,1
            2020-03-12T01:00:00Z,100.5,102,100,101,1
            2020-03-12T02:00:00Z,101,103,100,102,1

            """

    static func error(_ text: String) -> InputError? {
        do {
            _ = try OHLCVFile.load(path: file("case-\(UUID().uuidString).csv", text))
            return nil
        } catch let error as InputError { return error } catch { return InputError("?", "\(error)") }
    }

    @Test(arguments: [
        (header + "2020-03-12T01:00:00Z,1,1,1,1,1\n2020-03-12T00:00:00Z,1,1,1,1,1\n", ":3", "out of order"),
        (header + "2020-03-12T00:00:00Z,1,1,1,1,1\n2020-03-12T00:00:00Z,1,1,1,1,1\n", ":3", "duplicate timestamp"),
        (header + "2020-03-12T00:00:00Z,1,1,0,1,1\n", ":2", "low: expected a positive price"),
        (header + "2020-03-12T00:00:00Z,-5,1,1,1,1\n", ":2", "open: expected a positive price"),
        ("timestamp,open,high,close,volume\n2020-03-12T00:00:00Z,1,1,1,1\n", ":1", "missing column \"low\""),
        (header + "12/03/2020,1,1,1,1,1\n", ":2", "ISO-8601"),
        (header + "2020-03-12T00:00:00Z,1,1\n", ":2", "expected 6 fields"),
        (header + "2020-03-12T00:00:00Z,2,1,1,2,1\n", ":2", "do not bracket"),
        ("", ":1", "empty file"),
    ])
    func badFilesNameTheLine(text: String, line: String, message: String) {
        let error = Self.error(text)
        #expect(error?.location.hasSuffix(line) == true, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func aSourceWithNoRowsInRangeIsRecordedAsExcluded() throws {
        let a = Self.file("a.csv", Self.good)
        let b = Self.file("b.csv", Self.good)
        let late = Self.file("late.csv", Self.header + "2021-01-01T00:00:00Z,1,1,1,1,1\n")
        var command = try IndexCommand.parse([
            "--source", "a=\(a)", "--source", "b=\(b)", "--source", "late=\(late)",
            "--to", "2020-03-13T00:00:00Z", "--min-sources", "2",
        ])
        let (sources, config, path) = try command.resolve()
        let rows = IndexReplay.run(sources: sources, config: config, venue: nil, path: path)
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.excluded.contains("late:no-data") && $0.index != nil })
        command.venue = "nobody"
        #expect(throws: InputError.self) { try command.resolve() }
    }

    @Test func badArgumentsAreNamed() throws {
        let a = Self.file("a2.csv", Self.good)
        for (arguments, option) in [
            (["--source", "a"], "--source a"), (["--source", "a=\(a)", "--band", "2"], "--band"),
            (["--source", "a=\(a)", "--stale-after", "soon"], "--stale-after"),
            (["--source", "a=\(a)", "--weight", "b=2"], "--weight b=2"),
            (["--source", "a=\(a)", "--path", "zigzag"], "--path"),
            (["--source", "a=\(a)", "--min-sources", "3"], "--min-sources"),
            (["--source", "a=\(a)", "--min-sources", "-1"], "--min-sources"),
        ] {
            let command = try IndexCommand.parse(arguments)
            do {
                _ = try command.resolve()
                Issue.record("accepted \(arguments)")
            } catch let error as InputError {
                #expect(error.location == option, "\(error)")
            }
        }
    }

    @Test func theCSVHasTheDocumentedColumns() throws {
        let a = Self.file("a3.csv", Self.good)
        let b = Self.file(
            "b3.csv",
            Self.good.replacingOccurrences(of: "102,1\n", with: "150,1\n").replacingOccurrences(
                of: "101,103,100", with: "101,150,100"))
        let command = try IndexCommand.parse([
            "--source", "a=\(a)", "--source", "b=\(b)", "--source", "c=\(a)", "--venue", "b",
        ])
        let (sources, config, path) = try command.resolve()
        let text = IndexReplay.csv(IndexReplay.run(sources: sources, config: config, venue: "b", path: path))
        let lines = text.split(separator: "\n")
        #expect(lines.first == "timestamp,index,mark,sources_used,sources_excluded,breaker")
        #expect(lines.last?.hasPrefix("2020-03-12T03:00:00Z,102,") == true, "\(lines.last ?? "")")
        #expect(lines.last?.contains("b:outlier") == true)
    }
}
