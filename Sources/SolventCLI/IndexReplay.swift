import SolventCore

/// Replays OHLCV price series from several sources through the engine's oracle: index, mark and
/// breakers at every step, with the sources used and excluded. The path inside a bar follows a
/// documented convention (see `Path`). The engine computes everything; this only feeds it.
public struct IndexReplay {
    public struct Source: Sendable {
        public var name: String
        public var weight: Int64
        public var bars: [OHLCVBar]
        public init(name: String, weight: Int64, bars: [OHLCVBar]) {
            self.name = name
            self.weight = weight
            self.bars = bars
        }
    }

    /// Where the price is inside a bar of length L opening at t.
    public enum Path: String, CaseIterable, Sendable {
        /// One point per bar: the close, observed at t + L (the bar's end).
        case close
        /// Four points: open at t, the extreme nearer the open at t + L/4, the farther extreme at
        /// t + L/2, the close at t + 3L/4.
        case intrabar
    }

    public struct Row: Hashable, Sendable {
        public var time: Timestamp
        public var index: Price?
        public var mark: Price?
        /// The venue source's price at this step (what a last-price mark would use).
        public var venuePrice: Price?
        public var used: [String]
        public var excluded: [String]
        public var breaker: String
    }

    public static func points(of bars: [OHLCVBar], path: Path) -> [(time: Timestamp, price: Price)] {
        var length: Int64 = 3_600_000_000_000
        if bars.count > 1 {
            length = zip(bars, bars.dropFirst()).map { $1.time.nanoseconds - $0.time.nanoseconds }.min()!
        }
        var result: [(time: Timestamp, price: Price)] = []
        result.reserveCapacity(bars.count * (path == .close ? 1 : 4))
        for bar in bars {
            let t = bar.time.nanoseconds
            switch path {
            case .close:
                result.append((Timestamp(nanoseconds: t + length), bar.close))
            case .intrabar:
                let highFirst = bar.high.atoms - bar.open.atoms < bar.open.atoms - bar.low.atoms
                result.append((Timestamp(nanoseconds: t), bar.open))
                result.append((Timestamp(nanoseconds: t + length / 4), highFirst ? bar.high : bar.low))
                result.append((Timestamp(nanoseconds: t + length / 2), highFirst ? bar.low : bar.high))
                // ⌊3L/4⌋ without forming 3L, which overflows for bars a century apart.
                result.append((Timestamp(nanoseconds: t + length / 4 * 3 + length % 4 * 3 / 4), bar.close))
            }
        }
        return result
    }

    /// Runs the replay. `venue` names the source whose price is the venue's own last trade (it
    /// feeds the basis EMA and the median-of-three mark). `progress` is called now and then.
    public static func run(
        sources: [Source], config: OracleConfig, venue: String?, path: Path,
        progress: ((Int, Int) -> Void)? = nil
    ) -> [Row] {
        let series = sources.map { points(of: $0.bars, path: path) }
        var times = Array(Set(series.flatMap { $0.map(\.time.nanoseconds) })).sorted()
        times = times.filter { $0 > 0 }
        var engine = Engine()
        var sequence: UInt64 = 0
        func execute(_ command: Command, at time: Int64) -> Outcome {
            sequence += 1
            return engine.execute(
                SequencedInput(
                    sequence: sequence, timestamp: Timestamp(nanoseconds: max(time, engine.now.nanoseconds)),
                    commandID: nil, command: command))
        }
        let start = times.first ?? 0
        _ = execute(.createAsset(AssetSpec(id: AssetID(1), symbol: "USD", scale: 6)), at: start)
        _ = execute(
            .createMarket(
                MarketSpec(
                    id: MarketID(1), symbol: "INDEX", kind: .linear, settleAsset: AssetID(1),
                    contractSize: Quantity("1")!, tickSize: Price(atoms: 1), lotSize: Quantity(atoms: 1)),
                RiskParameters(
                    margin: .sizeScaled(
                        initialBase: Rate("0.1")!, maintenanceBase: Rate("0.05")!,
                        ratePerContract: .zero))), at: start)
        let configured = execute(.configureOracle(market: MarketID(1), config), at: start)
        precondition(configured.rejection == nil, "replay oracle configuration rejected: \(configured)")
        var cursor = [Int](repeating: -1, count: sources.count)
        let venueIndex = venue.flatMap { name in sources.firstIndex { $0.name == name } }
        var rows: [Row] = []
        rows.reserveCapacity(times.count)
        for (step, time) in times.enumerated() {
            var samples: [OracleSample] = []
            var missing: [String] = []
            for (s, points) in series.enumerated() {
                while cursor[s] + 1 < points.count, points[cursor[s] + 1].time.nanoseconds <= time { cursor[s] += 1 }
                if cursor[s] >= 0 {
                    samples.append(
                        OracleSample(
                            source: SourceID(UInt32(s + 1)), price: points[cursor[s]].price,
                            time: points[cursor[s]].time))
                } else {
                    missing.append("\(sources[s].name):no-data")
                }
            }
            let venuePrice = venueIndex.flatMap { cursor[$0] >= 0 ? series[$0][cursor[$0]].price : nil }
            let outcome = execute(
                .updateOracle(market: MarketID(1), samples: samples, last: venuePrice, mid: nil), at: time)
            var row = Row(
                time: Timestamp(nanoseconds: time), index: nil, mark: nil, venuePrice: venuePrice, used: [],
                excluded: missing, breaker: "")
            for event in outcome.events {
                guard case .indexUpdated(let update) = event else { continue }
                row.index = update.index
                row.used = update.used.map { sources[Int($0.rawValue) - 1].name }
                row.excluded =
                    update.excluded.map { "\(sources[Int($0.source.rawValue) - 1].name):\($0.reason)" } + missing
            }
            row.mark = engine.market(MarketID(1)).flatMap { $0.mark > 0 ? Price(atoms: $0.mark) : nil }
            switch engine.liquidationPermission(market: MarketID(1)) {
            case .allowed: row.breaker = ""
            case .slow: row.breaker = "price-move-slow"
            case .paused(let rule): row.breaker = rule == .priceMove ? "price-move" : rule.rawValue
            }
            rows.append(row)
            if step % 10_000 == 0 { progress?(step, times.count) }
        }
        return rows
    }

    /// The CSV the `index` command writes.
    public static func csv(_ rows: [Row]) -> String {
        var out = "timestamp,index,mark,sources_used,sources_excluded,breaker\n"
        for row in rows {
            out +=
                OHLCVFile.formatTimestamp(row.time) + "," + (row.index?.description ?? "") + ","
                + (row.mark?.description ?? "")
                + "," + row.used.joined(separator: ";") + "," + row.excluded.joined(separator: ";") + "," + row.breaker
                + "\n"
        }
        return out
    }
}
