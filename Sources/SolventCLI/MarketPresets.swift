import SolventCore

/// Named market definitions from published venue parameters (../shared/reference/exchanges.md).
/// They are examples to start from: real parameters change, so a venue loads its own tables.
public enum MarketPresets {
    public struct Preset: Sendable {
        public var name: String
        public var symbol: String
        public var kind: InstrumentKind
        public var settleSymbol: String
        public var contractSize: String
        public var tickSize: String
        public var lotSize: String
        public var margin: MarginSchedule
        public var source: String
    }

    public static let all: [Preset] = [binanceBTCUSDT2021, deribitBTCUSDC, bitmexXBTUSD2021, hyperliquidBTC]

    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// Builds a tier table from (cap, initial rate, maintenance rate) rows in settlement units.
    static func tiers(_ rows: [(String?, String, String)], scale: Int, deducts: Bool = true) -> MarginSchedule {
        let tiers = rows.map { cap, initial, maintenance in
            RiskTier(
                notionalCap: cap.map { Amount(atoms: try! DecimalText.parse($0, scale: scale).get()) },
                initialRate: Rate(initial)!, maintenanceRate: Rate(maintenance)!)
        }
        return .tiered(try! RiskTierTable.make(tiers: tiers, deductsMaintenanceAmount: deducts).get())
    }

    /// Binance USDⓈ-M BTCUSDT perpetual, tiers effective 2021-03-18 (exchanges.md §1.1).
    public static let binanceBTCUSDT2021 = Preset(
        name: "binance-btcusdt-2021", symbol: "BTCUSDT", kind: .linear, settleSymbol: "USDT",
        contractSize: "1", tickSize: "0.1", lotSize: "0.001",
        margin: tiers(
            [
                ("50000", "0.008", "0.004"), ("250000", "0.01", "0.005"), ("1000000", "0.02", "0.01"),
                ("10000000", "0.05", "0.025"), ("20000000", "0.1", "0.05"), ("50000000", "0.2", "0.1"),
                ("100000000", "0.25", "0.125"), ("200000000", "0.333", "0.15"), ("300000000", "0.5", "0.25"),
                (nil, "1", "0.5"),
            ], scale: 6),
        source: "Binance BTCUSDT tier table effective 2021-03-18")

    /// Deribit BTC_USDC linear perpetual: IM 2 % + 0.005 %/BTC, MM 1 % + 0.005 %/BTC (§3.1).
    public static let deribitBTCUSDC = Preset(
        name: "deribit-btc-usdc-perpetual", symbol: "BTC_USDC-PERPETUAL", kind: .linear, settleSymbol: "USDC",
        contractSize: "1", tickSize: "0.5", lotSize: "0.0001",
        margin: .sizeScaled(
            initialBase: Rate("0.02")!, maintenanceBase: Rate("0.01")!, ratePerContract: Rate("0.00005")!),
        source: "Deribit linear perpetual margin page (BTC_USDC)")

    /// BitMEX XBTUSD inverse perpetual, risk-limit steps: base MM 0.5 %, IM 1 %, base limit 200 XBT,
    /// step 150 XBT, each step +0.5 % on both (legacy examples, §2.2); the rate applies to the
    /// whole position (no maintenance deduction).
    public static let bitmexXBTUSD2021 = Preset(
        name: "bitmex-xbtusd-2021", symbol: "XBTUSD", kind: .inverse, settleSymbol: "BTC",
        contractSize: "1", tickSize: "0.5", lotSize: "100",
        margin: tiers(
            (0..<10).map { step in
                let cap = step == 9 ? nil : String(200 + 150 * step)
                let initial = DecimalText.format(Int64(2 + step) * 5_000_000, scale: Rate.scale)
                let maintenance = DecimalText.format(Int64(1 + step) * 5_000_000, scale: Rate.scale)
                return (cap, initial, maintenance)
            }, scale: 8, deducts: false),
        source: "BitMEX risk-limit examples (legacy)")

    /// Hyperliquid BTC perpetual: 40x up to 150M USDC, 20x beyond; MMR half the IMR at max
    /// leverage; maintenance deduction 1,875,000 (§5.1, HL-1).
    public static let hyperliquidBTC = Preset(
        name: "hyperliquid-btc", symbol: "BTC", kind: .linear, settleSymbol: "USDC",
        contractSize: "1", tickSize: "1", lotSize: "0.00001",
        margin: tiers([("150000000", "0.025", "0.0125"), (nil, "0.05", "0.025")], scale: 6),
        source: "Hyperliquid mainnet margin tiers")
}
