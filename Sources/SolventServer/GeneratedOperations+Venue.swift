import OpenAPIRuntime
import SolventCore

/// The generated operations that declare the venue and move its prices and clock.
extension GeneratedOperations {
    func openAccount(_ input: Operations.OpenAccount.Input) async throws -> Operations.OpenAccount.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        return .ok(.init(body: .json(try await service.write(.openAccount(AccountID(body.account.value))))))
    }

    func setMarkPrice(_ input: Operations.SetMarkPrice.Input) async throws -> Operations.SetMarkPrice.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let command = Command.setMarkPrice(
            market: MarketID(body.market.value),
            mark: try FieldValue.price(body.mark.text, field: "mark"),
            index: try body.index.map { try FieldValue.price($0.text, field: "index") })
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func setIndexPrice(_ input: Operations.SetIndexPrice.Input) async throws -> Operations.SetIndexPrice.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let command = Command.setIndexPrice(
            asset: AssetID(body.asset.value), price: try FieldValue.price(body.price.text, field: "price"))
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func tick(_ input: Operations.Tick.Input) async throws -> Operations.Tick.Output {
        .ok(.init(body: .json(try await service.write(.tick))))
    }
}
