import Foundation
import Hummingbird
import SolventCore

/// The margin-model part of the API: the VaR models'
/// scenario set and parameters, and the spread credits across underlyings. Rates are decimals
/// (strings or numbers) as elsewhere in the API; every error names its field.
extension SolventService {
    func addRiskModelRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.post("/v1/var-margin") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(
                request,
                allowed: [
                    "series", "confidence", "measure", "maintenanceFactor", "lambda",
                    "degrees", "draws", "seed",
                ])
            let series = try body.objects("series", max: Limits.varSeries, allowed: ["market", "moves"]).enumerated()
                .map { index, entry in
                    try RequestBody.named("series[\(index)]") {
                        VaRMarginRules.Series(
                            market: MarketID(try entry.id("market", as: UInt32.self)),
                            moves: try entry.rates("moves", max: Limits.varScenarios))
                    }
                }
            let rules = VaRMarginRules(
                series: series, confidence: try body.rate("confidence", default: "0.99"),
                measure: try body.choice("measure", default: .valueAtRisk),
                maintenanceFactor: try body.rate("maintenanceFactor", default: "0.8"),
                lambda: try body.rate("lambda", default: "0.94"),
                // Ranges are the engine's to check (422 naming rules.degrees, rules.draws).
                degrees: try body.int("degrees", default: 4, in: Int64.min...Int64.max),
                draws: try body.int("draws", default: 2_000, in: Int64.min...Int64.max),
                seed: UInt64(try body.int("seed", default: 1, in: 0...Int64.max)))
            return try await service.submit(.configureVaRMargin(rules))
        }
        router.post("/v1/spread-credits") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(request, allowed: ["spreads"])
            // An empty list removes every credit (requirements add up again).
            let fields: Set<String> = ["first", "second", "firstRatio", "secondRatio", "creditRate"]
            let items =
                (body.object["spreads"] as? [Any])?.isEmpty == true
                ? [] : try body.objects("spreads", max: Limits.spreadCredits, allowed: fields)
            let spreads = try items.enumerated().map { index, entry in
                try RequestBody.named("spreads[\(index)]") {
                    SpreadCreditRules.Spread(
                        first: MarketID(try entry.id("first", as: UInt32.self)),
                        second: MarketID(try entry.id("second", as: UInt32.self)),
                        firstRatio: try entry.rate("firstRatio", default: "1"),
                        secondRatio: try entry.rate("secondRatio", default: "1"),
                        creditRate: try entry.rate("creditRate"))
                }
            }
            return try await service.submit(.configureSpreadCredits(SpreadCreditRules(spreads: spreads)))
        }
    }
}

extension RequestBody {
    /// An array of decimal rates (strings or numbers), 1 to `max` of them; an error names the element.
    func rates(_ key: String, max: Int) throws -> [Rate] {
        try elements(key, max: max) { body, field in try body.rate(field) }
    }

    /// Each element of an array of 1 to `max` decimals read by `read` under its own name
    /// (`key[3]`), so an error names the element.
    func elements<T>(_ key: String, max: Int, _ read: (RequestBody, String) throws -> T) throws -> [T] {
        guard let array = object[key] as? [Any], !array.isEmpty, array.count <= max else {
            throw APIError.invalid(key, "expected an array of 1 to \(max) decimals")
        }
        return try array.indices.map { index in
            let field = "\(key)[\(index)]"
            return try read(RequestBody(object: [field: array[index]]), field)
        }
    }

    /// Runs `body`, prefixing the field of any error with `prefix` (for objects inside arrays).
    static func named<T>(_ prefix: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as APIError {
            var named = error
            named.field = error.field.map { "\(prefix).\($0)" } ?? prefix
            throw named
        }
    }
}
