import Foundation
import Hummingbird
import SolventCore

/// An asset as any key may read it: its declaration, its credited price and its collateral oracle
/// (the oracle's configuration and samples are generated operations:
/// `GeneratedOperations+Oracle.swift`).
extension SolventService {
    func addAssetRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.get("/v1/assets/:asset") { request, context in
            _ = try await service.require(request, Set(Role.allCases))
            let asset = AssetID(try context.parameters.require("asset", as: UInt32.self))
            let view = await service.engine.read { engine in
                engine.asset(asset).map { JSON.data(Self.assetView($0, now: engine.now)) }
            }
            guard let view else { throw APIError.notFound("asset \(asset)") }
            return JSON.response(data: view)
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
