import Foundation
import SolventCLI
import SolventSimulation
import Testing

/// `solvent simulate --prices BTCUSDT=F1 --prices ETHUSDT=F2`: several markets on their own
/// paths in one venue. Same inputs, same bytes; each market reported; funding per market; bad
/// combinations named. A synthetic pair (the one-market tests' BTC crash, and ETH at a
/// twentieth of it falling half again as far), and the real 2020-03-12 pair where
/// ../shared/data is present (skipped, with a message, where it is absent).
@Suite(.capturingDiagnostics)
struct MultiMarketSimulateTests {
    static let files = TemporaryFiles("solvent-multimarket-tests")
    static let ethBars: String = {
        var text = "timestamp,open,high,low,close,volume\n"
        let closes = [3_000.0, 2_900, 2_700, 2_400, 2_050, 1_950, 2_150, 2_300]
        var open = 3_000.0
        for (hour, close) in closes.enumerated() {
            let high = max(open, close) * 1.004, low = min(open, close) * 0.996
            text += String(format: "2024-01-01T%02d:00:00Z,%.2f,%.2f,%.2f,%.2f,100\n", hour, open, high, low, close)
            open = close
        }
        return text
    }()

    /// Bars after the synthetic pair's: a path that never meets theirs.
    static let late = files.file(
        "late.csv", "timestamp,open,high,low,close,volume\n2024-02-01T00:00:00Z,100,101,99,100,1\n")

    static func simulate(_ arguments: [String]) throws -> (SimulateCommand.Report, String) {
        let btc = SimulateCommandTests.files.file("crash.csv", SimulateCommandTests.bars)
        let eth = files.file("eth.csv", ethBars)
        let command = try SimulateCommand.parse(
            ["--prices", "BTCUSDT=\(btc)", "--prices", "ETHUSDT=\(eth)"] + arguments)
        let report = try SimulateCommand.simulate(command) { _ in }
        return (report, SimulationReport.json(report))
    }

    @Test func twoMarketsRunTogetherDeterministically() throws {
        let funding = Self.files.file("eth-funding.csv", "timestamp,funding_rate\n2024-01-01T03:00:00Z,0.0005\n")
        let arguments = ["--accounts", "600", "--funding", "ETHUSDT=\(funding)", "--compare", "mechanism=auction"]
        let (report, json) = try Self.simulate(arguments)
        let (_, again) = try Self.simulate(arguments)
        #expect(json == again)
        for run in report.runs {
            #expect(run.auditViolations.isEmpty, "\(run.label): \(run.auditViolations)")
            #expect(run.markets.map(\.symbol) == ["BTCUSDT", "ETHUSDT"])
            #expect(run.markets.allSatisfy { $0.steps > 0 }, "\(run.label): both falls liquidate someone")
            #expect(run.fundingSettlements == 1 && run.fundingPaid > 0)
            // Joined accounts: fewer accounts than rows drawn.
            #expect(run.accounts < 600)
        }
        #expect(json.contains("\"markets\""))
        // No joined accounts: as many accounts as drawn.
        let (separate, _) = try Self.simulate(["--accounts", "600", "--cross-market", "0"])
        #expect(separate.runs[0].accounts == 600)
        // One market keeps the one-market report.
        let (one, oneJSON) = try SimulateCommandTests.simulate(["--accounts", "200"])
        #expect(one.runs[0].markets.count == 1 && !oneJSON.contains("\"markets\""))
    }

    @Test(arguments: [
        (["--prices", "BTCUSDT=x.csv"], "given twice"),
        (["--prices", "BTC=x.csv"], "USDT-margined symbol"),
        (["--population", "p.csv"], "several markets draw theirs"),
        (["--write-population", "p.csv"], "several markets draw theirs"),
        (["--cross-market", "1.5"], "0 to 1"),
        (["--contract", "inverse"], "linear"),
        (["--funding", "XRPUSDT=f.csv"], "one of the markets (BTCUSDT, ETHUSDT)"),
        (["--prices", "SOLUSDT=\(MultiMarketSimulateTests.late)"], "do not overlap BTCUSDT's"),
    ])
    func badCombinationsAreNamed(arguments: [String], expected: String) throws {
        do {
            _ = try Self.simulate(arguments)
            Issue.record("accepted \(arguments)")
        } catch let error as InputError {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func crossMarketNeedsSeveralMarkets() throws {
        do {
            _ = try SimulateCommandTests.simulate(["--cross-market", "0.3"])
            Issue.record("accepted --cross-market with one market")
        } catch let error as InputError {
            #expect(error.description.contains("several --prices"), "\(error.description)")
        }
    }

    /// The real pair: BTC and ETH through 2020-03-12 with their real funding, the auditor after
    /// every point.
    @Test(
        .enabled(if: CrashWindowSimulationTests.present, "../shared/data is absent: the BTC + ETH crash skipped"))
    func theRealPairCascadesOnBothMarkets() throws {
        let crash = CrashWindowSimulationTests.folder
        let funding = crash.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("funding")
        let command = try SimulateCommand.parse([
            "--prices", "BTCUSDT=\(crash.appendingPathComponent("2020-03-12_btcusdt_binance_perp_1h.csv").path)",
            "--prices", "ETHUSDT=\(crash.appendingPathComponent("2020-03-12_ethusdt_binance_perp_1h.csv").path)",
            "--funding", "BTCUSDT=\(funding.appendingPathComponent("btcusdt_binance_perp_funding_rate.csv").path)",
            "--funding", "ETHUSDT=\(funding.appendingPathComponent("ethusdt_binance_perp_funding_rate.csv").path)",
            "--accounts", "1000", "--seed", "11",
        ])
        let run = try SimulateCommand.simulate(command) { _ in }.runs[0]
        #expect(run.auditViolations.isEmpty, "\(run.auditViolations)")
        #expect(run.auditChecks == run.points.count)
        #expect(run.markets.allSatisfy { $0.steps > 0 && $0.exogenousLow < 0.6 * $0.start })
        #expect(run.fundingSettlements > 0 && run.fundingRefused == 0)
    }
}
