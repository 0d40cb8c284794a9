import Foundation

/// A `solvent` process for the tests that run the service as a process: started with `arguments`
/// and read until it listens (its port, and the admin key a first start prints).
final class SolventProcess: @unchecked Sendable {
    let process = Process()
    var port = 0
    var text = ""

    let errors = Pipe()

    /// Started and read until it listens, or, with `marker`, only until its output shows that
    /// (then `listening()` reads on).
    init(_ arguments: [String], until marker: String? = nil) throws {
        guard let binary = CrashSafetyTests.binary else { throw SolventProcessFailure("no solvent binary") }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        if let marker {
            guard read(until: marker) else {
                throw SolventProcessFailure("\(arguments.first ?? "") never printed \(marker): \(text)")
            }
        } else {
            try listening()
        }
    }

    /// Reads on until the process listens, and takes its port.
    func listening() throws {
        guard read(until: "listening on"), let range = text.range(of: "http://127.0.0.1:"),
            let port = Int(text[range.upperBound...].prefix(while: \.isNumber))
        else { throw SolventProcessFailure("\(process.arguments?.first ?? "") did not start: \(text)") }
        self.port = port
    }

    /// Reads standard error until it shows `marker` (false: the process ended, or 60 s passed).
    private func read(until marker: String) -> Bool {
        let handle = errors.fileHandleForReading
        let deadline = Date().addingTimeInterval(60)
        while !text.contains(marker), Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text.contains(marker)
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
