import Foundation
import Hummingbird
import SolventCore

/// Collateral prices through the oracle: an asset's sources and rules (admin) and its sources'
/// samples (oracle). Once an asset has an oracle, `POST /v1/index-prices` is refused for it.
extension SolventService {
    func addCollateralOracleRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.put("/v1/assets/:asset/oracle") { request, context in
            _ = try await service.require(request, [.admin])
            let asset = try context.parameters.require("asset", as: UInt32.self)
            let body = try await RequestBody.read(
                request,
                allowed: [
                    "sources", "minimumSources", "sampleMaxAgeSeconds", "band",
                    "resumeAfterGoodUpdates", "maxRisePerHour",
                ])
            let sources = try body.oracleSources()
            let config = CollateralOracleConfig(
                sources: sources, sampleMaxAgeSeconds: try body.int("sampleMaxAgeSeconds", default: 60, in: 1...86_400),
                band: try body.rate("band", default: "0.05"),
                minimumSources: Int(
                    try body.int("minimumSources", default: Int64(min(2, sources.count)), in: 1...Int64(sources.count))),
                resumeAfterGoodUpdates: Int(try body.int("resumeAfterGoodUpdates", default: 2, in: 1...1_000)),
                maxRisePerHour: try body.rate("maxRisePerHour", default: "0.05"))
            return try await service.submit(.configureCollateralOracle(asset: AssetID(asset), config))
        }
        router.get("/v1/assets/:asset") { request, context in
            _ = try await service.require(request, Set(Role.allCases))
            let asset = AssetID(try context.parameters.require("asset", as: UInt32.self))
            let view = await service.engine.read { engine in
                engine.asset(asset).map { JSON.data(Self.assetView($0, now: engine.now)) }
            }
            guard let view else { throw APIError.notFound("asset \(asset)") }
            return JSON.response(data: view)
        }
        router.post("/v1/collateral-samples") { request, _ in
            _ = try await service.require(request, [.oracle])
            let body = try await RequestBody.read(request, allowed: ["asset", "samples"])
            let samples = try body.oracleSamples(now: await service.engine.read { $0.now })
            return try await service.submit(
                .updateCollateralOracle(asset: AssetID(try body.id("asset", as: UInt32.self)), samples: samples))
        }
    }
}

extension SolventService {
    /// An asset's declaration, its credited price and, when it has one, its collateral oracle
    /// (rules as the PUT body names them, the breaker, the sources' latest aggregate).
    static func assetView(_ asset: AssetState, now: Timestamp) -> [String: Any] {
        var object: [String: Any] = [
            "asset": Int(asset.spec.id.rawValue), "symbol": asset.spec.symbol, "scale": asset.spec.scale,
            "priceMaxAgeSeconds": asset.spec.priceMaxAge / 1_000_000_000,
            "price": asset.price > 0 ? Price(atoms: asset.price).description : NSNull(),
            "priceAgeSeconds": asset.price > 0
                ? max(0, now.nanoseconds - asset.priceTime.nanoseconds) / 1_000_000_000 : NSNull(),
            "oracle": NSNull(),
        ]
        if let oracle = asset.oracle {
            let config = oracle.config
            object["oracle"] =
                [
                    "sources": config.sources.map { ["id": Int($0.id.rawValue), "weight": $0.weight] },
                    "sampleMaxAgeSeconds": config.sampleMaxAge / 1_000_000_000, "band": config.band.description,
                    "minimumSources": config.minimumSources, "resumeAfterGoodUpdates": config.resumeAfterGoodUpdates,
                    "maxRisePerHour": config.maxRisePerHour.description, "frozen": oracle.frozen,
                    "index": oracle.index > 0 ? Price(atoms: oracle.index).description : NSNull(),
                ] as [String: Any]
        }
        return object
    }
}

extension RequestBody {
    /// `sources`: 1 to 64 `{id, weight?}` (weight 1 by default); errors name the source.
    func oracleSources() throws -> [OracleConfig.Source] {
        try objects("sources", max: Limits.oracleSourcesPerMarket, allowed: ["id", "weight"]).enumerated().map {
            index, source in
            do {
                return .init(
                    id: SourceID(try source.id("id", as: UInt32.self)),
                    weight: try source.int("weight", default: 1, in: 1...1_000_000))
            } catch let error as APIError {
                throw APIError.invalid("sources[\(index)].\(error.field ?? "")", error.message)
            }
        }
    }

    /// `samples`: `{source, price, timeNanoseconds?}`, a sample without a time taken as observed
    /// `now` (the engine's clock); errors name the sample.
    func oracleSamples(now: Timestamp) throws -> [OracleSample] {
        try objects("samples", max: 2 * Limits.oracleSourcesPerMarket, allowed: ["source", "price", "timeNanoseconds"])
            .enumerated().map { index, sample in
                do {
                    let time =
                        sample.has("timeNanoseconds")
                        ? Timestamp(nanoseconds: try sample.int("timeNanoseconds", in: 0...Int64.max)) : now
                    let price = try sample.price("price")
                    guard price.atoms > 0 else { throw APIError.invalid("price", "expected a positive price") }
                    return OracleSample(
                        source: SourceID(try sample.id("source", as: UInt32.self)), price: price, time: time)
                } catch let error as APIError {
                    throw APIError.invalid("samples[\(index)].\(error.field ?? "")", error.message)
                }
            }
    }
}
