import SolventCLI
import Testing

/// Runs every test of a suite with the commands' diagnostics captured: the error lines a test
/// provokes on purpose (a bad file, a bad option) stay out of the suite's log, where they would
/// read as failures. A test that checks a diagnostic captures it itself
/// (`Diagnostics.$capture.withValue`).
struct CapturingDiagnostics: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await Diagnostics.$capture.withValue(DiagnosticsBuffer()) { try await function() }
    }
}

extension Trait where Self == CapturingDiagnostics {
    static var capturingDiagnostics: Self { Self() }
}

/// Goal: a command run in process writes its diagnostics to the capture in force, in order, and
/// nothing of them to standard error. Method: `solvent price` on a file with one bad row.
@Suite struct CapturedDiagnosticsTests {
    @Test func aCommandsErrorLinesGoToTheCapture() throws {
        let files = TemporaryFiles("solvent-diagnostics")
        let input = files.file(
            "bad.csv", "right,spot,strike,years,volatility,rate\ncall,42,40,0.5,0.2,0.1\nstraddle,42,40,0.5,0.2,0.1\n")
        let buffer = DiagnosticsBuffer()
        let status = Diagnostics.$capture.withValue(buffer) {
            OptionCommandTests.run(PriceCommand.self, ["--input", input, "--output", files.file("out.csv", "")])
        }
        #expect(status == 1)
        let lines = buffer.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.hasPrefix("error: \(input): line 3: right:") == true, "\(lines)")
        #expect(lines.last == "price: 1 rows written, 1 rejected")
    }
}
