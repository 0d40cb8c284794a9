import Foundation
import HummingbirdTesting
import SolventCore
import SolventRisk
import SolventServer
import SolventStore
import Synchronization
import Testing

/// Goal: `solvent serve` liquidates by itself. The built-in keeper submits the step of a pool a
/// price update put in liquidation, worst first, as journaled inputs (a replay reproduces them),
/// ticks on its interval, and counts what it did in the metrics. Method: the API flow's venue
/// (account 1 long 0.5 BTC at 60,000 on 1,000 USDT), a keeper every 50 ms, a fall to 58,200.
struct KeeperTests {
    @Test func keeperLiquidatesTicksAndIsReplayed() async throws {
        let h = try await ServerHarness.make("keeper")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let keeper = Keeper(
                service: h.service, configuration: .init(tickInterval: .milliseconds(50), account: AccountID(900)))
            let task = Task { await keeper.run() }
            defer { task.cancel() }
            #expect(
                try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#).status
                    == 200)
            // No outside keeper: the step arrives by itself.
            var liquidated = false
            for _ in 0..<200 where !liquidated {
                try await Task.sleep(for: .milliseconds(25))
                liquidated = await h.service.engine.read { engine in
                    engine.account(AccountID(1))?.positions.first.map { $0.size < Quantity("0.5")!.atoms } ?? true
                }
            }
            #expect(liquidated, "the keeper did not liquidate account 1")
            // Ticks follow on the interval.
            try await Task.sleep(for: .milliseconds(200))
            let metrics = try await client.call(.get, "/metrics", key: h.readonly).body
            #expect(metrics.contains(#"solvent_keeper_inputs_total{input="liquidate"}"#), "\(metrics.prefix(2000))")
            #expect(metrics.contains(#"solvent_keeper_inputs_total{input="tick"}"#))
            // The journal holds the keeper's inputs: a fresh replay reaches the same digest.
            try await expectReplayReachesTheLiveState(h, stopping: task)
        }
    }

    /// Goal: margin in a running service moves with the market by itself. Method: the same venue
    /// on an engine clock the test drives an hour at a time, a keeper with dynamic margin over a
    /// window of four hourly returns, marks swinging ±4 % an hour: the market's schedule rises
    /// (each step at most +50 %), the inputs are journaled and replayed, and a second keeper over
    /// the same store continues the saved schedule.
    @Test func dynamicMarginFollowsTheMarketAndIsReplayed() async throws {
        let now = Mutex<Int64>(1_800_000_000_000_000_000)
        let h = try await ServerHarness.make("dynamic-margin", clock: { now.withLock { $0 } })
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let rule = DynamicMarginSchedule.Configuration(periodSeconds: 3_600, window: 4)
            let task = try await startKeeper(h, dynamicMargin: rule)
            defer { task.cancel() }
            func firstInitial() async -> Int64 {
                await h.service.engine.read { $0.market(MarketID(1))!.parameters.margin.referenceInitialRate.atoms }
            }
            var rates: [Int64] = [await firstInitial()]
            for hour in 0..<12 {
                now.withLock { $0 += 3_600_000_000_000 }
                let mark = hour % 2 == 0 ? "62400" : "60000"
                #expect(
                    try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "\#(mark)"}"#)
                        .status == 200)
                var rate = rates.last!
                for _ in 0..<40 {
                    try await Task.sleep(for: .milliseconds(10))
                    rate = await firstInitial()
                    if rate != rates.last! { break }
                }
                if rate != rates.last! { rates.append(rate) }
            }
            #expect(rates.count >= 3, "the schedule did not move: \(rates)")
            for (before, after) in zip(rates, rates.dropFirst()) {
                #expect(after > before && after <= before * 3 / 2 + 1, "\(rates)")
            }
            let metrics = try await client.call(.get, "/metrics", key: h.readonly).body
            #expect(metrics.contains(#"solvent_keeper_inputs_total{input="setRiskParameters"}"#))
            // Journaled: a fresh replay reaches the same digest; the saved schedule continues.
            try await expectReplayReachesTheLiveState(h, stopping: task)
            let saved = try await h.service.store.setting(Keeper.dynamicMarginSetting)
            let restored = DynamicMarginSchedule(configuration: rule, restoring: saved.map { Data($0.utf8) })
            #expect(restored.rate(of: MarketID(1)).map { Int64(($0 * 1e9).rounded(.up)) } == rates.last)
            #expect(restored.published(of: MarketID(1))?.margin.referenceInitialRate == Rate("0.01")!)
        }
    }

    /// Goal: a VaR-margined account's margin moves with the market by itself. Method: the venue
    /// publishes ten ±1 % scenarios for BTCUSDT, account 3 takes historical VaR, a keeper with a
    /// window of ten hourly returns sees marks swing ±4 % an hour: the scenario set's volatility
    /// rises by at most half a period (1.5 × 1 % first), account 3's initial margin with it, and
    /// the keeper's inputs are journaled and replayed.
    @Test func dynamicMarginRefreshesThePublishedScenarioSet() async throws {
        let now = Mutex<Int64>(1_800_000_000_000_000_000)
        let h = try await ServerHarness.make("dynamic-scenarios", clock: { now.withLock { $0 } })
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let moves = (0..<10).map { String(format: "%.9f", Foundation.expm1($0 % 2 == 0 ? 0.01 : -0.01)) }
            let quoted = moves.map { "\"\($0)\"" }.joined(separator: ", ")
            let set = #"{"series": [{"market": 1, "moves": [\#(quoted)]}]}"#
            #expect(try await client.call(.post, "/v1/var-margin", key: h.admin, set).status == 200)
            #expect(
                try await client.call(
                    .post, "/v1/margin-models", key: h.admin, #"{"account": 3, "model": "historical-var"}"#
                )
                .status == 200)
            func initial() async -> Int64 {
                await h.service.engine.read { engine in
                    guard case .success(let report)? = engine.marginReport(of: AccountID(3)) else { return 0 }
                    return report.initialMargin.atoms
                }
            }
            let before = await initial()
            let rule = DynamicMarginSchedule.Configuration(periodSeconds: 3_600, window: 10)
            let task = try await startKeeper(h, dynamicMargin: rule)
            defer { task.cancel() }
            let published = await h.service.engine.read { $0.varMargin }
            var changed = published
            for hour in 0..<12 where changed == published {
                now.withLock { $0 += 3_600_000_000_000 }
                let mark = hour % 2 == 0 ? "62448.65" : "60000"
                #expect(
                    try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "\#(mark)"}"#)
                        .status == 200)
                for _ in 0..<(hour >= 10 ? 50 : 2) where changed == published {
                    try await Task.sleep(for: .milliseconds(10))
                    changed = await h.service.engine.read { $0.varMargin }
                }
            }
            #expect(changed != published, "the scenario set did not move")
            let volatility = DynamicScenarioSet.volatility(
                ofMoves: changed.series[0].moves.map { Double($0.atoms) / 1e9 })
            #expect(abs((volatility ?? 0) - 0.015) < 1e-6, "\(String(describing: volatility))")
            // A 1 % loss on 0.1 BTC became a 1.5 % one (the historical VaR is the worst of ten).
            let after = await initial()
            #expect(after > before && abs(Double(after) / Double(before) - 1.5) < 0.05, "\(before) → \(after)")
            let metrics = try await client.call(.get, "/metrics", key: h.readonly).body
            #expect(metrics.contains(#"solvent_keeper_inputs_total{input="configureVaRMargin"}"#))
            try await expectReplayReachesTheLiveState(h, stopping: task)
        }
    }

    /// A keeper ticking every 20 ms with `dynamicMargin`, running, given 50 ms to take its first tick.
    func startKeeper(
        _ h: ServerHarness, dynamicMargin rule: DynamicMarginSchedule.Configuration
    ) async throws -> Task<Void, Never> {
        let keeper = Keeper(
            service: h.service, configuration: .init(tickInterval: .milliseconds(20), dynamicMargin: rule))
        let task = Task { await keeper.run() }
        try await Task.sleep(for: .milliseconds(50))
        return task
    }

    /// Stops the keeper, then replays the journal afresh: the same digest as the live engine and
    /// no checkpoint mismatch. Stopped first, so that no input of the keeper's lands after the
    /// digest is read.
    func expectReplayReachesTheLiveState(_ h: ServerHarness, stopping keeper: Task<Void, Never>) async throws {
        keeper.cancel()
        await keeper.value
        let digest = await h.service.engine.read { $0.digestHex() }
        let replayed = try await JournaledEngine(store: h.service.store)
        #expect(replayed.recovery.mismatches.isEmpty)
        #expect(await replayed.read { $0.digestHex() } == digest)
    }
}
