import ArgumentParser
import Foundation
import SolventCore

/// `solvent index`: index and mark prices from several OHLCV price series, as the engine's oracle
/// computes them, with the sources used and excluded and the breaker state at every step.
public struct IndexCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Compute index and mark prices from several price sources (OHLCV CSV files).",
        discussion: """
            Each --source is NAME=FILE.csv with the header timestamp,open,high,low,close,volume \
            (the format of examples/btcusdt_crash_1h.csv). Output: CSV with timestamp,index,mark,sources_used,sources_excluded,breaker.
            """)

    @Option(name: .customLong("source"), help: "NAME=FILE.csv (repeat for each source).")
    public var sources: [String] = []
    @Option(name: .customLong("weight"), help: "NAME=W, a positive integer weight (default 1).")
    public var weights: [String] = []
    @Option(name: .customLong("stale-after"), help: "Drop a source's price older than this (60s, 5m, 2h).")
    public var staleAfter: String = "60s"
    @Option(help: "Exclude a source farther than this from the median (0.05 = 5 %).")
    public var band: String = "0.05"
    // Unconditional, so that a negative count reaches `resolve` rather than reading as a flag.
    @Option(
        name: .customLong("min-sources"), parsing: .unconditional,
        help: "Fewer fresh, agreeing sources trip the oracle breaker.")
    public var minSources: Int = 2
    @Option(help: "median or mean of the accepted sources.")
    public var aggregation: String = "median"
    @Option(help: "The source that is the venue's own last trade (feeds the basis and the mark).")
    public var venue: String?
    @Option(
        help:
            "Path inside each bar: close (one point at the bar's end) or intrabar (open, nearer extreme, farther extreme, close)."
    )
    public var path: String = "close"
    @Option(name: .customLong("mark-band"), help: "Clamp the mark to index ± this fraction.")
    public var markBand: String = "0.03"
    @Option(name: .customLong("price-move"), help: "Price-move breaker threshold (0 = off).")
    public var priceMove: String = "0.1"
    @Option(name: .customLong("price-move-window"), help: "Window of the price-move breaker.")
    public var priceMoveWindow: String = "5m"
    @Option(help: "First bar to use (ISO-8601 UTC).")
    public var from: String?
    @Option(help: "End of the range, exclusive (ISO-8601 UTC).")
    public var to: String?
    @Option(help: "Write the CSV here instead of standard output.")
    public var output: String?

    public init() {}

    public func run() throws {
        do {
            let (sources, config, path) = try resolve()
            let rows = IndexReplay.run(sources: sources, config: config, venue: venue, path: path) { step, total in
                Diagnostics.write("index: step \(step) of \(total)\n")
            }
            let text = IndexReplay.csv(rows)
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                    throw InputError(output, "cannot write the file")
                }
                Diagnostics.write("index: wrote \(rows.count) rows to \(output)\n")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// Validates the arguments and loads the files.
    public func resolve() throws -> ([IndexReplay.Source], OracleConfig, IndexReplay.Path) {
        guard !sources.isEmpty else { throw InputError("--source", "give at least one NAME=FILE.csv") }
        let fromTime = try from.map { try Self.time($0, option: "--from") }
        let toTime = try to.map { try Self.time($0, option: "--to") }
        var loaded: [IndexReplay.Source] = []
        for argument in sources {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw InputError("--source \(argument)", "expected NAME=FILE.csv")
            }
            if loaded.contains(where: { $0.name == parts[0] }) {
                throw InputError("--source \(argument)", "source \(parts[0]) is given twice")
            }
            let bars = try OHLCVFile.load(path: parts[1], from: fromTime, to: toTime)
            if bars.isEmpty {
                Diagnostics.write(
                    "warning: \(parts[1]) has no rows in range; source \(parts[0]) is reported as no-data\n")
            }
            loaded.append(IndexReplay.Source(name: parts[0], weight: 1, bars: bars))
        }
        for argument in weights {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let weight = Int64(parts[1]), weight > 0, weight <= 1_000_000 else {
                throw InputError("--weight \(argument)", "expected NAME=W with W a whole number from 1 to 1,000,000")
            }
            guard let index = loaded.firstIndex(where: { $0.name == parts[0] }) else {
                throw InputError("--weight \(argument)", "no source named \(parts[0])")
            }
            loaded[index].weight = weight
        }
        if let venue, !loaded.contains(where: { $0.name == venue }) {
            throw InputError("--venue", "no source named \(venue)")
        }
        guard let path = IndexReplay.Path(rawValue: path) else {
            throw InputError("--path", "expected close or intrabar")
        }
        guard let aggregation = ["median": OracleConfig.Aggregation.weightedMedian, "mean": .weightedMean][aggregation]
        else {
            throw InputError("--aggregation", "expected median or mean")
        }
        var config = OracleConfig(
            sources: loaded.enumerated().map {
                OracleConfig.Source(id: SourceID(UInt32($0.offset + 1)), weight: $0.element.weight)
            },
            aggregation: aggregation, minimumSources: minSources)
        config.sampleMaxAge = try Self.duration(staleAfter, option: "--stale-after")
        config.band = try Self.rate(band, option: "--band")
        config.markBand = try Self.rate(markBand, option: "--mark-band")
        config.priceMoveThreshold = try Self.rate(priceMove, option: "--price-move", allowZero: true)
        config.priceMoveWindow = try Self.duration(priceMoveWindow, option: "--price-move-window")
        // Before the config's own check, which names its field (minimumSources), not the option.
        guard (1...loaded.count).contains(minSources) else {
            throw InputError(
                "--min-sources", "must be from 1 to the number of sources (\(loaded.count)), got \(minSources)")
        }
        if let error = config.validate() { throw InputError("--\(error.field)", "expected \(error.reason)") }
        return (loaded, config, path)
    }

    static func time(_ text: String, option: String) throws -> Timestamp {
        guard let time = OHLCVFile.parseTimestamp(text) else {
            throw InputError(option, "expected an ISO-8601 UTC time such as 2020-03-12T00:00:00Z")
        }
        return time
    }

    /// "60s", "5m", "2h", "1d" or plain seconds → nanoseconds.
    static func duration(_ text: String, option: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        let unit = text.last.flatMap { units[$0] }
        let digits = unit == nil ? text : String(text.dropLast())
        // At most 10,000 days: a duration in nanoseconds that fits 64 bits with room to add.
        guard let value = Int64(digits), value > 0, value < 10_000_000, value * (unit ?? 1) <= 864_000_000 else {
            throw InputError(option, "expected a positive duration up to 10000d such as 60s, 5m or 2h, got \"\(text)\"")
        }
        return value * (unit ?? 1) * 1_000_000_000
    }

    static func rate(_ text: String, option: String, allowZero: Bool = false) throws -> Rate {
        guard let rate = Rate(text), rate.atoms < Rate.oneAtoms, rate.atoms > 0 || (allowZero && rate.atoms == 0) else {
            throw InputError(option, "expected a fraction between 0 and 1 (0.05 = 5 %), got \"\(text)\"")
        }
        return rate
    }
}
