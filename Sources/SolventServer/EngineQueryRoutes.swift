import Foundation
import Hummingbird
import SolventCore

/// Reads of the engine's configuration and of a trader's deleveraging risk. Venue rules are
/// public to every key (a trader needs them to understand its margin); an account's ADL place
/// only to its trader and the operators.
extension SolventService {
    func addEngineQueryRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.get("/v1/markets/:market") { request, context in
            _ = try await service.require(request, Set(Role.allCases))
            let market = MarketID(try context.parameters.require("market", as: UInt32.self))
            let view = await service.engine.read { engine in
                engine.market(market).map { JSON.data(MarketView.detail(engine, $0)) }
            }
            guard let view else { throw APIError.notFound("market \(market)") }
            return JSON.response(data: view)
        }
        router.get("/v1/var-margin") { request, _ in
            _ = try await service.require(request, Set(Role.allCases))
            return JSON.response(data: await service.engine.read { JSON.data(RulesView.varMargin($0.varMargin)) })
        }
        router.get("/v1/margin-rules") { request, _ in
            _ = try await service.require(request, Set(Role.allCases))
            return JSON.response(
                data: await service.engine.read { engine in
                    let rules: [String: Any] = [
                        "portfolio": RulesView.portfolio(engine.portfolioMargin),
                        "span": RulesView.span(engine.spanMargin),
                        "greeks": RulesView.greeks(engine.greeksMargin),
                        "spreadCredits": RulesView.spreads(engine.spreadCredits),
                    ]
                    return JSON.data(rules)
                })
        }
        router.get("/v1/accounts/:account/adl") { request, context in
            let principal = try await service.require(request, Set(Role.allCases))
            let account = try context.parameters.require("account", as: UInt64.self)
            try service.requireAccount(principal, account)
            guard
                let view = await service.engine.read({ engine in
                    Self.deleveragingView(engine, AccountID(account)).map(JSON.data)
                })
            else {
                throw APIError.notFound("account \(account)")
            }
            return JSON.response(data: view)
        }
    }

    /// Each position's place in its side's auto-deleveraging queue (the engine's
    /// `deleveragingRank`, by the market's configured ranking) and that place as the five
    /// lights Binance shows: 5 for the first fifth of the queue (deleveraged first) down to 1
    /// for the last. Null where the market does not deleverage (no liquidation, or a loss
    /// allocation other than `adl`) or the position is not a candidate (no positive equity).
    static func deleveragingView(_ engine: Engine, _ id: AccountID) -> [String: Any]? {
        guard let account = engine.account(id) else { return nil }
        let positions = account.positions.map { position -> [String: Any] in
            var object: [String: Any] = [
                "market": Int(position.market.rawValue), "side": position.size > 0 ? "long" : "short",
                "size": Quantity(atoms: position.size).description,
                "ranking": NSNull(), "rank": NSNull(), "queueLength": NSNull(), "quantile": NSNull(),
            ]
            guard case .autoDeleveraging(let ranking, _)? = engine.market(position.market)?.liquidation?.lossAllocation
            else { return object }
            object["ranking"] = ranking.rawValue
            if let (rank, length) = engine.deleveragingRank(account: id, market: position.market, ranking: ranking) {
                object["rank"] = rank
                object["queueLength"] = length
                object["quantile"] = 5 - (rank - 1) * 5 / length
            }
            return object
        }
        return ["account": id.rawValue, "positions": positions]
    }
}
