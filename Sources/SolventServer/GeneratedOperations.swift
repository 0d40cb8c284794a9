import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime
import SolventCore

/// The operations whose interface swift-openapi-generator builds from openapi/openapi.json
/// (openapi-generator-config.yaml lists them): the generated code routes them and decodes their
/// typed input (unknown fields, missing fields, wrong JSON types refused by the decoder);
/// `OperationGate` has checked the key and its role; each handler checks the values (ids in
/// range, decimals in their scale) and submits one engine command.
struct GeneratedOperations: APIProtocol {
    let service: SolventService

    /// The operation's caller (`OperationGate` sets it before any generated operation runs).
    var caller: Principal {
        get throws {
            guard let principal = RequestCaller.principal else { throw APIError.unauthorized }
            return principal
        }
    }

    func deposit(_ input: Operations.Deposit.Input) async throws -> Operations.Deposit.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let (asset, amount) = try await service.amount(body.amount, of: body.asset)
        let command = Command.deposit(account: AccountID(body.account.value), asset: asset, amount: amount)
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func withdraw(_ input: Operations.Withdraw.Input) async throws -> Operations.Withdraw.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let account = AccountID(body.account.value)
        try service.requireAccount(try caller, account.rawValue)
        let (asset, amount) = try await service.amount(body.amount, of: body.asset)
        let command = Command.withdraw(account: account, asset: asset, amount: amount)
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// `marginMode` absent keeps the account's current mode in that market (cross if none), so
    /// changing only the leverage of an isolated position is not refused as a mode change. The
    /// leverage's range (1 to the schedule's maximum) is the engine's to check: 422 naming it.
    func setLeverage(_ input: Operations.SetLeverage.Input) async throws -> Operations.SetLeverage.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let account = AccountID(body.account.value), market = MarketID(body.market.value)
        try service.requireAccount(try caller, account.rawValue)
        guard let leverage = Int64(exactly: body.leverage), (1...Int64(Int32.max)).contains(leverage) else {
            throw APIError.invalid("leverage", "expected an integer from 1 to \(Int32.max)")
        }
        let isolated: Bool
        if let mode = body.marginMode {
            isolated = mode == .isolated
        } else {
            isolated = await service.engine.read { engine in
                guard let index = engine.marketIndex(of: market), let holder = engine.account(account) else {
                    return false
                }
                if let slot = holder.positionSlot(marketIndex: index) { return holder.positions[slot].isolated }
                return holder.setting(marketIndex: index)?.isolated ?? false
            }
        }
        let command = Command.setLeverage(account: account, market: market, leverage: leverage, isolated: isolated)
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// A signed amount in the settlement asset: positive moves margin from the wallet into the
    /// isolated position, negative back (refused below the position's initial margin).
    func adjustIsolatedMargin(
        _ input: Operations.AdjustIsolatedMargin.Input
    ) async throws -> Operations.AdjustIsolatedMargin.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let account = AccountID(body.account.value), market = MarketID(body.market.value)
        try service.requireAccount(try caller, account.rawValue)
        let scale = try await service.settleScale(market, field: "market")
        let command = Command.adjustIsolatedMargin(
            account: account, market: market,
            amount: Amount(atoms: try FieldValue.decimal(body.amount.text, field: "amount", scale: scale)))
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// A trader may choose its own account's model (as Deribit lets users opt into portfolio
    /// margin); the engine refuses a switch whose initial margin is not met.
    func setMarginModel(_ input: Operations.SetMarginModel.Input) async throws -> Operations.SetMarginModel.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let account = AccountID(body.account.value)
        try service.requireAccount(try caller, account.rawValue)
        guard let model = AccountMarginModel(rawValue: body.model.rawValue) else {
            throw APIError.invalid("model", "unknown value \(body.model.rawValue)")
        }
        return .ok(.init(body: .json(try await service.write(.setMarginModel(account: account, model)))))
    }

}

extension SolventService {
    /// Registers the generated operations on `router`, behind `OperationGate`.
    func addGeneratedOperations(to router: Router<BasicRequestContext>) throws {
        var configuration = Configuration()
        // Compact, keys sorted: without `.sortedKeys` Foundation's encoder writes them in hash
        // order, which changes from one run to the next.
        configuration.jsonEncodingOptions = [.sortedKeys, .withoutEscapingSlashes]
        try GeneratedOperations(service: self).registerHandlers(
            on: router, configuration: configuration, middlewares: [OperationGate(service: self)])
    }

    /// An amount of an asset, read in the asset's decimals (400 naming `asset` when unknown,
    /// `amount` when it has more decimals than the asset).
    func amount(_ amount: APIDecimal, of id: APIID32) async throws -> (AssetID, Amount) {
        let asset = AssetID(id.value)
        guard let scale = await engine.read({ $0.asset(asset)?.spec.scale }) else {
            throw APIError.invalid("asset", "unknown asset")
        }
        return (asset, Amount(atoms: try FieldValue.decimal(amount.text, field: "amount", scale: scale)))
    }
}
