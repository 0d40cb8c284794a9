import Foundation
import SolventCLI
import SolventCore
import Testing

/// Goal: on real crash data, the multi-source mark never follows a single bad print, and no
/// account is liquidated because of one — while a last-price mark would have liquidated many.
/// Method: replay Binance spot, perpetual and mark-price series from ../shared/data through the
/// engine's oracle (intrabar path); evaluate a seeded population at every step of the print's
/// hour under (a) the multi-source mark, (b) the same replay with the bad print removed from the
/// perpetual's bar, (c) the perpetual's last price. (a) must liquidate exactly what (b) does.
/// Skipped, with a message, where ../shared/data is absent.
struct RealDataOracleTests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/market")
    static let available = FileManager.default.fileExists(atPath: data.appendingPathComponent("crash").path)
    /// The full mark-price series, read once for all windows (each is 56,000 rows).
    static let markSeries: [String: [OHLCVBar]] = {
        guard available else { return [:] }
        var series: [String: [OHLCVBar]] = [:]
        for symbol in ["btcusdt", "ethusdt"] {
            series[symbol] = try? OHLCVFile.load(path: data.appendingPathComponent("\(symbol)_binance_perp_mark_1h.csv").path)
        }
        return series
    }()

    static func bars(_ file: String, _ from: String, _ to: String) throws -> [OHLCVBar] {
        try OHLCVFile.load(path: data.appendingPathComponent(file).path, from: OHLCVFile.parseTimestamp(from),
                           to: OHLCVFile.parseTimestamp(to))
    }

    static func replay(window: String, from: String, to: String, perp: [OHLCVBar]) throws -> [IndexReplay.Row] {
        let sources = [
            IndexReplay.Source(name: "spot", weight: 1, bars: try bars("crash/\(window)_ethusdt_binance_spot_1h.csv", from, to)),
            IndexReplay.Source(name: "perp", weight: 1, bars: perp),
            IndexReplay.Source(name: "mark", weight: 1, bars: markSeries["ethusdt"]!.filter {
                $0.time >= OHLCVFile.parseTimestamp(from)! && $0.time < OHLCVFile.parseTimestamp(to)!
            }),
        ]
        var config = OracleConfig(sources: (1...3).map { OracleConfig.Source(id: SourceID(UInt32($0)), weight: 1) }, minimumSources: 2)
        config.sampleMaxAge = 60 * 1_000_000_000
        return IndexReplay.run(sources: sources, config: config, venue: "perp", path: .intrabar)
    }

    /// Seeded ETH accounts on one side, entries within ±3 % of `around`, leverage 2x–`maximumLeverage`,
    /// cross margin, MMR 1 %: returns the accounts liquidatable at any of `marks`.
    static func liquidated(marks: [Price], long: Bool, around: Double, maximumLeverage: Double = 10, seed: UInt64) -> Set<AccountID> {
        var engine = Engine()
        var sequence: UInt64 = 0
        func run(_ command: Command) {
            sequence += 1
            let outcome = engine.execute(SequencedInput(sequence: sequence, timestamp: Timestamp(nanoseconds: Int64(sequence)),
                                                        commandID: nil, command: command))
            precondition(outcome.rejection == nil, "\(command): \(outcome)")
        }
        run(.createAsset(AssetSpec(id: AssetID(1), symbol: "USDT", scale: 6)))
        run(.setIndexPrice(asset: AssetID(1), price: Price("1")!))
        let tier = try! RiskTierTable.make(tiers: [RiskTier(notionalCap: nil, initialRate: Rate("0.02")!, maintenanceRate: Rate("0.01")!)]).get()
        run(.createMarket(MarketSpec(id: MarketID(1), symbol: "ETHUSDT", kind: .linear, settleAsset: AssetID(1),
                                     contractSize: Quantity("1")!, tickSize: Price("0.01")!, lotSize: Quantity("0.001")!),
                          RiskParameters(margin: .tiered(tier))))
        var state = seed
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        for id in 1...2_000 {
            let entry = Int64(around * (0.97 + 0.06 * next()) * 100) * 1_000_000
            let leverage = 2 + (maximumLeverage - 2) * next()
            let size = Int64(1 + next() * 20) * 100_000_000
            let collateral = Int64(Double(size) / 1e8 * Double(entry) / 1e8 / leverage * 1e6) + 1
            run(.openAccount(AccountID(UInt64(id))))
            run(.deposit(account: AccountID(UInt64(id)), asset: AssetID(1), amount: Amount(atoms: collateral)))
            run(.importPosition(account: AccountID(UInt64(id)), market: MarketID(1), size: Quantity(atoms: long ? size : -size),
                                entryPrice: Price(atoms: entry), isolatedMargin: nil))
        }
        var hit: Set<AccountID> = []
        for mark in marks {
            run(.setMarkPrice(market: MarketID(1), mark: mark, index: nil))
            for found in engine.scanMaintenance(market: MarketID(1)) where found.status >= .liquidatable { hit.insert(found.account) }
        }
        return hit
    }

    /// 2020-03-13 02:00Z: the ETHUSDT perpetual printed a high of 323.0 while spot's high was 120.2.
    @Test(.enabled(if: available, "../shared/data is absent: real-data oracle test skipped"))
    func ethPerpetualPrintOf323() throws {
        let (from, to) = ("2020-03-12T12:00:00Z", "2020-03-13T12:00:00Z")
        let perp = try Self.bars("crash/2020-03-12_ethusdt_binance_perp_1h.csv", from, to)
        let rows = try Self.replay(window: "2020-03-12", from: from, to: to, perp: perp)
        let spike = try #require(rows.first { $0.venuePrice == Price("323")! })
        #expect(spike.excluded.contains { $0.hasPrefix("perp:outlier") }, "the print must be excluded: \(spike.excluded)")
        #expect(try #require(spike.mark) < Price("125")!, "the mark followed the print: \(String(describing: spike.mark))")
        #expect(rows.allSatisfy { ($0.mark ?? Price("0")!) < Price("215")! }, "the mark never leaves the spot range")
        // Without the print: the same bar with its high at max(open, close).
        var cleaned = perp
        let index = try #require(cleaned.firstIndex { $0.high == Price("323")! })
        cleaned[index].high = max(cleaned[index].open, cleaned[index].close)
        let clean = try Self.replay(window: "2020-03-12", from: from, to: to, perp: cleaned)
        let hour = rows.indices.filter { rows[$0].time.nanoseconds / 3_600_000_000_000 == spike.time.nanoseconds / 3_600_000_000_000 }
        let multi = Self.liquidated(marks: hour.compactMap { rows[$0].mark }, long: false, around: 120, seed: 7)
        let reference = Self.liquidated(marks: hour.compactMap { clean[$0].mark }, long: false, around: 120, seed: 7)
        let lastPrice = Self.liquidated(marks: hour.compactMap { rows[$0].venuePrice }, long: false, around: 120, seed: 7)
        #expect(multi == reference, "the print caused \(multi.subtracting(reference).count) liquidations")
        // Shorts entered at 116.4–123.6 with 2x–10x survive the real move; the print at 323.0 would
        // have liquidated every one of them under a last-price mark.
        #expect(multi.count == 0)
        #expect(lastPrice.count == 2_000)
    }

    /// 2021-05-19 13:00Z: the ETHUSDT perpetual's low was 1,400.73, 25.8 % below spot's 1,888.0.
    @Test(.enabled(if: available, "../shared/data is absent: real-data oracle test skipped"))
    func ethPerpetualWickOf2021() throws {
        let (from, to) = ("2021-05-19T00:00:00Z", "2021-05-20T00:00:00Z")
        let perp = try Self.bars("crash/2021-05-19_ethusdt_binance_perp_1h.csv", from, to)
        let rows = try Self.replay(window: "2021-05-19", from: from, to: to, perp: perp)
        let wick = try #require(rows.first { $0.venuePrice == Price("1400.73")! })
        #expect(wick.mark! > Price("1850")!, "the mark followed the wick: \(String(describing: wick.mark))")
        #expect(wick.excluded.contains { $0.hasPrefix("perp:outlier") })
        var cleaned = perp
        let index = try #require(cleaned.firstIndex { $0.low == Price("1400.73")! })
        cleaned[index].low = min(cleaned[index].open, cleaned[index].close)
        let clean = try Self.replay(window: "2021-05-19", from: from, to: to, perp: cleaned)
        let hour = rows.indices.filter { rows[$0].time.nanoseconds / 3_600_000_000_000 == wick.time.nanoseconds / 3_600_000_000_000 }
        let multi = Self.liquidated(marks: hour.compactMap { rows[$0].mark }, long: true, around: 2_000, seed: 9)
        let reference = Self.liquidated(marks: hour.compactMap { clean[$0].mark }, long: true, around: 2_000, seed: 9)
        let lastPrice = Self.liquidated(marks: hour.compactMap { rows[$0].venuePrice }, long: true, around: 2_000, seed: 9)
        #expect(multi == reference, "the wick caused \(multi.subtracting(reference).count) liquidations")
        // Longs entered at 1,940–2,060 with 2x–10x: the wick to 1,400.73 liquidates most of them under
        // a last-price mark (1,678 of 2,000); under the multi-source mark none.
        #expect(multi.count == 0)
        #expect(lastPrice.count == 1_678)
    }

    /// Every crash window, BTC and ETH: the mark stays within the band of the index at every step
    /// of the intrabar path, the index exists at almost every step, and every exclusion is named.
    @Test(.enabled(if: available, "../shared/data is absent: real-data oracle test skipped"),
          arguments: ["2020-03-12", "2021-05-19", "2022-11-08", "2024-08-05", "2025-10-10"])
    func everyCrashWindowKeepsTheMarkOnTheIndex(window: String) throws {
        for symbol in ["btcusdt", "ethusdt"] {
            let spot = try OHLCVFile.load(path: Self.data.appendingPathComponent("crash/\(window)_\(symbol)_binance_spot_1h.csv").path)
            let perp = try OHLCVFile.load(path: Self.data.appendingPathComponent("crash/\(window)_\(symbol)_binance_perp_1h.csv").path)
            let range = (spot.first!.time, Timestamp(nanoseconds: spot.last!.time.nanoseconds + 3_600_000_000_000))
            let mark = try #require(Self.markSeries[symbol]).filter { $0.time >= range.0 && $0.time < range.1 }
            var config = OracleConfig(sources: (1...3).map { OracleConfig.Source(id: SourceID(UInt32($0)), weight: 1) }, minimumSources: 2)
            config.sampleMaxAge = 60 * 1_000_000_000
            let rows = IndexReplay.run(sources: [.init(name: "spot", weight: 1, bars: spot), .init(name: "perp", weight: 1, bars: perp),
                                                 .init(name: "mark", weight: 1, bars: mark)],
                                       config: config, venue: "perp", path: .intrabar)
            #expect(rows.count == 480, "\(window) \(symbol): \(rows.count) steps")
            var frozen = 0
            for row in rows {
                if row.index == nil { frozen += 1; continue }
                let index = Double(row.index!.atoms)
                let markValue = Double(row.mark!.atoms)
                if row.breaker != "oracle" {
                    #expect(abs(markValue - index) <= 0.03 * index + 1, "\(window) \(symbol) \(OHLCVFile.formatTimestamp(row.time))")
                }
                #expect(row.used.count + row.excluded.count == 3)
            }
            #expect(frozen <= 10, "\(window) \(symbol): \(frozen) of 480 steps without an index")
        }
    }
}
