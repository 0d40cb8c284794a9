import Foundation
import SolventCLI
import SolventSimulation
import Testing

/// Goal: the auditor holds inside the cascade simulation through every crash window in
/// ../shared/data — conservation to the atom, open interest symmetric, insurance fund never
/// negative — under each mechanism. Method: a seeded population of 1,000 accounts through each
/// window (hourly bars, intrabar path), the auditor after every point; one run with the
/// auditor after every applied event. Skipped, with a message, where ../shared/data is absent.
@Suite(.capturingDiagnostics)
struct CrashWindowSimulationTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/market/crash")
    static let present = FileManager.default.fileExists(
        atPath: folder.appendingPathComponent("2020-03-12_btcusdt_binance_perp_1h.csv").path)

    static func run(window: String, _ arguments: [String]) throws -> SimulationResult {
        let prices = folder.appendingPathComponent("\(window)_btcusdt_binance_perp_1h.csv").path
        let command = try SimulateCommand.parse(["--prices", prices, "--seed", "11"] + arguments)
        return try SimulateCommand.simulate(command) { _ in }.runs[0]
    }

    @Test(
        .enabled(if: present, "../shared/data is absent: crash-window simulation skipped"),
        arguments: [
            ("2020-03-12", ["--mechanism", "orderbook"]),
            ("2021-05-19", ["--mechanism", "auction"]),
            ("2022-11-08", ["--mechanism", "backstop", "--loss", "socialized"]),
            ("2024-08-05", ["--mechanism", "orderbook", "--breaker", "0.03", "--loss", "venue"]),
            ("2025-10-10", ["--mechanism", "auction", "--impact", "linear", "--fund", "0.001"]),
        ])
    func theAuditorHoldsThroughEveryWindow(window: String, arguments: [String]) throws {
        let result = try Self.run(window: window, ["--accounts", "1000"] + arguments)
        #expect(result.auditViolations.isEmpty, "\(window): \(result.auditViolations)")
        #expect(result.auditChecks == result.points.count, "audited after every point")
        #expect(result.points.allSatisfy { $0.fund >= 0 } && result.fundEnd >= 0)
        #expect(result.steps > 0, "\(window): the crash liquidates someone")
        // Every atom of bad debt is placed: by the fund, on counterparties, or as the deficit.
        #expect(
            abs(result.badDebt - (result.fundDraw + result.reallocated + result.deficit)) < 1e-6
                * max(1, result.badDebt),
            "\(window): bad debt \(result.badDebt) vs fund \(result.fundDraw) + reallocated \(result.reallocated) + deficit \(result.deficit)"
        )
    }

    @Test(.enabled(if: present, "../shared/data is absent: crash-window simulation skipped"))
    func theAuditorHoldsAfterEveryEvent() throws {
        let result = try Self.run(
            window: "2020-03-12", ["--accounts", "300", "--audit", "every-event", "--mechanism", "auction"])
        #expect(result.auditViolations.isEmpty, "\(result.auditViolations)")
        #expect(result.steps > 50 && result.auctionsStarted > 0)
        #expect(result.fundMinimum >= 0)
    }
}
