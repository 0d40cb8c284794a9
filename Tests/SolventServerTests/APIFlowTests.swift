import Foundation
import HummingbirdTesting
import SolventCore
import SolventProofs
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
            #expect(
                try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#).status
                    == 200)
            let step = try await client.call(
                .post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            #expect(step.status == 200, "\(step.body)")
            #expect(
                (step.object["events"] as? [[String: Any]])?.contains { $0["type"] as? String == "positionLiquidated" }
                    == true)
            // A second step on an account that is fine is refused (422, named).
            let refused = try await client.call(
                .post, "/v1/liquidations", key: h.liquidator, #"{"account": 3, "market": 1}"#)
            #expect(refused.status == 422 && refused.object["code"] as? String == "notLiquidatable", "\(refused.body)")
            // History, the trader's own view, the fund, ADL ranks, markets, metrics, health.
            let history =
                try await client.call(.get, "/v1/liquidations?limit=10", key: h.readonly).json as? [[String: Any]]
            #expect(history?.first?["account"] as? Int == 1)
            let stranger = try await h.trader(4)
            #expect((try await client.call(.get, "/v1/liquidations", key: stranger).json as? [Any])?.isEmpty == true)
            let funds = try await client.call(.get, "/v1/insurance-fund", key: h.readonly).json as? [[String: Any]]
            let fund = await h.service.engine.read { $0.asset(AssetID(1))!.insuranceFund }
            #expect(funds?.first?["insuranceFund"] as? String == DecimalText.format(fund, scale: 6))
            let ranks = try await client.call(.get, "/v1/adl-ranks?market=1&side=short", key: h.readonly).object
            #expect(await Self.isTheEnginesShortQueue(ranks, h), "\(ranks)")
            let markets = try await client.call(.get, "/v1/markets", key: h.readonly).json as? [[String: Any]]
            #expect(markets?.first?["mark"] as? String == "58200")
            // Parameters: a maintenance rate raised through the API is the engine's.
            let risk = try await client.call(
                .put, "/v1/markets/1/risk", key: h.admin,
                #"{"tiers": [{"initial": "0.02", "maintenance": "0.01"}], "feeTakerRate": "0.0005"}"#)
            #expect(risk.status == 200, "\(risk.body)")
            let parameters = await h.service.engine.read { $0.market(MarketID(1))!.parameters }
            #expect(parameters.feeTakerRate == Rate("0.0005")! && parameters.margin.maximumLeverage == 50)
            // Verifiable margin: the latest root, and a trader's own proof, which verifies against it.
            let root = try await client.call(.get, "/v1/commitments/latest", key: h.readonly).object
            let alice = try await h.trader(3)
            let proofReply = try await client.call(.get, "/v1/proofs/me", key: alice)
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
            let proof = try decoder.decode(MarginProof.self, from: Data(proofReply.body.utf8))
            #expect(proof.account.id == AccountID(3) && proof.verify(rootHash: root["root"] as! String).holds)
            #expect(try await client.call(.get, "/v1/proofs/me", key: h.readonly).status == 403)
            // The root is journaled: the engine's latest root is the one served.
            #expect(await h.service.engine.read { $0.latestCommitment?.hash } == root["root"] as? String)
            // On demand (admin only): a new root at the current state, served from then on.
            #expect(try await client.call(.post, "/v1/commitments", key: h.readonly).status == 403)
            _ = try await client.call(
                .post, "/v1/deposits", key: h.admin, #"{"account": 3, "asset": 1, "amount": "1"}"#)
            let published = try await client.call(.post, "/v1/commitments", key: h.admin)
            #expect(published.status == 200, "\(published.body)")
            let newer = try await client.call(.get, "/v1/commitments/latest", key: h.readonly).object
            #expect(
                newer["root"] as? String == published.object["root"] as? String
                    && newer["root"] as? String != root["root"] as? String)
            #expect((newer["sequence"] as? Int ?? 0) > (root["sequence"] as? Int ?? 0))
            let metrics = try await client.call(.get, "/metrics", key: nil).body
            #expect(
                metrics.contains("solvent_liquidation_steps_total 1")
                    && metrics.contains("solvent_commands_total{result=\"rejected\"} 1"), "\(metrics)")
            let health = try await client.call(.get, "/health", key: nil).object
            #expect(health["digest"] as? String == (await h.service.engine.read { $0.digestHex() }))
        }
    }

    /// The Dutch auction mechanism configured through the API: a liquidation opens an auction, a
    /// bidder takes the lot at the curve's price, and bad curve parameters are named.
    /// A reply of `GET /v1/adl-ranks?market=1&side=short` is the engine's queue, first
    /// deleveraged first, by the ranking it names.
    static func isTheEnginesShortQueue(_ ranks: [String: Any], _ h: ServerHarness) async -> Bool {
        let queue = await h.service.engine.read {
            $0.rankedDeleveraging(market: MarketID(1), long: false, ranking: .profitTimesLeverage).map(\.rawValue)
        }
        return ranks["ranking"] as? String == "profitTimesLeverage" && !queue.isEmpty
            && (ranks["accounts"] as? [Int])?.map(UInt64.init) == Array(queue.prefix(100))
    }

    @Test func auctionThroughTheAPI() async throws {
        let h = try await ServerHarness.make("auction")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let bad = try await client.call(
                .put, "/v1/markets/1/liquidation", key: h.admin, #"{"mechanism": "auction", "auctionCurve": "cubic"}"#)
            #expect(bad.status == 400 && bad.object["field"] as? String == "auctionCurve", "\(bad.body)")
            let badCut = try await client.call(
                .put, "/v1/markets/1/liquidation", key: h.admin, #"{"mechanism": "auction", "auctionCut": "1.5"}"#)
            #expect(badCut.status == 422, "\(badCut.body)")
            let configured = try await client.call(
                .put, "/v1/markets/1/liquidation", key: h.admin,
                #"{"mechanism": "auction", "auctionBuffer": "1.02", "auctionCurve": "linear", "auctionDurationSeconds": 300, "auctionTailSeconds": 600, "auctionCusp": "0.5", "auctionTipFlat": "1", "auctionChip": "0.001"}"#
            )
            #expect(configured.status == 200, "\(configured.body)")
            let rules = await h.service.engine.read { engine -> DutchAuctionRules? in
                if case .auction(let rules)? = engine.market(MarketID(1))?.liquidation?.mechanism { return rules }
                return nil
            }
            #expect(
                rules?.curve == .linear(duration: 300_000_000_000) && rules?.buffer == Rate("1.02")!
                    && rules?.tipFlat == 1_000_000)
            #expect(
                try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#).status
                    == 200)
            let started = try await client.call(
                .post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            #expect(started.status == 200, "\(started.body)")
            let auction = try #require(
                (started.object["events"] as? [[String: Any]])?.first { $0["type"] as? String == "auctionStarted" },
                "\(started.body)")
            let id = try #require(auction["auction"] as? Int)
            let lot = try #require(auction["lot"] as? String)
            _ = try await client.call(
                .post, "/v1/deposits", key: h.admin, #"{"account": 900, "asset": 1, "amount": "50000"}"#)
            let bid = try await client.call(
                .post, "/v1/auctions/\(id)/bids", key: h.liquidator,
                #"{"bidder": 900, "quantity": "\#(lot)", "limitPrice": "70000"}"#)
            #expect(bid.status == 200, "\(bid.body)")
            #expect(
                (bid.object["events"] as? [[String: Any]])?.contains { $0["type"] as? String == "positionLiquidated" }
                    == true, "\(bid.body)")
        }
    }

    /// A batch of fills: each its own journaled input with its own outcome, in one commit; a
    /// malformed item refuses the whole batch before anything is applied.
    @Test func fillBatches() async throws {
        let h = try await ServerHarness.make("batch")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let before = await h.service.engine.read { $0.lastSequence }
            let reply = try await client.call(
                .post, "/v1/fills/batch", key: h.admin,
                #"{"fills": [{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.01", "price": "60000"}, {"market": 1, "buyer": 3, "seller": 3, "quantity": "0.01", "price": "60000"}, {"market": 1, "buyer": 4, "seller": 3, "quantity": "0.002", "price": "60000", "taker": "seller"}]}"#
            )
            #expect(reply.status == 200, "\(reply.body)")
            let results = try #require(reply.object["results"] as? [[String: Any]])
            #expect(results.map { $0["sequence"] as? Int } == [Int(before) + 1, Int(before) + 2, Int(before) + 3])
            #expect(results[0]["events"] != nil && results[2]["events"] != nil)
            #expect(results[1]["code"] as? String == "selfTrade", "\(results[1])")
            let size = await h.service.engine.read { $0.account(AccountID(3))!.positions.first!.size }
            #expect(size == Quantity("0.108")!.atoms)
            let digest = await h.businessDigest()
            let bad = try await client.call(
                .post, "/v1/fills/batch", key: h.admin,
                #"{"fills": [{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.01", "price": "60000"}, {"market": 1, "buyer": 3, "seller": 4, "quantity": "0.01", "price": "abc"}]}"#
            )
            #expect(bad.status == 400 && bad.object["field"] as? String == "fills[1].price", "\(bad.body)")
            let after = await h.service.engine.read { $0.lastSequence }
            #expect(await h.businessDigest() == digest && after == before + 3)
            #expect(try await client.call(.post, "/v1/fills/batch", key: h.readonly, #"{"fills": []}"#).status == 403)
        }
    }

    /// A tick is an oracle's (or admin's) journaled input; the contract itself is public.
    @Test func ticksAndTheContract() async throws {
        let h = try await ServerHarness.make("ticks")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let before = await h.service.engine.read { $0.lastSequence }
            let tick = try await client.call(.post, "/v1/ticks", key: h.oracle)
            #expect(tick.status == 200 && tick.object["sequence"] as? Int == Int(before) + 1, "\(tick.body)")
            #expect(try await client.call(.post, "/v1/ticks", key: h.readonly).status == 403)
            #expect(try await client.call(.post, "/v1/ticks", key: nil).status == 401)
            let contract = try await client.call(.get, "/openapi.json", key: nil)
            #expect(contract.status == 200 && (contract.object["openapi"] as? String)?.hasPrefix("3.1") == true)
        }
    }

    /// A collateral asset priced by its sources: a wild source is left out, a direct price is
    /// refused, a rise is paced, a fall flags the holder's pool at once.
    @Test func collateralOracleThroughTheAPI() async throws {
        let h = try await ServerHarness.make("collateral")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            #expect(
                try await client.call(
                    .post, "/v1/assets", key: h.admin,
                    #"{"id": 2, "symbol": "ETH", "scale": 8, "priceMaxAgeSeconds": 3600}"#
                ).status == 200)
            let config = try await client.call(
                .put, "/v1/assets/2/oracle", key: h.admin,
                #"{"sources": [{"id": 1}, {"id": 2}, {"id": 3}], "minimumSources": 2, "maxRisePerHour": "0.05"}"#)
            #expect(config.status == 200, "\(config.body)")
            let first = try await client.call(
                .post, "/v1/collateral-samples", key: h.oracle,
                #"{"asset": 2, "samples": [{"source": 1, "price": "3000"}, {"source": 2, "price": "3001"}, {"source": 3, "price": "12000"}]}"#
            )
            #expect(first.status == 200, "\(first.body)")
            let view = try await client.call(.get, "/v1/assets/2", key: h.readonly).object
            #expect(
                view["price"] as? String == "3000" && (view["oracle"] as? [String: Any])?["frozen"] as? Bool == false,
                "\(view)")
            let direct = try await client.call(
                .post, "/v1/index-prices", key: h.oracle, #"{"asset": 2, "price": "9000"}"#)
            #expect(direct.status == 422 && direct.object["code"] as? String == "pricedByOracle", "\(direct.body)")
            // Every source at 9,000: the sources' index moves, the credit does not (a second later).
            try await client.call(
                .post, "/v1/collateral-samples", key: h.oracle,
                #"{"asset": 2, "samples": [{"source": 1, "price": "9000"}, {"source": 2, "price": "9000"}, {"source": 3, "price": "9000"}]}"#
            )
            let pushed = try await client.call(.get, "/v1/assets/2", key: h.trader(1)).object
            #expect((pushed["oracle"] as? [String: Any])?["index"] as? String == "9000", "\(pushed)")
            #expect((pushed["price"] as? String).flatMap(Double.init).map { $0 < 3_001 } == true, "\(pushed)")
            // Account 3 (0.1 BTC long at 60,000: maintenance 30) swaps 990 of its 1,000 USDT for 1 ETH.
            #expect(
                try await client.call(
                    .post, "/v1/deposits", key: h.admin, #"{"account": 3, "asset": 2, "amount": "1"}"#
                ).status == 200)
            #expect(
                try await client.call(
                    .post, "/v1/withdrawals", key: h.admin, #"{"account": 3, "asset": 1, "amount": "990"}"#
                ).status == 200)
            // ETH at 1: equity 11 against 30 of maintenance, flagged by this update (BTC's mark never moved).
            let fall = try await client.call(
                .post, "/v1/collateral-samples", key: h.oracle,
                #"{"asset": 2, "samples": [{"source": 1, "price": "1"}, {"source": 2, "price": "1"}, {"source": 3, "price": "1"}]}"#
            )
            let events = fall.object["events"] as? [[String: Any]] ?? []
            #expect(
                events.contains { $0["type"] as? String == "marginStateChanged" && $0["account"] as? Int == 3 },
                "\(fall.body)")
            let numeric = try await client.call(
                .post, "/v1/collateral-samples", key: h.oracle,
                #"{"asset": 2, "samples": [{"source": 1, "price": 100}]}"#)
            #expect(
                numeric.status == 400 && numeric.object["field"] as? String == "samples[0].price", "\(numeric.body)")
            #expect(try await client.call(.get, "/v1/assets/9", key: h.readonly).status == 404)
            #expect(
                try await client.call(.put, "/v1/assets/2/oracle", key: h.oracle, #"{"sources": [{"id": 1}]}"#).status
                    == 403)
        }
    }

    /// Several sources through the oracle endpoints: the engine's median ignores one wild source.
    @Test func oracleSamples() async throws {
        let h = try await ServerHarness.make("oracle")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let config = try await client.call(
                .put, "/v1/markets/1/oracle", key: h.admin,
                #"{"sources": [{"id": 1}, {"id": 2}, {"id": 3}], "minimumSources": 2, "sampleMaxAgeSeconds": 3600}"#)
            #expect(config.status == 200, "\(config.body)")
            let update = try await client.call(
                .post, "/v1/oracle-samples", key: h.oracle,
                #"{"market": 1, "samples": [{"source": 1, "price": "60010"}, {"source": 2, "price": "59990"}, {"source": 3, "price": "90000"}]}"#
            )
            #expect(update.status == 200, "\(update.body)")
            let mark =
                ((try await client.call(.get, "/v1/markets", key: h.readonly).json as? [[String: Any]])?.first?["mark"]
                    as? String)
            #expect(mark.flatMap(Double.init).map { abs($0 - 60_000) <= 10 } == true, "mark \(mark ?? "none")")
            let bad = try await client.call(
                .post, "/v1/oracle-samples", key: h.oracle, #"{"market": 1, "samples": [{"source": 1, "price": "-1"}]}"#
            )
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
