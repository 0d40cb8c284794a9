import Foundation
import Testing

/// Goal: every command the README's quick start shows runs as written on a fresh clone (sample
/// data in `examples/`, nothing from `../shared`), and the output the README prints is what the
/// command prints. Method: the README's `swift run solvent …` lines (the service aside) run
/// through the built binary from the package's root; each must exit 0 with output, and the
/// margin table shown under the quick start must match the command's, line for line.
struct ReadmeCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary: String? = {
        let path = root.appendingPathComponent(".build/debug/solvent").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    static func readme() throws -> String {
        try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// `swift run solvent ARGS  # comment` lines of the README, the service's aside, as argument lists.
    /// A line ending in `\` continues on the next.
    static func commands() throws -> [[String]] {
        var lines: [String] = []
        var continuing = false
        for line in try readme().split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if continuing {
                lines[lines.count - 1] = String(lines[lines.count - 1].dropLast()) + " " + text
            } else {
                lines.append(text)
            }
            continuing = lines[lines.count - 1].hasSuffix("\\")
        }
        return lines.compactMap { text in
            guard text.hasPrefix("swift run solvent "), !text.contains(" serve") else { return nil }
            let command = text.dropFirst("swift run solvent ".count).split(separator: "#")[0]
            return command.split(separator: " ").map(String.init)
        }
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary!)
        process.arguments = arguments
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test(
        .enabled(
            if: binary != nil,
            "the solvent binary is not built (swift build --product solvent): the README's commands are skipped"))
    func everyQuickStartCommandRunsAsWritten() throws {
        let commands = try Self.commands()
        #expect(commands.count >= 7, "the quick start lists its commands: \(commands)")
        for arguments in commands {
            let (status, output) = try Self.run(arguments)
            #expect(status == 0 && !output.isEmpty, "solvent \(arguments.joined(separator: " ")) exited \(status)")
            #expect(!arguments.contains("\\"), "a continued line was read as one: \(arguments)")
            // The README says the index leaves the thin venue's flash print out.
            if arguments.first == "index" { #expect(output.contains("c:outlier"), "\(output.prefix(400))") }
            #expect(
                output.range(of: #"(?i)(?<![a-z])-?(nan|inf|infinity)(?![a-z])"#, options: .regularExpression) == nil,
                "solvent \(arguments.joined(separator: " ")) printed a non-finite number")
        }
    }

    @Test(
        .enabled(
            if: binary != nil,
            "the solvent binary is not built (swift build --product solvent): the README's output is not compared"))
    func theMarginTableIsWhatTheCommandPrints() throws {
        let readme = try Self.readme()
        // The fenced block right after the quick start's prose names it.
        let start = try #require(readme.range(of: "Account margin (standard model, values in USD)"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let shown = readme[start.lowerBound..<end.lowerBound].split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let (status, output) = try Self.run([
            "margin", "--portfolio", "examples/cross-multi-collateral.json", "--format", "table",
        ])
        let printed = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(status == 0)
        #expect(
            printed == shown,
            "the README shows\n\(shown.joined(separator: "\n"))\nthe command prints\n\(printed.joined(separator: "\n"))"
        )
    }
}
