import Foundation
import HummingbirdTesting
import SolventCore
import SolventServer
import SolventStore
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
            task.cancel()
            // The journal holds the keeper's inputs: a fresh replay reaches the same digest.
            let digest = await h.service.engine.read { $0.digestHex() }
            let replayed = try await JournaledEngine(store: h.service.store)
            #expect(replayed.recovery.mismatches.isEmpty)
            #expect(await replayed.read { $0.digestHex() } == digest)
        }
    }
}
