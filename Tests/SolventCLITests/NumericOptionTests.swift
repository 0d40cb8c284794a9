import ArgumentParser
import SolventCLI
import Testing

/// Goal: a numeric option the command would change silently (a port that wraps, a count that is
/// rounded or clamped) or that would trap is refused with exit 2 and a message naming the option
/// and its range; a negative value reaches that check instead of reading as a flag ("Missing
/// value"). Method: `parse` runs `validate()`, so the exit code is checked on the parse error,
/// the message on `checkOptions()` of an otherwise valid command.
@Suite(.capturingDiagnostics)
struct NumericOptionTests {
    static func exitCode(_ arguments: [String], of command: any ParsableCommand.Type) -> Int32? {
        do { _ = try command.parseAsRoot(arguments); return nil } catch { return command.exitCode(for: error).rawValue }
    }

    static func message(_ error: () throws -> Void) -> String? {
        do { try error(); return nil } catch let error as InputError { return error.description } catch {
            return "\(error)"
        }
    }

    @Test func serveRefusesOutOfRangeNumbersWithExitTwo() throws {
        for arguments in [
            ["--port", "99999"], ["--port", "65536"], ["--port", "-5"], ["--port=-1"],
            ["--demo-accounts", "-5"], ["--demo-accounts", "0"], ["--demo-accounts", "10000001"],
            ["--demo-interval", "-1"], ["--demo-interval", "0"], ["--demo-interval", "nan"],
            ["--demo-interval", "inf"],
            ["--snapshot-every", "0"], ["--snapshot-every", "-5"],
        ] {
            #expect(Self.exitCode(arguments, of: ServeCommand.self) == 2, "\(arguments)")
        }
        // The bounds themselves are accepted.
        for arguments in [
            ["--port", "0"], ["--port", "65535"], ["--demo-accounts", "1"], ["--demo-interval", "0.05"],
            ["--snapshot-every", "1"],
        ] {
            #expect(Self.exitCode(arguments, of: ServeCommand.self) == nil, "\(arguments)")
        }
        let parsed = try ServeCommand.parse(["--port", "65535", "--snapshot-every", "7"])
        #expect(parsed.port == 65_535 && parsed.snapshotEvery == 7)
    }

    /// Dynamic margin: off by default; a tuning option without `--dynamic-margin`, the rule with
    /// `--no-keeper`, and every value out of its range are refused naming the option.
    @Test func dynamicMarginOptionsAreCheckedByName() throws {
        #expect(try ServeCommand.parse([]).dynamicMargin.configuration(keeper: true) == nil)
        let on = try ServeCommand.parse(["--dynamic-margin", "--dynamic-margin-period", "3600"])
        #expect(try on.dynamicMargin.configuration(keeper: true)?.period == 3_600_000_000_000)
        for (arguments, option) in [
            (["--dynamic-margin-window", "30"], "--dynamic-margin-window: needs --dynamic-margin"),
            (["--dynamic-margin", "--no-keeper"], "--dynamic-margin: the built-in keeper runs it"),
            (["--dynamic-margin", "--dynamic-margin-period", "0"], "--dynamic-margin-period: must be from 1"),
            (["--dynamic-margin", "--dynamic-margin-window", "1"], "--dynamic-margin-window: must be from 2"),
            (["--dynamic-margin", "--dynamic-margin-confidence", "1"], "--dynamic-margin-confidence: must be"),
            (["--dynamic-margin", "--dynamic-margin-lambda", "nan"], "--dynamic-margin-lambda: must be"),
            (["--dynamic-margin", "--dynamic-margin-stressed-weight", "2"], "--dynamic-margin-stressed-weight: must"),
            (["--dynamic-margin", "--dynamic-margin-max-rise", "0"], "--dynamic-margin-max-rise: must be"),
            (["--dynamic-margin", "--dynamic-margin-ceiling", "1.5"], "--dynamic-margin-ceiling: must be"),
        ] {
            #expect(Self.exitCode(arguments, of: ServeCommand.self) == 2, "\(arguments)")
            let options = try DynamicMarginOptions.parse(arguments.filter { $0 != "--no-keeper" })
            let keeper = !arguments.contains("--no-keeper")
            let message = Self.message { _ = try options.configuration(keeper: keeper) }
            #expect(message?.hasPrefix(option) == true, "\(arguments): \(message ?? "accepted")")
        }
    }

    @Test func serveMessagesNameTheOptionAndItsRange() throws {
        var command = try ServeCommand.parse([])
        command.port = 99_999
        #expect(Self.message(command.checkOptions) == "--port: must be from 0 to 65535 (0: any free port), got 99999")
        command.port = 8_080
        command.demoAccounts = -5
        #expect(Self.message(command.checkOptions) == "--demo-accounts: must be positive (1 to 10,000,000), got -5")
        command.demoAccounts = 2_000
        command.demoInterval = .nan
        #expect(
            Self.message(command.checkOptions)?.hasPrefix(
                "--demo-interval: must be a number of seconds above 0 and at most 86400") == true)
        command.demoInterval = 1
        command.snapshotEvery = 0
        #expect(Self.message(command.checkOptions) == "--snapshot-every: must be positive, got 0")
        command.snapshotEvery = 100_000
        #expect(Self.message(command.checkOptions) == nil)
    }

    /// The leader/standby options: they need --postgres (never silently ignored), each value is
    /// in its range (NaN, infinities and negatives named), and the combinations that cannot work
    /// are refused naming the option.
    @Test func leadershipOptionsAreCheckedByName() throws {
        let pg = ["--postgres", "postgres://u@127.0.0.1:5432/db"]
        for (arguments, prefix) in [
            (["--follow"], "--follow: a leader and standbys share a PostgreSQL journal"),
            (["--lease", "2"], "--lease: a leader and standbys share"),
            (["--follow-interval", "0.1"], "--follow-interval: a leader and standbys share"),
            (["--advertise", "http://10.0.0.5:8080"], "--advertise: a leader and standbys share"),
            (pg + ["--lease", "0.1"], "--lease: must be from 0.2 to 600 seconds"),
            (pg + ["--lease", "nan"], "--lease: must be from 0.2 to 600 seconds"),
            (pg + ["--lease", "inf"], "--lease: must be from 0.2 to 600 seconds"),
            (pg + ["--lease", "-3"], "--lease: must be from 0.2 to 600 seconds"),
            (pg + ["--follow-interval", "0"], "--follow-interval: must be from 0.005 to 10 seconds"),
            (pg + ["--follow-interval", "nan"], "--follow-interval: must be from 0.005 to 10 seconds"),
            (
                pg + ["--lease", "1", "--follow-interval", "2"],
                "--follow-interval: must be from 0.005 to 10 seconds and below"
            ),
            (pg + ["--advertise", "ftp://a"], "--advertise: expected an address"),
            (pg + ["--advertise", "not a url"], "--advertise: expected an address"),
            (pg + ["--host", "0.0.0.0"], "--advertise: with --host 0.0.0.0"),
            (pg + ["--follow", "--demo"], "--follow: the demo seeds its own venue"),
        ] {
            #expect(Self.exitCode(arguments, of: ServeCommand.self) == 2, "\(arguments)")
            let message = Self.message(try Self.serve(arguments).checkOptions)
            #expect(message?.hasPrefix(prefix) == true, "\(arguments): \(message ?? "accepted")")
        }
        for arguments in [
            pg, pg + ["--follow", "--lease", "0.2", "--follow-interval", "0.005"],
            pg + ["--host", "0.0.0.0", "--advertise", "https://risk.example:8443"],
        ] {
            #expect(Self.message(try Self.serve(arguments).checkOptions) == nil, "\(arguments)")
            #expect(Self.exitCode(arguments, of: ServeCommand.self) == nil, "\(arguments)")
        }
    }

    /// `solvent serve` with these arguments, unvalidated (parsing would validate it).
    static func serve(_ arguments: [String]) throws -> ServeCommand {
        var command = try ServeCommand.parse([])
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--postgres": command.postgres = arguments[index + 1]; index += 2
            case "--host": command.host = arguments[index + 1]; index += 2
            case "--demo": command.demo = true; index += 1
            default: rest.append(arguments[index]); index += 1
            }
        }
        command.leadership = try LeadershipOptions.parse(rest)
        return command
    }

    @Test func benchJournalRefusesCountsItWouldRound() throws {
        for arguments in [
            ["--entries", "-5"], ["--entries", "0"], ["--batch", "0"], ["--batch", "-1"],
            ["--entries", "10", "--batch", "1000"], ["--entries", "1500", "--batch", "1000"],
        ] {
            #expect(Self.exitCode(arguments, of: JournalBenchCommand.self) == 2, "\(arguments)")
        }
        #expect(Self.exitCode(["--entries", "3000", "--batch", "1000"], of: JournalBenchCommand.self) == nil)
        var command = try JournalBenchCommand.parse([])
        command.entries = 1_500
        #expect(Self.message(command.checkOptions) == "--entries: must be a multiple of --batch (1000), got 1500")
        command.entries = -5
        #expect(Self.message(command.checkOptions) == "--entries: must be positive, got -5")
    }

    @Test func negativeNumbersReachTheRangeChecksOfBacktestAndIndex() throws {
        let backtest = try BacktestCommand.parse([
            "--portfolio", "p.json", "--window", "-5", "--confidence", "-0.5", "--liquidity", "-1",
        ])
        #expect(backtest.window == -5 && backtest.confidence == -0.5 && backtest.liquidity == -1)
        #expect(throws: InputError("--window", "expected at least 10 periods")) {
            try BacktestCommand.summary(
                prices: [], portfolioPath: "p.json", model: "historical", confidence: 0.99, horizon: "1d",
                window: backtest.window, lambda: 0.94)
        }
        #expect(throws: InputError("--liquidity", "expected a coefficient above 0 and at most 10, got -1.0")) {
            try BacktestCommand.summary(
                prices: [], portfolioPath: "p.json", model: "historical", confidence: 0.99, horizon: "1d", window: 250,
                lambda: 0.94,
                liquidity: backtest.liquidity)
        }
        let index = try IndexCommand.parse(["--source", "a=a.csv", "--min-sources", "-2"])
        #expect(index.minSources == -2)
    }
}
