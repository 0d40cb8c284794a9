import Foundation

/// A `solvent` process for the tests that run the service as a process: started with `arguments`
/// and read until it listens (its port, and the admin key a first start prints).
final class SolventProcess: @unchecked Sendable {
    let process = Process()
    var port = 0
    var text = ""

    init(_ arguments: [String]) throws {
        guard let binary = CrashSafetyTests.binary else { throw SolventProcessFailure("no solvent binary") }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let handle = errors.fileHandleForReading
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("listening on"), Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "http://127.0.0.1:"),
            let port = Int(text[range.upperBound...].prefix(while: \.isNumber))
        else { throw SolventProcessFailure("\(arguments.first ?? "") did not start: \(text)") }
        self.port = port
    }

    var adminKey: String? {
        text.range(of: "stored hashed): ").map { String(text[$0.upperBound...].prefix { !$0.isWhitespace }) }
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct SolventProcessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
