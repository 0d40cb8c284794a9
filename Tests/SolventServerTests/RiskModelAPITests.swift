import Foundation
import HummingbirdTesting
import SolventCore
import SolventServer
import Testing

/// Goal: the margin models are configured and chosen through the API, as the engine's own
/// commands, with every bad field named.
struct RiskModelAPITests {
    @Test func varModelsAndSpreadCreditsThroughTheAPI() async throws {
        let h = try await ServerHarness.make("risk-models")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let trader = try await h.trader(3)
            // Before the venue publishes scenarios the engine refuses the VaR models.
            let early = try await client.call(
                .post, "/v1/margin-models", key: trader, #"{"account": 3, "model": "normal-var"}"#)
            #expect(early.status == 422 && early.object["code"] as? String == "priceMissing", "\(early.body)")
            // ±2 % moves: account 3's 0.1 BTC at 60,000 has P&L ±120 in every scenario, σ = 120.
            let moves = (0..<40).map { $0 % 2 == 0 ? "\"0.02\"" : "\"-0.02\"" }.joined(separator: ", ")
            let published = try await client.call(
                .post, "/v1/var-margin", key: h.admin,
                #"{"series": [{"market": 1, "moves": [\#(moves)]}], "confidence": "0.99", "lambda": "0.97"}"#)
            #expect(published.status == 200, "\(published.body)")
            let rules = await h.service.engine.read { $0.varMargin }
            #expect(rules.lambda == Rate("0.97")! && rules.draws == 2_000 && rules.series[0].moves.count == 40)
            let chosen = try await client.call(
                .post, "/v1/margin-models", key: trader, #"{"account": 3, "model": "normal-var"}"#)
            #expect(chosen.status == 200, "\(chosen.body)")
            let initial = try #require(
                await h.service.engine.read { engine in
                    try? engine.crossPool(of: engine.account(AccountID(3))!).get().initial
                })
            #expect(abs(Double(initial) - 2.326_347_874_04 * 120e6) <= 2, "initial \(initial)")
            // A trader chooses only its own account's model; unknown models and bad moves are named.
            #expect(
                try await client.call(.post, "/v1/margin-models", key: trader, #"{"account": 4, "model": "portfolio"}"#)
                    .status == 403)
            let unknown = try await client.call(
                .post, "/v1/margin-models", key: h.admin, #"{"account": 4, "model": "magic"}"#)
            #expect(unknown.status == 400 && unknown.object["field"] as? String == "model", "\(unknown.body)")
            let badMove = try await client.call(
                .post, "/v1/var-margin", key: h.admin, #"{"series": [{"market": 1, "moves": ["0.01", "x"]}]}"#)
            #expect(
                badMove.status == 400 && badMove.object["field"] as? String == "series[0].moves[1]", "\(badMove.body)")
            let extra = try await client.call(
                .post, "/v1/var-margin", key: h.admin, #"{"series": [{"market": 1, "move": ["0.01"]}]}"#)
            #expect(extra.status == 400 && extra.object["field"] as? String == "series[0].move", "\(extra.body)")
            let short = try await client.call(
                .post, "/v1/var-margin", key: h.admin, #"{"series": [{"market": 1, "moves": ["0.01"]}]}"#)
            #expect(short.status == 422 && short.object["field"] as? String == "rules.series[0].moves", "\(short.body)")
            // Spread credits: validated by the engine; an empty list clears them.
            let same = try await client.call(
                .post, "/v1/spread-credits", key: h.admin,
                #"{"spreads": [{"first": 1, "second": 1, "creditRate": "0.5"}]}"#)
            #expect(same.status == 422 && same.object["field"] as? String == "rules.spreads[0].second", "\(same.body)")
            let missing = try await client.call(
                .post, "/v1/spread-credits", key: h.admin, #"{"spreads": [{"first": 1, "second": 7}]}"#)
            #expect(
                missing.status == 400 && missing.object["field"] as? String == "spreads[0].creditRate",
                "\(missing.body)")
            #expect(try await client.call(.post, "/v1/spread-credits", key: trader, #"{"spreads": []}"#).status == 403)
            #expect(try await client.call(.post, "/v1/spread-credits", key: h.admin, #"{"spreads": []}"#).status == 200)
        }
    }
}
