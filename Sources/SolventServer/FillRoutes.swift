import Hummingbird
import SolventCore

/// The matching engine's fills, the service's hottest path, routed by hand: their bodies are
/// read by `RequestBody` (one JSON parse, no per-field decoder) and their replies written by
/// `JSON.encoded`, which together carry about half again the fills per second that the
/// generated decoder and Foundation's encoder do. `OpenAPIDocumentTests` (the fields against the
/// document) and the exchange check in CI (every request and reply against it) hold them to the
/// contract.
extension SolventService {
    func addFillRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.post("/v1/fills") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(request, allowed: Self.fillFields)
            return try await service.submit(.applyFill(try Self.fill(body)))
        }
        // A matching engine's batch of fills: each fill its own journaled input (own sequence,
        // own outcome), all in one commit. A malformed fill refuses the whole request (400,
        // naming fills[i].field) before anything is submitted.
        router.post("/v1/fills/batch") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(request, allowed: ["fills"])
            let fills = try body.objects("fills", max: Self.fillBatchLimit, allowed: Self.fillFields).enumerated().map {
                index, item -> Command in
                do {
                    return .applyFill(try Self.fill(item))
                } catch let error as APIError {
                    throw APIError.invalid("fills[\(index)].\(error.field ?? "")", error.message)
                }
            }
            return try await service.submit(batch: fills)
        }
    }

    /// Fills in one `POST /v1/fills/batch` (the 64 KiB body limit holds about 500).
    static let fillBatchLimit = 1_000

    static let fillFields: Set<String> = ["market", "buyer", "seller", "quantity", "price", "taker"]

    /// A fill from a body (one request's, or one item of a batch).
    static func fill(_ body: RequestBody) throws -> Fill {
        Fill(
            market: MarketID(try body.id("market", as: UInt32.self)), buyer: AccountID(try body.id("buyer")),
            seller: AccountID(try body.id("seller")), quantity: try body.quantity("quantity"),
            price: try body.price("price"),
            taker: try body.choice("taker", default: .buyer))
    }

}
