import OpenAPIRuntime
import SolventCore

/// The generated operations of the loss waterfall: liquidation steps, auctions, backstops, the
/// insurance fund, deficits and migrated positions. The keeper paid for a step or a restart is
/// the key's own account, never one from a body; a liquidator key without an account acts
/// without pay.
extension GeneratedOperations {
    func liquidate(_ input: Operations.Liquidate.Input) async throws -> Operations.Liquidate.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let command = Command.liquidate(
            account: AccountID(body.account.value), market: MarketID(body.market.value),
            keeper: try caller.account.map(AccountID.init))
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func bidAuction(_ input: Operations.BidAuction.Input) async throws -> Operations.BidAuction.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let auction = try Self.auctionID(input.path.auction)
        try caller.requireActing(for: body.bidder.value, "bid")
        let command = Command.bidAuction(
            auction: auction, bidder: AccountID(body.bidder.value),
            quantity: try FieldValue.quantity(body.quantity.text, field: "quantity"),
            limitPrice: try FieldValue.price(body.limitPrice.text, field: "limitPrice"))
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func resetAuction(_ input: Operations.ResetAuction.Input) async throws -> Operations.ResetAuction.Output {
        let command = Command.resetAuction(
            auction: try Self.auctionID(input.path.auction), keeper: try caller.account.map(AccountID.init))
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func registerBackstop(
        _ input: Operations.RegisterBackstop.Input
    ) async throws -> Operations.RegisterBackstop.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        try caller.requireActing(for: body.account.value, "register backstop capacity")
        let market = MarketID(body.market.value)
        let scale = try await service.settleScale(market, field: "market")
        let command = Command.registerBackstop(
            account: AccountID(body.account.value), market: market,
            capacity: Amount(atoms: try FieldValue.decimal(body.capacity.text, field: "capacity", scale: scale)))
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func fundInsurance(_ input: Operations.FundInsurance.Input) async throws -> Operations.FundInsurance.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let (asset, amount) = try await service.amount(body.amount, of: body.asset)
        return .ok(.init(body: .json(try await service.write(.fundInsurance(asset: asset, amount: amount)))))
    }

    /// Money from outside (the venue's treasury) toward an asset's recorded deficit, at most the
    /// open deficit (the engine refuses more).
    func coverDeficit(_ input: Operations.CoverDeficit.Input) async throws -> Operations.CoverDeficit.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let (asset, amount) = try await service.amount(body.amount, of: body.asset)
        return .ok(.init(body: .json(try await service.write(.coverDeficit(asset: asset, amount: amount)))))
    }

    /// Migrating a venue's book: the account takes `size` (signed: negative is short) at
    /// `entryPrice`, the venue's book the other side; `isolatedMargin` (settlement asset), if
    /// given, makes it isolated with that margin from the wallet. No margin check: it states a
    /// position that already exists elsewhere.
    func importPosition(_ input: Operations.ImportPosition.Input) async throws -> Operations.ImportPosition.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let market = MarketID(body.market.value)
        let scale = try await service.settleScale(market, field: "market")
        let command = Command.importPosition(
            account: AccountID(body.account.value), market: market,
            size: try FieldValue.quantity(body.size.text, field: "size"),
            entryPrice: try FieldValue.price(body.entryPrice.text, field: "entryPrice"),
            isolatedMargin: try body.isolatedMargin.map {
                Amount(atoms: try FieldValue.decimal($0.text, field: "isolatedMargin", scale: scale))
            })
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// An auction id from the path: a non-negative integer.
    static func auctionID(_ value: Int) throws -> UInt64 {
        guard let id = UInt64(exactly: value) else {
            throw APIError(.badRequest, "badRequest", "auction: expected a non-negative integer id, got \(value)")
        }
        return id
    }
}
