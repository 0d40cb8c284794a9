import Foundation
import SolventCore
import SolventRandom
import SolventRisk
import SolventSimulation
import SolventStore
import Testing

@testable import SolventCLI

/// Goal: no input file makes a command crash or print a non-finite number. Method: every
/// example file and the fixtures the CLI tests build, mutated by a seeded generator (huge
/// numbers, negative, zero, NaN, Infinity, "-0", empty strings, wrong types, removed, unknown
/// and duplicated fields, truncation), each run in process through the function its command
/// runs. Each run must end in a report without "nan"/"inf", or in an `InputError` naming where
/// (every command prints it and exits 2). A trap would kill the test runner: the run finishing
/// is the proof that nothing crashes.
@Suite(.capturingDiagnostics)
struct InputFuzzTests {
    /// The seed of every mutation, printed with every failure and in the summary line. Fixed, so
    /// that every run of the suite is the same; SOLVENT_FUZZ_SEED=N explores another.
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["SOLVENT_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5_01_7E_17
    static let files = TemporaryFiles("solvent-input-fuzz")
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    // MARK: - Mutations

    /// Values a hostile or broken file puts where a number, a string or an object belongs.
    static let hostileTokens = [
        "92233720368", "92233720368.54775808", "1e308", "-1e308", "9223372036854775807", "-9223372036854775808",
        "-1", "0", "-0", "NaN", "Infinity", "-Infinity", "", "0.000000000000000001", "abc", "1e-320",
    ]

    /// A JSON value that serializes verbatim (numbers JSONSerialization would reformat or refuse).
    struct Raw { var text: String }

    struct Mutator {
        var random: SplitMix64
        init(seed: UInt64) { random = SplitMix64(seed: seed) }
        mutating func below(_ n: Int) -> Int { min(n - 1, Int(random.unit() * Double(n))) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

        /// One mutation of a JSON document; returns the text and what was done.
        mutating func json(_ text: String) -> (String, String) {
            guard let root = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return (text, "unparsed") }
            var paths: [[PathStep]] = []
            collect(root, [], &paths)
            let kind = below(10)
            if kind == 0 || paths.isEmpty {
                let cut = below(text.utf8.count)
                return (String(decoding: Array(text.utf8)[..<cut], as: UTF8.self), "truncated at \(cut)")
            }
            let path = pick(paths)
            let described = path.map(\.description).joined()
            switch kind {
            case 1, 2, 3, 4:
                let token = pick(InputFuzzTests.hostileTokens)
                let asString =
                    below(3) == 0 || Double(token) == nil && !["NaN", "Infinity", "-Infinity"].contains(token)
                let value: Any = asString ? token : Raw(text: token)
                return (
                    Self.emit(replacing(root, path, with: value)), "\(described) = \(asString ? "\"\(token)\"" : token)"
                )
            case 5:
                let value: Any = pick(
                    [true, NSNull(), [Any](), [String: Any](), ["x": 1] as [String: Any], [1, 2] as [Any]] as [Any])
                return (Self.emit(replacing(root, path, with: value)), "\(described) = a wrong type")
            case 6:
                return (Self.emit(removing(root, path)), "removed \(described)")
            case 7:
                return (
                    Self.emit(adding(root, path.dropLast(), key: "unexpectedField", value: 1)),
                    "unknown field at \(described)"
                )
            case 8:
                return (
                    Self.emit(root, duplicateAt: Array(path.dropLast())),
                    "duplicated a key of \(path.dropLast().map(\.description).joined())"
                )
            default:
                let token = pick(InputFuzzTests.hostileTokens)
                return (
                    Self.emit(replacing(root, path, with: Raw(text: Double(token) == nil ? "\"\(token)\"" : token))),
                    "\(described) = \(token)"
                )
            }
        }

        /// One mutation of a CSV text: a field replaced, a field added or removed, a line
        /// repeated or dropped, or the text cut short.
        mutating func csv(_ text: String) -> (String, String) {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            while lines.last?.isEmpty == true { lines.removeLast() }
            guard !lines.isEmpty else { return (text, "empty") }
            let row = lines.count > 1 && below(8) != 0 ? 1 + below(lines.count - 1) : 0
            var fields = lines[row].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let column = below(fields.count)
            switch below(10) {
            case 0:
                let cut = below(text.utf8.count)
                return (String(decoding: Array(text.utf8)[..<cut], as: UTF8.self), "truncated at \(cut)")
            case 1:
                fields.remove(at: column)
                lines[row] = fields.joined(separator: ",")
                return (lines.joined(separator: "\n") + "\n", "line \(row + 1): removed field \(column)")
            case 2:
                let token = pick(InputFuzzTests.hostileTokens)
                fields.append(token)
                lines[row] = fields.joined(separator: ",")
                return (lines.joined(separator: "\n") + "\n", "line \(row + 1): extra field \(token)")
            case 3:
                lines.insert(lines[row], at: row)
                return (lines.joined(separator: "\n") + "\n", "line \(row + 1) repeated")
            case 4:
                lines.remove(at: row)
                return (lines.joined(separator: "\n") + "\n", "line \(row + 1) removed")
            case 5:
                // Every field of the row at once: a row of 92233720368s and the like.
                let token = pick(InputFuzzTests.hostileTokens)
                lines[row] = fields.map { _ in token }.joined(separator: ",")
                return (lines.joined(separator: "\n") + "\n", "line \(row + 1): every field \(token)")
            default:
                let token = pick(InputFuzzTests.hostileTokens)
                fields[column] = token
                lines[row] = fields.joined(separator: ",")
                return (lines.joined(separator: "\n") + "\n", "line \(row + 1) field \(column) = \(token)")
            }
        }

        enum PathStep: CustomStringConvertible {
            case key(String), index(Int)
            var description: String {
                switch self {
                case .key(let key): return ".\(key)"
                case .index(let index): return "[\(index)]"
                }
            }
        }

        func collect(_ value: Any, _ path: [PathStep], _ paths: inout [[PathStep]]) {
            if let object = value as? [String: Any] {
                for key in object.keys.sorted() { collect(object[key]!, path + [.key(key)], &paths) }
            } else if let array = value as? [Any] {
                for (index, item) in array.enumerated() { collect(item, path + [.index(index)], &paths) }
            }
            if !path.isEmpty { paths.append(path) }
        }

        func replacing(_ value: Any, _ path: [PathStep], with new: Any) -> Any {
            guard let first = path.first else { return new }
            switch first {
            case .key(let key):
                var object = value as! [String: Any]
                object[key] = replacing(object[key]!, Array(path.dropFirst()), with: new)
                return object
            case .index(let index):
                var array = value as! [Any]
                array[index] = replacing(array[index], Array(path.dropFirst()), with: new)
                return array
            }
        }

        func removing(_ value: Any, _ path: [PathStep]) -> Any {
            guard path.count > 1 else {
                switch path.first {
                case .key(let key)?: var object = value as! [String: Any]; object[key] = nil; return object
                case .index(let index)?: var array = value as! [Any]; array.remove(at: index); return array
                case nil: return value
                }
            }
            return replacing(
                value, Array(path.dropLast()), with: removing(container(value, Array(path.dropLast())), [path.last!]))
        }

        func container(_ value: Any, _ path: [PathStep]) -> Any {
            path.reduce(value) { current, step in
                switch step {
                case .key(let key): return (current as! [String: Any])[key]!
                case .index(let index): return (current as! [Any])[index]
                }
            }
        }

        func adding(_ value: Any, _ path: ArraySlice<PathStep>, key: String, value new: Any) -> Any {
            let target = container(value, Array(path))
            guard var object = target as? [String: Any] else { return value }
            object[key] = new
            return replacing(value, Array(path), with: object)
        }

        /// JSON text with sorted keys; the object at `duplicateAt` writes its first key twice.
        static func emit(_ value: Any, duplicateAt: [PathStep]? = nil, at path: [PathStep] = []) -> String {
            switch value {
            case let raw as Raw: return raw.text
            case let text as String:
                return String(
                    decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]),
                    as: UTF8.self)
            case let object as [String: Any]:
                var members = object.keys.sorted().map { key in
                    emit(key) + ":" + emit(object[key]!, duplicateAt: duplicateAt, at: path + [.key(key)])
                }
                if let duplicateAt, duplicateAt.map(\.description) == path.map(\.description), let first = members.first
                {
                    members.insert(first, at: 0)
                }
                return "{" + members.joined(separator: ",") + "}"
            case let array as [Any]:
                return "["
                    + array.enumerated().map { emit($1, duplicateAt: duplicateAt, at: path + [.index($0)]) }.joined(
                        separator: ",") + "]"
            case is NSNull: return "null"
            case let number as NSNumber:
                if type(of: number) == type(of: NSNumber(value: true)) { return number.boolValue ? "true" : "false" }
                return number.stringValue
            default: return "null"
            }
        }
    }

    // MARK: - Running a command in process

    enum Verdict { case report, namedError }

    /// Runs `body`; a report must hold no non-finite number, an error must be an `InputError`
    /// that says where. Anything else is recorded with the seed and the mutation.
    static func check(_ command: String, _ mutation: String, injected: String, _ body: () throws -> String) -> Verdict?
    {
        do {
            let output = try body()
            if let bad = nonFinite(in: output, injected: injected) {
                Issue.record("\(command) (seed \(seed), \(mutation)): the report holds \"\(bad)\"")
            }
            return .report
        } catch let error as InputError {
            if error.location.isEmpty || error.message.isEmpty {
                Issue.record("\(command) (seed \(seed), \(mutation)): an error that names no field: \(error)")
            }
            return .namedError
        } catch {
            Issue.record("\(command) (seed \(seed), \(mutation)): not an input error (not exit 2): \(error)")
            return nil
        }
    }

    /// "nan", "inf" (as Swift and printf write them), "NaN" (as formatters write it) or "∞"
    /// anywhere in the output — but not the file's own text echoed back (a column named NaN).
    static func nonFinite(in output: String, injected mutation: String) -> String? {
        var text = output
        for token in ["-Infinity", "Infinity", "NaN"] where mutation.contains(token) {
            // A CSV header is echoed lowercased.
            text = text.replacingOccurrences(of: token, with: "", options: .caseInsensitive)
        }
        guard
            let range = text.range(
                of: #"(?<![A-Za-z])-?(nan|inf|infinity|NaN|Infinity)(?![A-Za-z])|∞"#, options: .regularExpression)
        else { return nil }
        return String(text[range])
    }

    /// What one command's runs came to.
    struct Tally {
        var runs = 0, refused = 0
        var seconds = 0.0
    }

    /// Mutates `base` `runs` times and runs each through `body(path)`.
    static func fuzz(
        _ command: String, base: String, name: String, csv: Bool, runs: Int, mutator: inout Mutator,
        _ body: (String) throws -> String
    ) -> Tally {
        let started = Date()
        var tally = Tally(runs: runs)
        for run in 0..<runs {
            let (text, mutation) = csv ? mutator.csv(base) : mutator.json(base)
            let path = files.file("\(command)-\(run)-\(name)", text)
            // A trap ends the process before any report: this file then names the run.
            _ = files.file("last-run.txt", "\(command) (seed \(seed)) \(name) run \(run): \(mutation)\n")
            if check(command, "\(name) run \(run): \(mutation)", injected: mutation, { try body(path) }) == .namedError
            {
                tally.refused += 1
            }
        }
        tally.seconds = Date().timeIntervalSince(started)
        return tally
    }

    // MARK: - Fixtures

    static func example(_ name: String) throws -> String {
        try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
    }

    /// Hourly bars from 60,000 falling to 45,000 and back (the simulate tests' crash path).
    static let bars = SimulateCommandTests.bars

    /// `solvent backtest`'s JSON summary and HTML report of a FUZZ book over a FUZZ history.
    static func backtest(_ prices: String, _ portfolio: String, model: String) throws -> String {
        let run = try BacktestCommand.run(
            prices: ["FUZZ=\(prices)"], portfolioPath: portfolio, model: model, confidence: 0.99, horizon: "1d",
            window: 10, lambda: 0.94, liquidity: 0.1)
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: run.summary, options: [.sortedKeys]), as: UTF8.self)
        return json + BacktestReport.html(run)
    }

    /// 40 days of daily bars for the backtest (a window of 10 needs more than 10 returns).
    static let dailyBars: String = {
        var random = SplitMix64(seed: seed)
        var text = "timestamp,open,high,low,close,volume\n"
        var price = 100.0
        let start = OHLCVFile.parseTimestamp("2021-05-01T00:00:00Z")!.nanoseconds / 1_000_000_000
        for day in 0..<40 {
            let next = price * (1 + (random.unit() - 0.5) * 0.08)
            let time = OHLCVFile.formatTimestamp(Timestamp(seconds: start + Int64(day) * 86_400))
            text +=
                time
                + String(
                    format: ",%.2f,%.2f,%.2f,%.2f,%.0f\n", price, max(price, next) * 1.01, min(price, next) * 0.99,
                    next, 1_000 + random.unit() * 100)
            price = next
        }
        return text
    }()

    static let population = """
        account,size,entry_price,collateral,collateral_asset,isolated
        1,0.5,60000,3000,USDT,false
        2,-0.25,59500,2500,USDT,true
        3,1.2,61000,0.2,BTC,false
        4,-2,60500,12000,USDT,false

        """

    /// A Deribit chain with what the study's five books need: expiries of 7, 30 and 90 days,
    /// calls and puts at five strikes each.
    static let snapshot: String = {
        var lines = [OptionStudyTests.header]
        for (days, expiry) in [(7.0, "E7"), (30.0, "E30"), (90.0, "E90")] {
            for strike in [80.0, 90, 100, 110, 120] {
                let option = EuropeanOption(right: .call, spot: 100, strike: strike, years: days / 365, volatility: 0.6)
                let callDelta = BlackScholes.valuation(option).delta
                lines.append(
                    OptionStudyTests.row(
                        "BTC-\(expiry)-\(Int(strike))-C", "call", strike, expiry, days / 365, iv: "0.6",
                        delta: callDelta))
                lines.append(
                    OptionStudyTests.row(
                        "BTC-\(expiry)-\(Int(strike))-P", "put", strike, expiry, days / 365, iv: "0.6",
                        delta: callDelta - 1))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// A margin proof, a liquidation proof and the root, written once from the proof tests' journal.
    static func proofs() async throws -> (margin: String, liquidation: String, root: String) {
        let db = try await ProofCommandTests.journal()
        try await CommitCommand.parse(["--db", db]).run()
        let root = try #require(try await Commitments.journaledRoots(in: try SQLiteStore(path: db)).last)
        let margin = files.folder.appendingPathComponent("fuzz-margin-proof.json").path
        try await ProveCommand.parse(["--db", db, "--account", "7", "--output", margin]).run()
        let liquidation = files.folder.appendingPathComponent("fuzz-liquidation-proof.json").path
        try await ProveCommand.parse(["--db", db, "--event", "\(root.sequence)", "--output", liquidation]).run()
        return (
            try String(contentsOfFile: margin, encoding: .utf8),
            try String(contentsOfFile: liquidation, encoding: .utf8), root.hash
        )
    }

    // MARK: - The fuzz run

    static let funding = """
        timestamp,funding_rate
        2024-01-01T00:00:00Z,0.0001
        2024-01-01T02:00:00Z,-4.946e-05
        2024-01-01T04:00:00Z,0.003
        """

    /// `solvent simulate` with its three input files mutated in turn.
    static func fuzzSimulate(_ mutator: inout Mutator) -> [Tally] {
        let crash = Self.files.file("fuzz-crash.csv", Self.bars)
        func simulate(_ arguments: [String]) throws -> String {
            let command = try SimulateCommand.parse(arguments + ["--path", "close", "--audit", "end"])
            return SimulationReport.json(try SimulateCommand.simulate(command) { _ in })
        }
        return [
            Self.fuzz("simulate", base: Self.bars, name: "crash.csv", csv: true, runs: 40, mutator: &mutator) {
                try simulate(["--prices", $0, "--accounts", "20"])
            },
            Self.fuzz("simulate", base: Self.population, name: "population.csv", csv: true, runs: 40, mutator: &mutator)
            {
                try simulate(["--prices", crash, "--population", $0])
            },
            Self.fuzz("simulate", base: Self.funding, name: "funding.csv", csv: true, runs: 30, mutator: &mutator) {
                try simulate(["--prices", crash, "--accounts", "20", "--funding", $0])
            },
        ]
    }

    @Test func noInputCrashesAnyCommand() async throws {
        let started = Date()
        var mutator = Mutator(seed: Self.seed)
        var counts: [(String, Tally)] = []
        func add(_ command: String, _ tally: Tally) {
            guard let index = counts.firstIndex(where: { $0.0 == command }) else {
                return counts.append((command, tally))
            }
            counts[index].1.runs += tally.runs
            counts[index].1.refused += tally.refused
            counts[index].1.seconds += tally.seconds
        }

        // margin: the engine portfolios and the option portfolio, every model and format.
        for name in [
            "binance-isolated-long.json", "coin-margined.json", "cross-multi-collateral.json", "deribit-linear.json",
            "option-portfolio.json",
        ] {
            let base = try Self.example(name)
            let option = name == "option-portfolio.json"
            var turn = 0
            add(
                "margin",
                Self.fuzz("margin", base: base, name: name, csv: false, runs: option ? 80 : 35, mutator: &mutator) {
                    path in
                    turn += 1
                    let model: MarginCommand.Model = option ? MarginCommand.Model.allCases[turn % 4] : .standard
                    return try MarginCommand.render(
                        portfolioPath: path, model: model, format: turn % 2 == 0 ? .json : .table)
                })
        }

        // price and implied-vol: the example options and the prices they give.
        let options = try Self.example("options.csv")
        var strict = false
        add(
            "price",
            Self.fuzz("price", base: options, name: "options.csv", csv: true, runs: 80, mutator: &mutator) { path in
                strict.toggle()
                return try PriceCommand.parse(["--input", path] + (strict ? ["--strict"] : [])).table.render().csv
            })
        let (priced, _, _) = try PriceCommand.parse([
            "--input", Self.examples.appendingPathComponent("options.csv").path,
        ]).table.render()
        // The quotes: the example's columns and the price each row gives.
        let quotes = priced.split(separator: "\n").map { line in
            line.split(separator: ",").prefix(8).joined(separator: ",")
        }.joined(separator: "\n")
        add(
            "implied-vol",
            Self.fuzz("implied-vol", base: quotes, name: "quotes.csv", csv: true, runs: 50, mutator: &mutator) { path in
                try ImpliedVolCommand.parse(["--input", path]).table.render().csv
            })

        // simulate: the price path, a venue's population and the funding rates.
        for tally in Self.fuzzSimulate(&mutator) { add("simulate", tally) }

        // index: two sources, one of them mutated.
        let steady = Self.files.file("fuzz-steady.csv", Self.bars)
        add(
            "index",
            Self.fuzz("index", base: Self.bars, name: "source.csv", csv: true, runs: 50, mutator: &mutator) { path in
                let command = try IndexCommand.parse([
                    "--source", "a=\(steady)", "--source", "b=\(path)", "--path", "intrabar", "--venue", "b",
                    "--min-sources", "1",
                ])
                let (sources, config, replayPath) = try command.resolve()
                return IndexReplay.csv(IndexReplay.run(sources: sources, config: config, venue: "b", path: replayPath))
            })

        // serve --demo: the demo path, and the population the demo venue seeds at its first
        // mark (generated as the venue does, where an out-of-range price would trap).
        add(
            "serve",
            Self.fuzz("serve", base: Self.bars, name: "demo.csv", csv: true, runs: 40, mutator: &mutator) { path in
                guard let marks = try ServeCommand.parse(["--demo", "--demo-path", path]).demoMarks() else { return "" }
                let population = PopulationGenerator.generate(
                    PopulationSpec(accounts: 20, seed: 8), startPrice: marks[0],
                    margin: MarketPresets.all[0].margin, lotSize: 100_000)
                return marks.map(String.init).joined(separator: ",") + PopulationFile.format(population)
            })

        // backtest: the portfolio file and the price history.
        let history = Self.files.file("FUZZ.csv", Self.dailyBars)
        let book =
            #"{"positions": [{"symbol": "FUZZ", "quantity": "2"}, {"symbol": "FUZZ", "quantity": "-1", "option": "put", "moneyness": 0.9, "days": 30, "volatility": 0.6}]}"#
        let bookPath = Self.files.file("fuzz-book.json", book)
        // The parametric model and the keeper's dynamic scenario set, in turn.
        var backtests = 0
        func backtest(_ prices: String, _ portfolio: String) throws -> String {
            backtests += 1
            return try Self.backtest(prices, portfolio, model: backtests % 2 == 0 ? "normal" : "fhs-dynamic")
        }
        add(
            "backtest",
            Self.fuzz("backtest", base: book, name: "book.json", csv: false, runs: 40, mutator: &mutator) {
                try backtest(history, $0)
            })
        add(
            "backtest",
            Self.fuzz("backtest", base: Self.dailyBars, name: "FUZZ.csv", csv: true, runs: 40, mutator: &mutator) {
                path in
                try backtest(path, bookPath)
            })

        // option-study: a Deribit snapshot.
        add(
            "option-study",
            Self.fuzz("option-study", base: Self.snapshot, name: "snapshot.csv", csv: true, runs: 50, mutator: &mutator)
            { path in
                let study = try OptionStudyReport.run(try DeribitSnapshot.load(path: path), name: "snapshot.csv")
                let json = String(
                    decoding: try JSONSerialization.data(withJSONObject: study.jsonObject(), options: [.sortedKeys]),
                    as: UTF8.self)
                return study.table() + study.markdown() + json
            })

        // verify: a margin proof and a liquidation proof.
        let (marginProof, liquidationProof, root) = try await Self.proofs()
        add(
            "verify",
            Self.fuzz("verify", base: marginProof, name: "margin-proof.json", csv: false, runs: 50, mutator: &mutator) {
                path in
                try VerifyCommand.check(proofPath: path, root: root).lines.joined(separator: "\n")
            })
        add(
            "verify",
            Self.fuzz(
                "verify", base: liquidationProof, name: "liquidation-proof.json", csv: false, runs: 80,
                mutator: &mutator
            ) { path in
                try VerifyCommand.check(proofPath: path, root: nil).lines.joined(separator: "\n")
            })

        let seconds = Date().timeIntervalSince(started)
        print(
            "input fuzz (seed \(Self.seed)): "
                + counts.map {
                    "\($0.0) \($0.1.runs) runs (\($0.1.refused) refused, \(String(format: "%.1f", $0.1.seconds)) s)"
                }
                .joined(separator: ", ")
                + "; \(counts.reduce(0) { $0 + $1.1.runs }) in all, \(String(format: "%.1f", seconds)) s")
    }
}
