import SolventCore
import SolventTestSupport
import Testing

/// Goal: mark updates issue and clear margin calls and start and end liquidation, with the exit
/// buffer preventing flip-flopping. Method: one isolated long walked through every state with
/// hand-computed thresholds (Binance 2021 tier 1: MMR 0.4 %; call ratio 0.8; exit buffer 10 %).
struct MarginStateTests {
    static func changes(_ events: [Event]) -> [MarginStateChange] {
        events.compactMap { if case .marginStateChanged(let change) = $0 { change } else { nil } }
    }

    @Test func callLiquidationBufferAndClear() {
        var harness = Harness()
        harness.standardAssets()
        harness.ok(.createMarket(linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: nil))
        harness.openFunded(10, usdt: "2500")
        harness.ok(
            .importPosition(
                account: AccountID(10), market: MarketID(1), size: Quantity("1")!,
                entryPrice: Price("50000")!, isolatedMargin: amount("2500", scale: 6)))
        // Isolated 1 BTC long, margin 2,500: equity = P − 47,500, MM = 0.004 P.
        // Call when 0.004 P ≥ 0.8 (P − 47,500) → P ≤ 47,738.7; liquidation at P ≤ 47,690.76.
        func move(_ price: String) -> [MarginStateChange] {
            Self.changes(harness.ok(.setMarkPrice(market: MarketID(1), mark: Price(price)!, index: nil)))
        }
        #expect(move("47800").isEmpty)
        let call = move("47720")
        #expect(
            call.map(\.to) == [.marginCall] && call.map(\.from) == [nil]
                && call.first?.pool.isolatedMarket == MarketID(1))
        let liquidation = move("47690")
        #expect(liquidation.map(\.from) == [.marginCall] && liquidation.map(\.to) == [.liquidating])
        // Back above maintenance but inside the 10 % buffer: equity 205 < MM × 1.1 = 209.90: stays.
        #expect(move("47705").isEmpty)
        #expect(harness.engine.alerts.first?.alert == .liquidating)
        // Beyond the buffer (equity 230 ≥ 210.01), still in call: liquidation ends, the call remains.
        let ended = move("47730")
        #expect(ended.map(\.from) == [.liquidating] && ended.map(\.to) == [.marginCall])
        let cleared = move("48000")
        #expect(cleared.map(\.from) == [.marginCall] && cleared.map(\.to) == [nil])
        #expect(harness.engine.alerts.isEmpty)
    }

    @Test func closingThePositionClearsItsAlert() {
        var harness = EngineTests.venue()
        harness.ok(EngineTests.fill(1, 2, "4", "50000"))  // account 1: 200,000 notional on ~10,000
        let events = harness.ok(.setMarkPrice(market: EngineTests.market, mark: Price("47700")!, index: nil))
        #expect(Self.changes(events).contains { $0.pool.account == AccountID(1) && $0.to == .liquidating })
        harness.ok(EngineTests.fill(2, 1, "4", "47700"))  // closes both positions
        // The pool has nothing left to call or liquidate: the flag goes with its last position,
        // and no later mark update reports it.
        #expect(harness.engine.alerts.allSatisfy { $0.pool.account != AccountID(1) })
        let after = harness.ok(.setMarkPrice(market: EngineTests.market, mark: Price("47710")!, index: nil))
        #expect(!Self.changes(after).contains { $0.pool.account == AccountID(1) })
    }
}
