import Foundation
import HummingbirdTesting
import SolventCore
import SolventServer
import Testing

/// Goal: every engine command has a route that is only a translation — the engine's state
/// changes as asked, its refusals come back as 422 naming the field (with the sequence as an
/// integer), bad bodies as 400 naming the field, and the wrong key as 403.
struct EngineRoutesTests {
    /// `reply` has `status`, and names `field` (400 and 422) or carries `code` (422).
    func expect(
        _ reply: Reply, _ status: Int, field: String? = nil, code: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(reply.status == status, "\(reply.body)", sourceLocation: sourceLocation)
        if let field {
            #expect(reply.object["field"] as? String == field, "\(reply.body)", sourceLocation: sourceLocation)
        }
        if let code {
            #expect(reply.object["code"] as? String == code, "\(reply.body)", sourceLocation: sourceLocation)
        }
        if status == 422 {
            #expect(
                reply.object["sequence"] as? Int != nil, "sequence is an integer: \(reply.body)",
                sourceLocation: sourceLocation)
        }
    }

    func balance(_ h: ServerHarness, _ account: UInt64) async -> Int64 {
        await h.service.engine.read {
            $0.account(AccountID(account))!.balance(assetIndex: $0.assetIndex(of: AssetID(1))!)
        }
    }

    @Test func leverageAndIsolatedMargin() async throws {
        let h = try await ServerHarness.make("engine-leverage")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let trader3 = try await h.trader(3)
            // Account 3 holds a cross long: a new leverage without a mode keeps it cross.
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: trader3, #"{"account": 3, "market": 1, "leverage": 20}"#), 200)
            let setting = await h.service.engine.read {
                $0.account(AccountID(3))!.setting(marketIndex: $0.marketIndex(of: MarketID(1))!)
            }
            #expect(setting?.leverage == 20 && setting?.isolated == false)
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: trader3, #"{"account": 3, "market": 1, "leverage": 500}"#), 422,
                field: "leverage", code: "leverageOutOfRange")
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: trader3,
                    #"{"account": 3, "market": 1, "leverage": 10, "marginMode": "isolated"}"#),
                422, field: "isolated", code: "marginModeLocked")
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: trader3, #"{"account": 4, "market": 1, "leverage": 10}"#), 403)
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: h.oracle, #"{"account": 3, "market": 1, "leverage": 10}"#), 403)
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: trader3, #"{"account": 3, "market": 1, "leverage": "ten"}"#), 400,
                field: "leverage")
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: trader3,
                    #"{"account": 3, "market": 1, "leverage": 10, "marginMode": "hedge"}"#),
                400, field: "marginMode")

            // Account 5 goes isolated at 10x (admin), buys, then its trader moves margin in and out.
            try await client.call(.post, "/v1/accounts", key: h.admin, #"{"account": 5}"#)
            try await client.call(.post, "/v1/deposits", key: h.admin, #"{"account": 5, "asset": 1, "amount": "1000"}"#)
            expect(
                try await client.call(
                    .post, "/v1/leverage", key: h.admin,
                    #"{"account": 5, "market": 1, "leverage": 10, "marginMode": "isolated"}"#), 200)
            expect(
                try await client.call(
                    .post, "/v1/fills", key: h.admin,
                    #"{"market": 1, "buyer": 5, "seller": 4, "quantity": "0.01", "price": "60000"}"#), 200)
            let trader5 = try await h.trader(5)
            func isolatedMargin() async -> Int64 {
                await h.service.engine.read { $0.account(AccountID(5))!.positions[0].isolatedMargin }
            }
            let before = await isolatedMargin(), walletBefore = await balance(h, 5)
            expect(
                try await client.call(
                    .post, "/v1/isolated-margin", key: trader5, #"{"account": 5, "market": 1, "amount": "50"}"#), 200)
            let (after, walletAfter) = (await isolatedMargin(), await balance(h, 5))
            #expect(after == before + 50_000_000 && walletAfter == walletBefore - 50_000_000)
            expect(
                try await client.call(
                    .post, "/v1/isolated-margin", key: trader5, #"{"account": 5, "market": 1, "amount": "-20"}"#), 200)
            #expect(await isolatedMargin() == before + 30_000_000)
            expect(
                try await client.call(
                    .post, "/v1/isolated-margin", key: trader3, #"{"account": 3, "market": 1, "amount": "10"}"#), 422,
                field: "market", code: "noIsolatedPosition")
            expect(
                try await client.call(
                    .post, "/v1/isolated-margin", key: trader3, #"{"account": 5, "market": 1, "amount": "10"}"#), 403)
            expect(
                try await client.call(
                    .post, "/v1/isolated-margin", key: trader5, #"{"account": 5, "market": 1, "amount": "1.0000001"}"#),
                400, field: "amount")
            expect(
                try await client.call(
                    .post, "/v1/isolated-margin", key: trader5, #"{"account": 5, "market": 9, "amount": "1"}"#), 400,
                field: "market")
        }
    }

    @Test func optionMarketsAndSmiles() async throws {
        let h = try await ServerHarness.make("engine-options")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let expiry = await h.service.engine.read { $0.now.nanoseconds } / 1_000_000_000 + 30 * 86_400
            let option =
                #""id": 20, "symbol": "BTC-65000-C", "settleAsset": 1, "right": "call", "strike": "65000", "expirySeconds": \#(expiry), "contractSize": "1", "tickSize": "0.1", "lotSize": "0.001", "tiers": [{"initial": "0.1", "maintenance": "0.05"}]"#
            expect(
                try await client.call(.post, "/v1/option-markets", key: h.admin, #"{\#(option), "underlying": 1}"#), 200
            )
            let terms = await h.service.engine.read { $0.market(MarketID(20))?.spec.option }
            #expect(
                terms == OptionTerms(right: .call, strike: Price("65000")!, underlying: MarketID(1), premium: .quote))
            #expect(await h.service.engine.read { $0.market(MarketID(20))!.isOption })
            expect(
                try await client.call(
                    .post, "/v1/option-markets", key: h.admin,
                    #"{\#(option.replacingOccurrences(of: "\"id\": 20", with: "\"id\": 21")), "underlying": 99}"#),
                422, field: "market.option.underlying", code: "unknownMarket")
            expect(
                try await client.call(.post, "/v1/option-markets", key: h.oracle, #"{\#(option), "underlying": 1}"#),
                403)
            expect(
                try await client.call(
                    .post, "/v1/option-markets", key: h.admin,
                    #"{\#(option.replacingOccurrences(of: "\"call\"", with: "\"straddle\"")), "underlying": 1}"#),
                400, field: "right")

            // The oracle publishes the smile: the option takes its volatility at the strike and a mark.
            let smile = #""underlying": 1, "expirySeconds": \#(expiry), "strikes": ["55000", "65000", "75000"]"#
            expect(
                try await client.call(
                    .post, "/v1/volatility-smiles", key: h.oracle,
                    #"{\#(smile), "volatilities": ["0.6", "0.5", "0.55"]}"#), 200)
            let (volatility, mark) = await h.service.engine.read {
                ($0.market(MarketID(20))!.optionVolatility, $0.market(MarketID(20))!.mark)
            }
            #expect(volatility == Rate("0.5")!.atoms && mark > 0)
            expect(
                try await client.call(
                    .post, "/v1/volatility-smiles", key: h.oracle, #"{\#(smile), "volatilities": ["0.6", "0.5"]}"#),
                422,
                field: "smile.volatilities", code: "invalidParameter")
            expect(
                try await client.call(
                    .post, "/v1/volatility-smiles", key: h.admin,
                    #"{\#(smile), "volatilities": ["0.6", "0.5", "0.55"]}"#), 403)
            expect(
                try await client.call(
                    .post, "/v1/volatility-smiles", key: h.oracle,
                    #"{\#(smile), "volatilities": ["0.6", "high", "0.55"]}"#), 400,
                field: "volatilities[1]")
            // The market's view shows the terms and the volatility in force.
            let view = try await client.call(.get, "/v1/markets/20", key: h.readonly).object
            let shown = try #require(view["option"] as? [String: Any], "\(view)")
            #expect(
                shown["strike"] as? String == "65000" && shown["volatility"] as? String == "0.5"
                    && view["expirySeconds"] as? Int == Int(expiry))
            let underlying = try await client.call(.get, "/v1/markets/1", key: h.readonly).object
            #expect(
                (underlying["smiles"] as? [[String: Any]])?.first?["volatilities"] as? [String] == [
                    "0.6", "0.5", "0.55",
                ])
        }
    }

    @Test func portfolioSpanAndGreeksRules() async throws {
        let h = try await ServerHarness.make("engine-rules")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let trader = try await h.trader(3)
            expect(
                try await client.call(
                    .post, "/v1/portfolio-margin", key: h.admin,
                    #"{"scenarios": [{"move": "-0.1", "volatilityShock": "0.3"}, {"move": "0.1", "volatilityShock": "-0.2", "weight": "0.5"}], "maintenanceFactor": "0.7"}"#
                ), 200)
            let portfolio = await h.service.engine.read { $0.portfolioMargin }
            #expect(
                portfolio.scenarios == [
                    PortfolioMarginRules.Scenario(move: Rate("-0.1")!, volatilityShock: Rate("0.3")!),
                    PortfolioMarginRules.Scenario(
                        move: Rate("0.1")!, volatilityShock: Rate("-0.2")!, weight: Rate("0.5")!),
                ])
            #expect(
                portfolio.maintenanceFactor == Rate("0.7")!
                    && portfolio.floorDays == PortfolioMarginRules.deribitStyle.floorDays)
            expect(
                try await client.call(.post, "/v1/portfolio-margin", key: h.admin, #"{"floorDays": 0}"#), 422,
                field: "rules.floorDays")
            expect(
                try await client.call(
                    .post, "/v1/portfolio-margin", key: h.admin,
                    #"{"scenarios": [{"move": "abc", "volatilityShock": "0"}]}"#), 400,
                field: "scenarios[0].move")
            expect(
                try await client.call(
                    .post, "/v1/portfolio-margin", key: h.admin, #"{"scenarios": [{"move": "0.1", "shock": "0"}]}"#),
                400,
                field: "scenarios[0].shock")
            expect(try await client.call(.post, "/v1/portfolio-margin", key: trader, #"{"floorDays": 3}"#), 403)

            expect(
                try await client.call(
                    .post, "/v1/span-margin", key: h.admin, #"{"priceScanRange": "0.2", "lookaheadDays": 2}"#), 200)
            let span = await h.service.engine.read { $0.spanMargin }
            #expect(
                span.priceScanRange == Rate("0.2")! && span.lookaheadDays == 2
                    && span.extremeMove == SpanMarginRules.standard.extremeMove)
            expect(
                try await client.call(.post, "/v1/span-margin", key: h.admin, #"{"priceScanRange": "1.5"}"#), 422,
                field: "rules.priceScanRange")
            expect(
                try await client.call(.post, "/v1/span-margin", key: h.admin, #"{"lookaheadDays": "two"}"#), 400,
                field: "lookaheadDays")
            expect(try await client.call(.post, "/v1/span-margin", key: h.oracle, #"{}"#), 403)

            expect(
                try await client.call(
                    .post, "/v1/greeks-margin", key: h.admin,
                    #"{"deltaMove": "0.1", "vegaOffsetsAcrossExpiries": true}"#), 200)
            let greeks = await h.service.engine.read { $0.greeksMargin }
            #expect(
                greeks.deltaMove == Rate("0.1")! && greeks.vegaOffsetsAcrossExpiries
                    && greeks.gammaMove == GreeksMarginRules.standard.gammaMove)
            expect(
                try await client.call(.post, "/v1/greeks-margin", key: h.admin, #"{"maintenanceFactor": "0"}"#), 422,
                field: "rules.maintenanceFactor")
            expect(
                try await client.call(
                    .post, "/v1/greeks-margin", key: h.admin, #"{"vegaOffsetsAcrossExpiries": "yes"}"#), 400,
                field: "vegaOffsetsAcrossExpiries")
            expect(try await client.call(.post, "/v1/greeks-margin", key: trader, #"{}"#), 403)

            // Every key reads the rules in force, named as the bodies name them.
            let rules = try await client.call(.get, "/v1/margin-rules", key: trader).object
            #expect((rules["span"] as? [String: Any])?["priceScanRange"] as? String == "0.2", "\(rules)")
            #expect((rules["greeks"] as? [String: Any])?["vegaOffsetsAcrossExpiries"] as? Bool == true)
            #expect(((rules["portfolio"] as? [String: Any])?["scenarios"] as? [Any])?.count == 2)
            let moves = (0..<20).map { $0 % 2 == 0 ? "\"0.02\"" : "\"-0.01\"" }.joined(separator: ", ")
            expect(
                try await client.call(
                    .post, "/v1/var-margin", key: h.admin, #"{"series": [{"market": 1, "moves": [\#(moves)]}]}"#), 200)
            let scenarios = try await client.call(.get, "/v1/var-margin", key: trader).object
            #expect(
                scenarios["scenarioCount"] as? Int == 20 && scenarios["confidence"] as? String == "0.99", "\(scenarios)"
            )
            #expect(
                ((scenarios["series"] as? [[String: Any]])?.first?["moves"] as? [String])?.prefix(2) == [
                    "0.02", "-0.01",
                ])
        }
    }

    /// Keeper reward, fund-draw cap and ADL choices on the liquidation body; a step pays the
    /// keeper; the market's view shows them with its risk parameters.
    @Test func liquidationIncentivesAndMarketView() async throws {
        let h = try await ServerHarness.make("engine-incentives")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            expect(
                try await client.call(
                    .put, "/v1/markets/1/liquidation", key: h.admin,
                    #"{"lossAllocation": "adl", "adlMaximumCounterparties": 10, "keeperRewardFlat": "2", "keeperRewardRate": "0.0005", "fundDrawCapPerInterval": "100", "fundDrawCapIntervalSeconds": 3600, "fundDrawCapTotal": "1000"}"#
                ), 200)
            let parameters = try #require(await h.service.engine.read { $0.market(MarketID(1))?.liquidation })
            #expect(parameters.keeperReward == .init(flat: 2_000_000, rate: Rate("0.0005")!))
            #expect(
                parameters.fundDrawCap == .init(perInterval: 100_000_000, intervalSeconds: 3_600, total: 1_000_000_000))
            #expect(
                parameters.lossAllocation == .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 10)
            )
            expect(
                try await client.call(.put, "/v1/markets/1/liquidation", key: h.admin, #"{"keeperRewardRate": "0.5"}"#),
                422, field: "liquidation.keeperReward")
            expect(
                try await client.call(
                    .put, "/v1/markets/1/liquidation", key: h.admin, #"{"fundDrawCapPerInterval": "100"}"#), 400,
                field: "fundDrawCapIntervalSeconds")
            expect(
                try await client.call(.put, "/v1/markets/1/liquidation", key: h.admin, #"{"fundDrawCapTotal": "100"}"#),
                400, field: "fundDrawCapTotal")
            expect(
                try await client.call(
                    .put, "/v1/markets/1/liquidation", key: h.admin, #"{"adlRanking": "binanceLeveragePnl"}"#), 400,
                field: "adlRanking")
            expect(
                try await client.call(
                    .put, "/v1/markets/1/liquidation", key: h.admin,
                    #"{"lossAllocation": "socialized", "adlRanking": "profitTimesLeverage"}"#),
                400, field: "adlRanking")
            expect(
                try await client.call(
                    .put, "/v1/markets/1/liquidation", key: h.oracle, #"{"keeperRewardRate": "0.001"}"#), 403)

            let view = try await client.call(.get, "/v1/markets/1", key: try await h.trader(3)).object
            let liquidation = try #require(view["liquidation"] as? [String: Any], "\(view)")
            #expect(
                liquidation["keeperRewardFlat"] as? String == "2"
                    && liquidation["keeperRewardRate"] as? String == "0.0005")
            #expect(
                liquidation["fundDrawCapIntervalSeconds"] as? Int == 3600
                    && liquidation["fundDrawCapTotal"] as? String == "1000")
            #expect(
                liquidation["adlRanking"] as? String == "profitTimesLeverage"
                    && liquidation["adlMaximumCounterparties"] as? Int == 10)
            let risk = try #require(view["risk"] as? [String: Any])
            #expect(
                (risk["tiers"] as? [[String: Any]])?.first?["initial"] as? String == "0.01"
                    && risk["maximumLeverage"] as? Int == 100)
            #expect(view["oracle"] == nil && view["option"] == nil, "what a market does not have is left out")
            expect(try await client.call(.get, "/v1/markets/99", key: h.readonly), 404)
            expect(try await client.call(.get, "/v1/markets/x", key: h.readonly), 400)

            // The keeper's account earns the reward of the step it submits (no penalty or fee
            // here, so the little account 1 still holds pays it).
            expect(
                try await client.call(
                    .put, "/v1/markets/1/liquidation", key: h.admin,
                    #"{"penaltyRate": "0", "clearanceFeeRate": "0", "keeperRewardFlat": "2", "keeperRewardRate": "0.0005"}"#
                ), 200)
            expect(try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#), 200)
            expect(
                try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#),
                200)
            #expect(await balance(h, 900) > 2_000_000)

            // The oracle's breaker rules appear once configured.
            expect(
                try await client.call(
                    .put, "/v1/markets/1/oracle", key: h.admin,
                    #"{"sources": [{"id": 1}, {"id": 2}], "priceMoveThreshold": "0.2"}"#), 200)
            let oracle = try #require(
                try await client.call(.get, "/v1/markets/1", key: h.readonly).object["oracle"] as? [String: Any])
            #expect(
                oracle["priceMoveThreshold"] as? String == "0.2" && oracle["minimumSources"] as? Int == 2
                    && oracle["breakers"] != nil, "\(oracle)")
        }
    }

    /// An imported position with nobody to deleverage and the fund capped at zero leaves a
    /// deficit; money from outside covers it.
    @Test func importFundingAndDeficit() async throws {
        let h = try await ServerHarness.make("engine-waterfall")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let trader = try await h.trader(1)
            // Funding at an explicit rate: the long pays.
            let longBefore = await balance(h, 1)
            expect(try await client.call(.post, "/v1/markets/1/funding", key: h.admin, #"{"rate": "0.0001"}"#), 200)
            #expect(await balance(h, 1) == longBefore - 3_000_000)  // 0.5 × 60,000 × 0.0001
            expect(
                try await client.call(.post, "/v1/markets/1/funding", key: h.admin, #"{"rate": "0.5"}"#), 422,
                field: "rate", code: "invalidParameter")
            expect(
                try await client.call(.post, "/v1/markets/1/funding", key: h.admin, #"{"rate": "high"}"#), 400,
                field: "rate")
            expect(try await client.call(.post, "/v1/markets/1/funding", key: trader, #"{"rate": "0.0001"}"#), 403)

            let market =
                #"{"id": 2, "symbol": "ETHUSDT", "settleAsset": 1, "contractSize": "1", "tickSize": "0.01", "lotSize": "0.01", "tiers": [{"initial": "0.05", "maintenance": "0.025"}], "priceMaxAgeSeconds": 86400}"#
            expect(try await client.call(.post, "/v1/markets", key: h.admin, market), 200)
            expect(try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 2, "mark": "3000"}"#), 200)
            expect(
                try await client.call(
                    .put, "/v1/markets/2/liquidation", key: h.admin,
                    #"{"stepFraction": "1", "fundDrawCapPerInterval": "0", "fundDrawCapIntervalSeconds": 3600}"#), 200)
            try await client.call(.post, "/v1/accounts", key: h.admin, #"{"account": 5}"#)
            try await client.call(.post, "/v1/deposits", key: h.admin, #"{"account": 5, "asset": 1, "amount": "100"}"#)
            expect(
                try await client.call(
                    .post, "/v1/position-imports", key: h.admin,
                    #"{"account": 5, "market": 2, "size": "1", "entryPrice": "3000"}"#), 200)
            let sizes = await h.service.engine.read { engine in
                (
                    engine.account(AccountID(5))!.positions.first?.size,
                    engine.account(.venue)!.positions.first { $0.market == MarketID(2) }?.size
                )
            }
            #expect(sizes.0 == Quantity("1")!.atoms && sizes.1 == Quantity("-1")!.atoms)
            expect(
                try await client.call(
                    .post, "/v1/position-imports", key: h.admin,
                    #"{"account": 1, "market": 1, "size": "1", "entryPrice": "3000"}"#), 422,
                field: "market", code: "invalidParameter")
            expect(
                try await client.call(
                    .post, "/v1/position-imports", key: h.admin, #"{"account": 5, "market": 2, "size": "1"}"#), 400,
                field: "entryPrice")
            expect(
                try await client.call(
                    .post, "/v1/position-imports", key: trader,
                    #"{"account": 1, "market": 2, "size": "1", "entryPrice": "3000"}"#), 403)

            // A fall far below bankruptcy: the fund may not pay, no one is opposite: a deficit.
            expect(try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 2, "mark": "2000"}"#), 200)
            for _ in 0..<5 {
                if try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 5, "market": 2}"#)
                    .status != 200
                {
                    break
                }
            }
            let deficit = await h.service.engine.read { -$0.asset(AssetID(1))!.deficit }
            try #require(deficit > 0)
            let open = DecimalText.format(deficit, scale: 6)
            expect(
                try await client.call(
                    .post, "/v1/deficit-cover", key: h.admin,
                    #"{"asset": 1, "amount": "\#(DecimalText.format(deficit + 1, scale: 6))"}"#), 422,
                field: "amount", code: "invalidParameter")
            expect(
                try await client.call(.post, "/v1/deficit-cover", key: trader, #"{"asset": 1, "amount": "\#(open)"}"#),
                403)
            expect(
                try await client.call(.post, "/v1/deficit-cover", key: h.admin, #"{"asset": 1, "amount": "lots"}"#),
                400, field: "amount")
            expect(
                try await client.call(.post, "/v1/deficit-cover", key: h.admin, #"{"asset": 1, "amount": "\#(open)"}"#),
                200)
            #expect(await h.service.engine.read { $0.asset(AssetID(1))!.deficit } == 0)
        }
    }

    /// A stale auction restarts through the API; the key's account is the keeper.
    @Test func auctionReset() async throws {
        let h = try await ServerHarness.make("engine-reset")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            expect(
                try await client.call(
                    .put, "/v1/markets/1/liquidation", key: h.admin,
                    #"{"mechanism": "auction", "auctionTailSeconds": 1}"#), 200)
            expect(try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#), 200)
            let started = try await client.call(
                .post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            let auction = try #require(
                (started.object["events"] as? [[String: Any]])?.first { $0["type"] as? String == "auctionStarted" }?[
                    "auction"] as? Int,
                "\(started.body)")
            expect(
                try await client.call(.post, "/v1/auctions/\(auction)/reset", key: h.liquidator), 422, field: "auction",
                code: "auctionNotStale")
            expect(
                try await client.call(.post, "/v1/auctions/999/reset", key: h.liquidator), 422, field: "auction",
                code: "unknownAuction")
            expect(try await client.call(.post, "/v1/auctions/\(auction)/reset", key: h.admin), 403)
            expect(try await client.call(.post, "/v1/auctions/first/reset", key: h.liquidator), 400)
            let firstStart = await h.service.engine.read { $0.auctions.first?.clock.start }
            try await Task.sleep(for: .milliseconds(1_200))  // past the 1 s tail
            let reset = try await client.call(.post, "/v1/auctions/\(auction)/reset", key: h.liquidator)
            expect(reset, 200)
            #expect(
                (reset.object["events"] as? [[String: Any]])?.contains { $0["type"] as? String == "auctionReset" }
                    == true, "\(reset.body)")
            #expect(await h.service.engine.read { $0.auctions.first?.clock.start } != firstStart)
        }
    }

    /// A trader's place in the ADL queue of each of its positions, as the engine ranks it, and
    /// as Binance's five lights.
    @Test func deleveragingQuantile() async throws {
        let h = try await ServerHarness.make("engine-adl")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            expect(try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "59000"}"#), 200)
            for account: UInt64 in [2, 4] {
                let reply = try await client.call(.get, "/v1/accounts/\(account)/adl", key: try await h.trader(account))
                expect(reply, 200)
                let position = try #require((reply.object["positions"] as? [[String: Any]])?.first, "\(reply.body)")
                let (rank, length) = try #require(
                    await h.service.engine.read {
                        $0.deleveragingRank(
                            account: AccountID(account), market: MarketID(1), ranking: .profitTimesLeverage)
                    })
                #expect(
                    position["rank"] as? Int == rank && position["queueLength"] as? Int == length
                        && position["side"] as? String == "short")
                #expect(position["quantile"] as? Int == 5 - (rank - 1) * 5 / length)
            }
            // Two shorts: the first in the queue shows five lights, the other three.
            let first = try #require(
                await h.service.engine.read {
                    $0.rankedDeleveraging(market: MarketID(1), long: false, ranking: .profitTimesLeverage).first
                })
            let top = try await client.call(.get, "/v1/accounts/\(first.rawValue)/adl", key: h.readonly).object
            #expect((top["positions"] as? [[String: Any]])?.first?["quantile"] as? Int == 5)
            expect(try await client.call(.get, "/v1/accounts/4/adl", key: try await h.trader(2)), 403)
            expect(try await client.call(.get, "/v1/accounts/77/adl", key: h.readonly), 404)
            expect(try await client.call(.get, "/v1/accounts/x/adl", key: h.readonly), 400)
        }
    }
}
