import Foundation
import Testing

/// Goal: every command a guide in `docs/` shows as a session runs as written and prints what the
/// guide shows. Method: the guides' ```` ```console ```` blocks are sessions — `$ solvent …` (or
/// `$ swift run solvent …`) lines, `\` continuing a line, `$ NAME=value` setting a variable, and the
/// lines up to the next `$` being what the command printed, `...` marking lines left out. Each
/// guide's commands run in order through the built binary in a scratch directory that holds the
/// repository's `examples/` (and `../shared` beside it where the checkout has it), so a file one
/// command writes is there for the next. The shown lines must appear in the output in order; the
/// command must exit 0, or 1–2 where the shown output has an `error:` line. Blocks of any other
/// kind are illustrations and are not run (a proof from a journal, a request to the service).
struct DocsCommandTests {
    struct Session {
        var guide: String
        var arguments: [String]
        var shown: [String]
        var readsSharedData: Bool { arguments.contains { $0.contains("../shared") } }
    }

    static let root = ReadmeCommandTests.root
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared/data")
    static let hasSharedData = FileManager.default.fileExists(atPath: shared.path)

    /// Every console session of every guide, in the guide's order.
    static func sessions() throws -> [Session] {
        let docs = root.appendingPathComponent("docs")
        let guides = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }
            .sorted()
        return try guides.flatMap { guide in
            try parse(String(contentsOf: docs.appendingPathComponent(guide), encoding: .utf8), guide: guide)
        }
    }

    static func parse(_ text: String, guide: String) throws -> [Session] {
        var sessions: [Session] = []
        var variables: [String: String] = [:]
        var inConsole = false
        var pending: String?  // a command whose line ends in `\`
        var open = false  // a command of this block takes the lines below it
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("```") {
                inConsole = !inConsole && line == "```console"
                open = false
                continue
            }
            guard inConsole else { continue }
            if let head = pending {
                let joined = head + " " + line.trimmingCharacters(in: .whitespaces)
                pending = joined.hasSuffix("\\") ? String(joined.dropLast()) : nil
                if pending == nil {
                    sessions.append(try command(joined, guide: guide, variables: &variables))
                    open = true
                }
                continue
            }
            if line.hasPrefix("$ ") {
                let body = String(line.dropFirst(2))
                if body.hasSuffix("\\") { pending = String(body.dropLast()); continue }
                if let assignment = body.firstMatch(of: /^([A-Z_]+)=(\S+)$/) {
                    variables[String(assignment.1)] = String(assignment.2)
                    continue
                }
                sessions.append(try command(body, guide: guide, variables: &variables))
                open = true
            } else if open {
                sessions[sessions.count - 1].shown.append(line)
            }
        }
        return sessions
    }

    static func command(_ line: String, guide: String, variables: inout [String: String]) throws -> Session {
        var words = line.split(separator: " ").map(String.init)
        if words.starts(with: ["swift", "run"]) { words.removeFirst(2) }
        guard words.first == "solvent" else {
            throw DocsError(message: "\(guide): a console block runs only solvent commands: \(line)")
        }
        let arguments = words.dropFirst().map { word in
            variables.reduce(word) { $0.replacingOccurrences(of: "$" + $1.key, with: $1.value) }
        }
        return Session(guide: guide, arguments: arguments, shown: [])
    }

    struct DocsError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    /// A scratch directory laid out like a checkout: `repo/examples` and `shared` beside it.
    static func scratch() throws -> URL {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-docs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let repo = base.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: repo.appendingPathComponent("examples"), withDestinationURL: root.appendingPathComponent("examples"))
        if hasSharedData {
            try FileManager.default.createSymbolicLink(
                at: base.appendingPathComponent("shared"),
                withDestinationURL: root.deletingLastPathComponent().appendingPathComponent("shared"))
        }
        return repo
    }

    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ReadmeCommandTests.binary!)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe  // the guides show error lines where the terminal shows them
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// Whether the shown lines (`...` lines aside) occur in the output in order; the first line
    /// not found otherwise.
    static func missingLine(_ shown: [String], in output: String) -> String? {
        let printed = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var next = printed.startIndex
        for line in shown.map({ $0.trimmingCharacters(in: .whitespaces) })
        where !line.isEmpty && line != "..." && line != "…" {
            guard let found = printed[next...].firstIndex(of: line) else { return line }
            next = found + 1
        }
        return nil
    }

    static func check(_ sessions: [Session]) throws {
        var directories: [String: URL] = [:]
        for session in sessions {
            let directory = try directories[session.guide] ?? scratch()
            directories[session.guide] = directory
            let (status, output) = try run(session.arguments, in: directory)
            let command = "docs/\(session.guide): solvent \(session.arguments.joined(separator: " "))"
            let expectsError = session.shown.contains { $0.hasPrefix("error:") }
            #expect(
                expectsError ? (1...2).contains(status) : status == 0,
                "\(command) exited \(status): \(output.prefix(400))")
            if let line = missingLine(session.shown, in: output) {
                Issue.record(
                    "\(command) did not print the line the guide shows:\n\(line)\nit printed:\n\(output.prefix(2_000))")
            }
            #expect(
                output.range(of: #"(?i)(?<![a-z])-?(nan|inf|infinity)(?![a-z])"#, options: .regularExpression) == nil,
                "\(command) printed a non-finite number")
        }
        for directory in directories.values {
            try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
        }
    }

    @Test func theGuidesHaveSessionsAndTheParserReadsThem() throws {
        let sample = """
            ```console
            $ D=examples
            $ swift run solvent margin --portfolio $D/a.json \\
                --format table
            status healthy
            ...
            ```
            ```
            $ solvent not-run
            ```
            """
        let parsed = try Self.parse(sample, guide: "x.md")
        #expect(parsed.count == 1)
        #expect(parsed.first?.arguments == ["margin", "--portfolio", "examples/a.json", "--format", "table"])
        #expect(parsed.first?.shown == ["status healthy", "..."])
        #expect(Self.missingLine(["a", "...", "c"], in: "a\nb\nc\n") == nil)
        #expect(Self.missingLine(["c", "a"], in: "a\nb\nc\n") == "a")
        #expect(try Self.sessions().filter { !$0.readsSharedData }.count >= 5, "the guides show sessions on examples/")
    }

    @Test(
        .enabled(
            if: ReadmeCommandTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): the guides' commands are skipped"))
    func everyGuideSessionOnTheExamplesRunsAsShown() throws {
        try Self.check(try Self.sessions().filter { !$0.readsSharedData })
    }

    @Test(
        .enabled(
            if: ReadmeCommandTests.binary != nil && hasSharedData,
            "no solvent binary or no ../shared/data beside the checkout: the guides' sessions on real data are skipped")
    )
    func everyGuideSessionOnRealDataRunsAsShown() throws {
        let sessions = try Self.sessions().filter(\.readsSharedData)
        #expect(!sessions.isEmpty)
        try Self.check(sessions)
    }
}
