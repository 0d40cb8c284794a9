import Foundation
import SolventCLI
import SolventSimulation
import Testing

/// `solvent simulate`: same seed, same report byte for byte; different seeds, different
/// populations; bad input is a clear error naming what is wrong. A small synthetic crash path
/// (no ../shared/data needed): 60,000 falling 25 % over six hourly bars, then recovering.
@Suite(.capturingDiagnostics)
struct SimulateCommandTests {
    static let files = TemporaryFiles("solvent-simulate-tests")
    static let bars: String = {
        var text = "timestamp,open,high,low,close,volume\n"
        let closes = [60_000.0, 59_000, 56_000, 52_000, 47_000, 45_000, 48_000, 50_000]
        var open = 60_000.0
        for (hour, close) in closes.enumerated() {
            let high = max(open, close) * 1.004, low = min(open, close) * 0.996
            text += String(format: "2024-01-01T%02d:00:00Z,%.1f,%.1f,%.1f,%.1f,100\n", hour, open, high, low, close)
            open = close
        }
        return text
    }()

    static func simulate(_ arguments: [String]) throws -> (SimulateCommand.Report, String) {
        let prices = files.file("crash.csv", bars)
        let command = try SimulateCommand.parse(["--prices", prices] + arguments)
        let report = try SimulateCommand.simulate(command) { _ in }
        return (report, SimulationReport.json(report))
    }

    @Test func sameSeedSameReportByteForByte() throws {
        let arguments = [
            "--accounts", "800", "--seed", "7", "--compare", "mechanism=auction", "--compare",
            "mechanism=backstop,breaker=0.05",
        ]
        let (first, json) = try Self.simulate(arguments)
        let (_, again) = try Self.simulate(arguments)
        #expect(json == again)
        #expect(first.runs.count == 3)
        for run in first.runs {
            #expect(run.auditViolations.isEmpty, "\(run.label): \(run.auditViolations)")
            #expect(run.auditChecks >= first.path.count)
            #expect(run.fundMinimum >= 0)
            #expect(run.steps > 0, "\(run.label): the 25 % fall liquidates someone")
        }
        #expect(first.runs[1].auctionsStarted > 0)
        // The HTML report is self-contained: inline SVG, no scripts, nothing fetched.
        let html = SimulationReport.html(first)
        #expect(html.contains("<svg") && !html.contains("<script") && !html.contains("src="))
    }

    @Test func differentSeedsDifferentPopulations() throws {
        let a = Self.files.folder.appendingPathComponent("population-1.csv").path
        let b = Self.files.folder.appendingPathComponent("population-2.csv").path
        let (one, _) = try Self.simulate([
            "--accounts", "300", "--seed", "1", "--write-population", a, "--impact", "none",
        ])
        let (two, _) = try Self.simulate([
            "--accounts", "300", "--seed", "2", "--write-population", b, "--impact", "none",
        ])
        let first = try String(contentsOfFile: a, encoding: .utf8),
            second = try String(contentsOfFile: b, encoding: .utf8)
        #expect(first != second)
        #expect(one.runs[0].digest != two.runs[0].digest)
        // A written population loads back as the same accounts: the same run, the same digest.
        let (reloaded, _) = try Self.simulate(["--population", a, "--impact", "none"])
        #expect(reloaded.runs[0].digest == one.runs[0].digest)
    }

    @Test(arguments: [
        (["--mechanism", "lottery"], "orderbook, auction or backstop"),
        (["--compare", "mechanism"], "KEY=VALUE"),
        (["--compare", "colour=red"], "unknown setting"),
        (["--compare", "margin=cheap"], "unknown preset"),
        (["--breaker", "2"], "0.001 to 0.99"),
        (["--maintenance", "0"], "above 0"),
        (["--accounts", "0"], "accounts"),
        (["--path", "zigzag"], "intrabar or close"),
        (["--from", "yesterday"], "ISO 8601"),
        (["--from", "2030-01-01T00:00:00Z"], "no bars"),
    ])
    func badInputIsAClearError(arguments: [String], expected: String) throws {
        do {
            _ = try Self.simulate(arguments)
            Issue.record("accepted \(arguments)")
        } catch let error as InputError {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    /// Portfolio margin of one perpetual is the scan risk of the Deribit-style grid: 16 % initial,
    /// 8 % maintenance; the same population under it is liquidated differently than under tiers.
    @Test func portfolioMarginComparison() throws {
        let (report, _) = try Self.simulate(["--accounts", "500", "--compare", "margin=portfolio"])
        #expect(report.runs[1].settings.isEmpty == false)
        #expect(report.runs[0].digest != report.runs[1].digest)
        #expect(report.runs[1].auditViolations.isEmpty)
    }

    /// `--contract inverse`: the coin-margined market (BTCUSD, 100-USD contracts, BitMEX-style
    /// tiers by default) with a seeded population of longs and shorts; a population written from
    /// it loads back to the same run; a linear table is refused for it.
    @Test func coinMarginedMarket() throws {
        let file = Self.files.folder.appendingPathComponent("inverse-population.csv").path
        let (report, _) = try Self.simulate([
            "--contract", "inverse", "--accounts", "600", "--leverage-median", "20", "--write-population", file,
        ])
        let run = report.runs[0]
        #expect(run.auditViolations.isEmpty, "\(run.auditViolations)")
        #expect(run.steps > 0, "the 25 % fall liquidates coin-margined longs")
        #expect(run.settings.contains { $0.0 == "contract" })
        let (reloaded, _) = try Self.simulate(["--contract", "inverse", "--population", file])
        #expect(reloaded.runs[0].digest == run.digest)
        do {
            _ = try Self.simulate(["--contract", "inverse", "--margin", "binance-btcusdt-2021"])
            Issue.record("accepted a USDT table for the coin-margined market")
        } catch let error as InputError {
            #expect(error.description.contains("bitmex-xbtusd-2021"), "\(error.description)")
        }
    }

    @Test func aBadPopulationRowNamesItsLine() throws {
        let population = Self.files.file(
            "bad-population.csv",
            """
            account,size,entry_price,collateral,collateral_asset,isolated
            1,0.5,60000,3000,USDT,false
            2,0.0005,60000,3000,USDT,false
            """)
        do {
            _ = try Self.simulate(["--population", population])
            Issue.record("accepted an off-lot size")
        } catch let error as InputError {
            #expect(
                error.description.contains("line 3") && error.description.contains("lot size"), "\(error.description)")
        }
    }
}

/// `solvent simulate --funding`: the file's rates (plain or scientific notation) are settled
/// along the path through the engine; a bad file is refused naming its line.
@Suite(.capturingDiagnostics)
struct SimulateFundingTests {
    @Test func ratesParseExactlyAndBadRowsAreNamed() throws {
        #expect(FundingFile.rateAtoms("-4.946e-05") == -49_460)
        #expect(FundingFile.rateAtoms("0.0001") == 100_000)
        #expect(FundingFile.rateAtoms("0.1") == 100_000_000 && FundingFile.rateAtoms("0.1000000001") == nil)
        for bad in ["", "abc", "nan", "1e400", "0x1p-3", "0.2", "--1", "1e-10", ".", "1e", " 0.1"] {
            #expect(FundingFile.rateAtoms(bad) == nil, "\(bad)")
        }
        let files = SimulateCommandTests.files
        func refusal(_ text: String) -> String? {
            do {
                _ = try FundingFile.load(path: files.file("funding-bad.csv", text))
                return nil
            } catch let error as InputError { return error.description } catch { return "\(error)" }
        }
        #expect(refusal("time,rate\n")?.contains("funding-bad.csv:1") == true)
        #expect(refusal("timestamp,funding_rate\n2024-01-01T00:00:00Z,0.5\n")?.contains(":2: funding_rate") == true)
        #expect(
            refusal("timestamp,funding_rate\n2024-01-01T08:00:00Z,0.0001\n2024-01-01T00:00:00Z,0.0001\n")?
                .contains(":3: timestamp") == true)
        #expect(refusal("timestamp,funding_rate\nyesterday,0.0001\n")?.contains(":2: timestamp") == true)
    }

    /// On the synthetic crash, a positive rate at hour 2 and a negative one at hour 4: two
    /// settlements, money paid, the audit clean, and a different end state than without.
    @Test func fundingIsSettledAlongThePath() throws {
        let funding = SimulateCommandTests.files.file(
            "funding.csv", "timestamp,funding_rate\n2024-01-01T02:00:00Z,0.001\n2024-01-01T04:00:00Z,-0.002\n")
        let (with, json) = try SimulateCommandTests.simulate(["--accounts", "400", "--seed", "3", "--funding", funding])
        let (without, _) = try SimulateCommandTests.simulate(["--accounts", "400", "--seed", "3"])
        let run = with.runs[0]
        #expect(run.fundingSettlements == 2 && run.fundingRefused == 0 && run.fundingPaid > 0)
        #expect(run.auditViolations.isEmpty && run.digest != without.runs[0].digest)
        #expect(json.contains("\"settlements\" : 2"))
        #expect(without.runs[0].fundingSettlements == 0)
        // A file with no settlement on the path is a mistake, not a run without funding.
        let elsewhere = SimulateCommandTests.files.file(
            "funding-2020.csv", "timestamp,funding_rate\n2020-03-12T08:00:00Z,0.001\n")
        #expect {
            _ = try SimulateCommandTests.simulate(["--accounts", "50", "--funding", elsewhere])
        } throws: { error in
            (error as? InputError)?.description.contains("no funding settlement between 2024-01-01T00:00:00Z") == true
        }
    }
}
