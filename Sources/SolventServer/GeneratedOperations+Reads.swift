import Foundation
import OpenAPIRuntime
import SolventCore

/// The reads: the engine's current state as the document's reply types (`StateView`,
/// `MarketView`, `RulesView`). Venue rules are public to every key (a trader needs them to
/// understand its margin); an account and its deleveraging place only to its trader
/// and the operators (`OperationGate` has checked the role; the handler checks the account).
extension GeneratedOperations {
    func listMarkets(_ input: Operations.ListMarkets.Input) async throws -> Operations.ListMarkets.Output {
        .ok(.init(body: .json(await service.engine.read { StateView.markets($0) })))
    }

    func getMarket(_ input: Operations.GetMarket.Input) async throws -> Operations.GetMarket.Output {
        let market = MarketID(input.path.market.value)
        let view = await service.engine.read { engine in engine.market(market).map { MarketView.detail(engine, $0) } }
        guard let view else { throw APIError.notFound("market \(market.rawValue)") }
        return .ok(.init(body: .json(view)))
    }

    func getAsset(_ input: Operations.GetAsset.Input) async throws -> Operations.GetAsset.Output {
        let asset = AssetID(input.path.asset.value)
        let view = await service.engine.read { engine in
            engine.asset(asset).map { StateView.asset($0, now: engine.now) }
        }
        guard let view else { throw APIError.notFound("asset \(asset.rawValue)") }
        return .ok(.init(body: .json(view)))
    }

    func getAccount(_ input: Operations.GetAccount.Input) async throws -> Operations.GetAccount.Output {
        .ok(.init(body: .json(try await accountRead(input.path.account, StateView.account))))
    }

    func getAccountAdl(_ input: Operations.GetAccountAdl.Input) async throws -> Operations.GetAccountAdl.Output {
        .ok(.init(body: .json(try await accountRead(input.path.account, Self.deleveragingView))))
    }

    /// A view of one account, for its own trader or an operator; 404 when there is no such account.
    private func accountRead<View: Sendable>(
        _ account: APIAccountNumber, _ view: @escaping @Sendable (Engine, AccountID) -> View?
    ) async throws -> View {
        try service.requireAccount(try caller, account.value)
        guard let found = await service.engine.read({ view($0, AccountID(account.value)) }) else {
            throw APIError.notFound("account \(account.value)")
        }
        return found
    }

    /// The first 100 accounts of a side's deleveraging queue, by the market's configured ranking
    /// (profit times leverage where the market does not deleverage).
    func getAdlRanks(_ input: Operations.GetAdlRanks.Input) async throws -> Operations.GetAdlRanks.Output {
        let market = MarketID(input.query.market.value)
        let side = input.query.side ?? .long
        let view = await service.engine.read { engine -> Components.Schemas.AdlRanks? in
            guard let state = engine.market(market) else { return nil }
            var ranking = AutoDeleveraging.Ranking.profitTimesLeverage
            if case .autoDeleveraging(let configured, _)? = state.liquidation?.lossAllocation { ranking = configured }
            let accounts = engine.rankedDeleveraging(market: market, long: side == .long, ranking: ranking).prefix(100)
            return .init(
                market: APIID32(market.rawValue), side: side == .long ? .long : .short, ranking: ranking.rawValue,
                accounts: accounts.map { APIAccountID($0.rawValue) })
        }
        guard let view else { throw APIError.notFound("market \(market.rawValue)") }
        return .ok(.init(body: .json(view)))
    }

    func getInsuranceFunds(
        _ input: Operations.GetInsuranceFunds.Input
    ) async throws -> Operations.GetInsuranceFunds.Output {
        .ok(.init(body: .json(await service.engine.read { StateView.funds($0) })))
    }

    /// The most recent liquidations, newest last: a trader sees only its own account's.
    func listLiquidations(
        _ input: Operations.ListLiquidations.Input
    ) async throws -> Operations.ListLiquidations.Output {
        let principal = try caller
        let limit = try FieldValue.integer(input.query.limit, field: "limit", default: 100, in: 1...1_000)
        let events = service.hub.history(
            types: ["positionLiquidated"], account: principal.role == .trader ? principal.account : nil,
            limit: Int(limit))
        let liquidations = events.compactMap { event -> Components.Schemas.PositionLiquidatedEvent? in
            guard case .positionLiquidated(let liquidation)? = event.view else { return nil }
            return liquidation
        }
        return .ok(.init(body: .json(liquidations)))
    }

    func getMarginRules(_ input: Operations.GetMarginRules.Input) async throws -> Operations.GetMarginRules.Output {
        .ok(.init(body: .json(await service.engine.read { RulesView.marginRules($0) })))
    }

    func getVaRMargin(_ input: Operations.GetVaRMargin.Input) async throws -> Operations.GetVaRMargin.Output {
        .ok(.init(body: .json(try RulesView.varMargin(await service.engine.read { $0.varMargin }))))
    }

    /// Each position's place in its side's auto-deleveraging queue (the engine's
    /// `deleveragingRank`, by the market's configured ranking) and that place as the five
    /// lights Binance shows: 5 for the first fifth of the queue (deleveraged first) down to 1
    /// for the last. Left out where the market does not deleverage (no liquidation, or a loss
    /// allocation other than `adl`) or the position is not a candidate (no positive equity).
    static func deleveragingView(_ engine: Engine, _ id: AccountID) -> Components.Schemas.AccountAdl? {
        guard let account = engine.account(id) else { return nil }
        let positions = account.positions.map { position in
            var view = Components.Schemas.AccountAdl.PositionsPayloadPayload(
                market: APIID32(position.market.rawValue), side: position.size > 0 ? .long : .short,
                size: Quantity(atoms: position.size).description)
            guard case .autoDeleveraging(let ranking, _)? = engine.market(position.market)?.liquidation?.lossAllocation
            else { return view }
            view.ranking = ranking.rawValue
            if let (rank, length) = engine.deleveragingRank(account: id, market: position.market, ranking: ranking) {
                view.rank = rank
                view.queueLength = length
                view.quantile = 5 - (rank - 1) * 5 / length
            }
            return view
        }
        return .init(account: APIAccountNumber(id.rawValue), positions: positions)
    }
}
