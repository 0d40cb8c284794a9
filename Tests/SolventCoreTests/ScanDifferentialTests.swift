import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: the fast re-margin (double screen over the scan table + exact re-check) and the indexed
/// detection (trigger index + exact re-check, no full scan) find exactly the accounts the naive
/// exact scan finds, in the same order. Method: seeded populations
/// (leverage 1x–100x, long and short, isolated and cross, some accounts with other collateral or
/// a second position, so both screened and always-exact rows occur) on a linear and an inverse
/// market, compared after many mark moves, including moves that liquidate most of the book.
struct ScanDifferentialTests {
    @Test(arguments: testSeeds([11, 12, 13]))
    func fastScanEqualsNaiveScan(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var harness = Harness()
        harness.auditEachInput = false
        harness.engine.auditsEveryEvent = false
        harness.standardAssets(btcPrice: "60000")
        harness.ok(.createMarket(linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        harness.ok(
            .createMarket(
                MarketSpec(
                    id: MarketID(2), symbol: "BTCUSD", kind: .inverse, settleAsset: Harness.btc,
                    contractSize: Quantity("100")!, tickSize: Price("0.1")!, lotSize: Quantity("1")!),
                RiskParameters(margin: singleTier(im: "0.01", mm: "0.005"))))
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("60000")!, index: nil))
        harness.ok(.setMarkPrice(market: MarketID(2), mark: Price("60000")!, index: nil))
        for id: UInt64 in 1...1_500 {
            harness.ok(.openAccount(AccountID(id)))
            let leverage = Int64.random(in: 1...100, using: &random)
            let long = Bool.random(using: &random)
            let isolated = Int.random(in: 0..<3, using: &random) == 0
            let inverse = Int.random(in: 0..<4, using: &random) == 0
            let entry = Int64.random(in: 57_000...63_000, using: &random)
            if inverse {
                let contracts = Int64.random(in: 1...500, using: &random)
                let collateral = contracts * 100 * 100_000_000 / entry / leverage + 1
                harness.ok(.deposit(account: AccountID(id), asset: Harness.btc, amount: Amount(atoms: collateral)))
                harness.ok(
                    .importPosition(
                        account: AccountID(id), market: MarketID(2),
                        size: Quantity(atoms: (long ? 1 : -1) * contracts * 100_000_000),
                        entryPrice: Price(atoms: entry * 100_000_000),
                        isolatedMargin: isolated ? Amount(atoms: collateral) : nil))
            } else {
                let size = Int64.random(in: 1...5_000, using: &random)  // thousandths of a BTC
                let collateral = size * entry * 1_000 / leverage + 1  // USDT atoms
                harness.ok(.deposit(account: AccountID(id), asset: Harness.usdt, amount: Amount(atoms: collateral)))
                harness.ok(
                    .importPosition(
                        account: AccountID(id), market: MarketID(1),
                        size: Quantity(atoms: (long ? 1 : -1) * size * 100_000),
                        entryPrice: Price(atoms: entry * 100_000_000),
                        isolatedMargin: isolated ? Amount(atoms: collateral) : nil))
                // Some accounts depend on more than one price: always re-checked exactly.
                if !isolated && Int.random(in: 0..<8, using: &random) == 0 {
                    harness.ok(.deposit(account: AccountID(id), asset: Harness.btc, amount: Amount(atoms: 1_000_000)))
                }
            }
        }
        harness.audit()
        var checkedHits = 0
        for percent in [-40, -20, -8, -3, -1, 0, 1, 2, 5, 10, 25, 60] {
            let mark = Price(atoms: 60_000 * 100_000_000 + 60_000 * 1_000_000 * Int64(percent))
            harness.ok(.setMarkPrice(market: MarketID(1), mark: mark, index: nil))
            harness.ok(.setMarkPrice(market: MarketID(2), mark: mark, index: nil))
            for market in [MarketID(1), MarketID(2)] {
                let fast = harness.engine.scanMaintenance(market: market)
                let naive = harness.engine.scanMaintenanceNaive(market: market)
                let indexed = harness.engine.detectCrossings(market: market)
                #expect(
                    fast == naive, "seed \(seed), move \(percent)%, market \(market): \(fast.count) vs \(naive.count)")
                #expect(
                    indexed == naive,
                    "seed \(seed), move \(percent)%, market \(market): indexed \(indexed.count) vs \(naive.count)")
                checkedHits += naive.count
            }
        }
        #expect(checkedHits > 1_000, "seed \(seed): the moves must put many accounts in call or liquidation")
    }
}
