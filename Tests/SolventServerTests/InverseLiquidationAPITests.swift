import Foundation
import HummingbirdTesting
import SolventCore
import SolventServer
import Testing

/// Goal: through the service, a coin-margined short beyond its bankruptcy price is liquidated
/// with the loss booked (the fund pays the book's gap), never left on the account as a debt; the
/// account's report shows the closed-form prices. Method: the COIN-M short of the reference —
/// BTCUSD_PERP, 100-USD contracts, short 2,000 at 50,000 on 1 BTC, tier 0.4 % — marked to 70,000.
struct InverseLiquidationAPITests {
    @Test func coinMarginedShortBeyondBankruptcyDrawsTheFund() async throws {
        let h = try await ServerHarness.make("inverse")
        try await h.app().test(.router) { client in
            let calls: [(String, String, String)] = [
                ("/v1/assets", h.admin, #"{"id": 2, "symbol": "BTC", "scale": 8, "priceMaxAgeSeconds": 86400}"#),
                ("/v1/index-prices", h.oracle, #"{"asset": 2, "price": "50000"}"#),
                (
                    "/v1/markets", h.admin,
                    #"{"id": 3, "symbol": "BTCUSD_PERP", "kind": "inverse", "settleAsset": 2, "contractSize": "100", "tickSize": "0.1", "lotSize": "1", "tiers": [{"cap": "5", "initial": "0.008", "maintenance": "0.004"}, {"initial": "0.01", "maintenance": "0.005"}], "priceMaxAgeSeconds": 86400}"#
                ),
                ("/v1/prices", h.oracle, #"{"market": 3, "mark": "50000"}"#),
                ("/v1/insurance-fund", h.admin, #"{"asset": 2, "amount": "10"}"#),
                ("/v1/accounts", h.admin, #"{"account": 900}"#),  // the liquidator key's keeper account
                ("/v1/accounts", h.admin, #"{"account": 10}"#),
                ("/v1/accounts", h.admin, #"{"account": 11}"#),
                ("/v1/deposits", h.admin, #"{"account": 10, "asset": 2, "amount": "1"}"#),
                ("/v1/deposits", h.admin, #"{"account": 11, "asset": 2, "amount": "5"}"#),
                (
                    "/v1/fills", h.admin,
                    #"{"market": 3, "buyer": 11, "seller": 10, "quantity": "2000", "price": "50000", "taker": "buyer"}"#
                ),
            ]
            for (uri, key, body) in calls {
                let reply = try await client.call(.post, uri, key: key, body)
                #expect(reply.status == 200, "\(uri): \(reply.status) \(reply.body)")
            }
            _ = try await client.call(.put, "/v1/markets/3/liquidation", key: h.admin, #"{"lossAllocation": "venue"}"#)
            let before = try await client.call(.get, "/v1/accounts/10", key: h.readonly).object
            let position = ((before["margin"] as? [String: Any])?["positions"] as? [[String: Any]])?.first
            let liquidation = Double(position?["liquidationPrice"] as? String ?? "") ?? 0
            let bankruptcy = Double(position?["bankruptcyPrice"] as? String ?? "") ?? 0
            // The taker fee of the fill came out of the wallet, so the prices sit just below the
            // closed forms on 1 BTC (66,400 and 66,666.67).
            #expect(liquidation > 66_300 && liquidation <= 66_400, "\(position ?? [:])")
            #expect(bankruptcy > 66_500 && bankruptcy <= 66_666.67, "\(position ?? [:])")
            #expect(
                try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 3, "mark": "70000"}"#).status
                    == 200)
            let step = try await client.call(
                .post, "/v1/liquidations", key: h.liquidator, #"{"account": 10, "market": 3}"#)
            #expect(step.status == 200, "\(step.body)")
            let event = (step.object["events"] as? [[String: Any]])?.first {
                $0["type"] as? String == "positionLiquidated"
            }
            let fields = event?["data"] as? [String: Any] ?? event ?? [:]
            #expect(String(describing: fields).contains("fundDraw"), "\(step.body)")
            let engine = await h.service.engine.read { $0 }
            let account = engine.account(AccountID(10))!
            #expect(account.positions.isEmpty)
            #expect(account.balance(assetIndex: engine.assetIndex(of: AssetID(2))!) >= 0)
            #expect(engine.asset(AssetID(2))!.insuranceFund < 1_000_000_000, "the fund paid the gap")
            #expect(engine.solvencyCheck().holds)
        }
    }
}
