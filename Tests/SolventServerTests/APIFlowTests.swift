import Foundation
import HummingbirdTesting
import SolventCore
import SolventServer
import Testing

/// Goal: the API serves the engine's own numbers and its writes are the engine's commands.
struct APIFlowTests {
    @Test func marginLiquidationHistoryAndMetrics() async throws {
        let h = try await ServerHarness.make("flow")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            // The margin report is the engine's.
            let account = try await client.call(.get, "/v1/accounts/1", key: h.readonly).object
            let margin = account["margin"] as! [String: Any]
            let report = try #require(await h.service.engine.read { try? $0.marginReport(of: AccountID(1))?.get() })
            #expect(margin["equity"] as? String == report.equity.description)
            #expect(margin["maintenanceMargin"] as? String == report.maintenanceMargin.description)
            let position = (margin["positions"] as! [[String: Any]])[0]
            #expect(position["liquidationPrice"] as? String == report.positions[0].liquidationPrice?.description)
            #expect(position["size"] as? String == "0.5")
            // A fall below account 1's liquidation price; a keeper liquidates it through the API.
            #expect(try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#).status == 200)
            let step = try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            #expect(step.status == 200, "\(step.body)")
            #expect((step.object["events"] as? [[String: Any]])?.contains { $0["type"] as? String == "positionLiquidated" } == true)
            // A second step on an account that is fine is refused (422, named).
            let refused = try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 3, "market": 1}"#)
            #expect(refused.status == 422 && refused.object["code"] as? String == "notLiquidatable", "\(refused.body)")
            // History, the trader's own view, the fund, ADL ranks, markets, metrics, health.
            let history = try await client.call(.get, "/v1/liquidations?limit=10", key: h.readonly).json as? [[String: Any]]
            #expect(history?.first?["account"] as? Int == 1)
            let stranger = try await h.trader(4)
            #expect((try await client.call(.get, "/v1/liquidations", key: stranger).json as? [Any])?.isEmpty == true)
            let funds = try await client.call(.get, "/v1/insurance-fund", key: h.readonly).json as? [[String: Any]]
            let fund = await h.service.engine.read { $0.asset(AssetID(1))!.insuranceFund }
            #expect(funds?.first?["insuranceFund"] as? String == DecimalText.format(fund, scale: 6))
            let ranks = try await client.call(.get, "/v1/adl-ranks?market=1&side=short", key: h.readonly).object
            #expect((ranks["accounts"] as? [Any])?.isEmpty == false)
            let markets = try await client.call(.get, "/v1/markets", key: h.readonly).json as? [[String: Any]]
            #expect(markets?.first?["mark"] as? String == "58200")
            // Parameters: a maintenance rate raised through the API is the engine's.
            let risk = try await client.call(.put, "/v1/markets/1/risk", key: h.admin, #"{"tiers": [{"initial": "0.02", "maintenance": "0.01"}], "feeTakerRate": "0.0005"}"#)
            #expect(risk.status == 200, "\(risk.body)")
            let parameters = await h.service.engine.read { $0.market(MarketID(1))!.parameters }
            #expect(parameters.feeTakerRate == Rate("0.0005")! && parameters.margin.maximumLeverage == 50)
            // Verifiable margin: the latest root, and a trader's own proof, which verifies against it.
            let root = try await client.call(.get, "/v1/commitments/latest", key: h.readonly).object
            let alice = try await h.trader(3)
            let proofReply = try await client.call(.get, "/v1/proofs/me", key: alice)
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
            let proof = try decoder.decode(MarginProof.self, from: Data(proofReply.body.utf8))
            #expect(proof.account.id == AccountID(3) && proof.verify(rootHash: root["root"] as! String).holds)
            #expect(try await client.call(.get, "/v1/proofs/me", key: h.readonly).status == 403)
            // The root is journaled: the engine's latest root is the one served.
            #expect(await h.service.engine.read { $0.latestCommitment?.hash } == root["root"] as? String)
            // On demand (admin only): a new root at the current state, served from then on.
            #expect(try await client.call(.post, "/v1/commitments", key: h.readonly).status == 403)
            _ = try await client.call(.post, "/v1/deposits", key: h.admin, #"{"account": 3, "asset": 1, "amount": "1"}"#)
            let published = try await client.call(.post, "/v1/commitments", key: h.admin)
            #expect(published.status == 200, "\(published.body)")
            let newer = try await client.call(.get, "/v1/commitments/latest", key: h.readonly).object
            #expect(newer["root"] as? String == published.object["root"] as? String && newer["root"] as? String != root["root"] as? String)
            #expect((newer["sequence"] as? Int ?? 0) > (root["sequence"] as? Int ?? 0))
            let metrics = try await client.call(.get, "/metrics", key: nil).body
            #expect(metrics.contains("solvent_liquidation_steps_total 1") && metrics.contains("solvent_commands_total{result=\"rejected\"} 1"), "\(metrics)")
            let health = try await client.call(.get, "/health", key: nil).object
            #expect(health["digest"] as? String == (await h.service.engine.read { $0.digestHex() }))
        }
    }

    /// Several sources through the oracle endpoints: the engine's median ignores one wild source.
    @Test func oracleSamples() async throws {
        let h = try await ServerHarness.make("oracle")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let config = try await client.call(.put, "/v1/markets/1/oracle", key: h.admin,
                                               #"{"sources": [{"id": 1}, {"id": 2}, {"id": 3}], "minimumSources": 2, "sampleMaxAgeSeconds": 3600}"#)
            #expect(config.status == 200, "\(config.body)")
            let update = try await client.call(.post, "/v1/oracle-samples", key: h.oracle,
                                               #"{"market": 1, "samples": [{"source": 1, "price": "60010"}, {"source": 2, "price": "59990"}, {"source": 3, "price": "90000"}]}"#)
            #expect(update.status == 200, "\(update.body)")
            let mark = ((try await client.call(.get, "/v1/markets", key: h.readonly).json as? [[String: Any]])?.first?["mark"] as? String)
            #expect(mark.flatMap(Double.init).map { abs($0 - 60_000) <= 10 } == true, "mark \(mark ?? "none")")
            let bad = try await client.call(.post, "/v1/oracle-samples", key: h.oracle, #"{"market": 1, "samples": [{"source": 1, "price": "-1"}]}"#)
            #expect(bad.status == 400 || bad.status == 422, "\(bad.body)")
        }
    }

    /// The event stream's filter: a trader's subscription sees only its own account's events.
    @Test func tradersStreamOnlyTheirOwnEvents() async throws {
        let h = try await ServerHarness.make("stream")
        let (mine, stream) = h.service.hub.subscribe(account: 1)
        let (all, everything) = h.service.hub.subscribe(account: nil)
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#)
            try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
        }
        h.service.hub.unsubscribe(mine)
        h.service.hub.unsubscribe(all)
        var own: [StreamEvent] = []
        for await event in stream { own.append(event) }
        #expect(!own.isEmpty && own.allSatisfy { $0.accounts.contains(1) })
        #expect(own.contains { $0.type == "positionLiquidated" })
        var every: [StreamEvent] = []
        for await event in everything { every.append(event) }
        #expect(every.count > own.count && every.contains { !$0.accounts.contains(1) })
        #expect(every.map(\.sequence) == every.map(\.sequence).sorted(), "in sequence order")
    }
}
