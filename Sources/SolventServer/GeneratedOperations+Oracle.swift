import OpenAPIRuntime
import SolventCore

/// The generated operations of the oracles: a market's or a collateral asset's sources and rules
/// (admin), their samples and the volatility smiles (oracle).
extension GeneratedOperations {
    func configureOracle(_ input: Operations.ConfigureOracle.Input) async throws -> Operations.ConfigureOracle.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let sources = try Self.sources(body.sources.map { ($0.id, $0.weight) })
        let config = OracleConfig(
            sources: sources,
            sampleMaxAgeSeconds: try FieldValue.integer(
                body.sampleMaxAgeSeconds, field: "sampleMaxAgeSeconds", default: 60, in: 1...86_400),
            band: try FieldValue.rate(body.band, field: "band", default: "0.05"),
            minimumSources: try Self.minimumSources(body.minimumSources, of: sources),
            markBand: try FieldValue.rate(body.markBand, field: "markBand", default: "0.03"),
            priceMoveThreshold: try FieldValue.rate(
                body.priceMoveThreshold, field: "priceMoveThreshold", default: "0.1"),
            priceMoveWindowSeconds: try FieldValue.integer(
                body.priceMoveWindowSeconds, field: "priceMoveWindowSeconds", default: 300, in: 1...86_400),
            priceMoveCoolDownSeconds: try FieldValue.integer(
                body.priceMoveCoolDownSeconds, field: "priceMoveCoolDownSeconds", default: 300, in: 0...86_400))
        let command = Command.configureOracle(market: MarketID(input.path.market.value), config)
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// Once an asset has an oracle, `POST /v1/index-prices` is refused for it.
    func configureCollateralOracle(
        _ input: Operations.ConfigureCollateralOracle.Input
    ) async throws -> Operations.ConfigureCollateralOracle.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let sources = try Self.sources(body.sources.map { ($0.id, $0.weight) })
        let config = CollateralOracleConfig(
            sources: sources,
            sampleMaxAgeSeconds: try FieldValue.integer(
                body.sampleMaxAgeSeconds, field: "sampleMaxAgeSeconds", default: 60, in: 1...86_400),
            band: try FieldValue.rate(body.band, field: "band", default: "0.05"),
            minimumSources: try Self.minimumSources(body.minimumSources, of: sources),
            resumeAfterGoodUpdates: Int(
                try FieldValue.integer(
                    body.resumeAfterGoodUpdates, field: "resumeAfterGoodUpdates", default: 2, in: 1...1_000)),
            maxRisePerHour: try FieldValue.rate(body.maxRisePerHour, field: "maxRisePerHour", default: "0.05"))
        let command = Command.configureCollateralOracle(asset: AssetID(input.path.asset.value), config)
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func postOracleSamples(
        _ input: Operations.PostOracleSamples.Input
    ) async throws -> Operations.PostOracleSamples.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let now = await service.engine.read { $0.now }
        let command = Command.updateOracle(
            market: MarketID(body.market.value),
            samples: try Self.samples(body.samples.map { ($0.source, $0.price, $0.timeNanoseconds) }, now: now),
            last: try body.last.map { try FieldValue.price($0.text, field: "last") },
            mid: try body.mid.map { try FieldValue.price($0.text, field: "mid") })
        return .ok(.init(body: .json(try await service.write(command))))
    }

    func postCollateralSamples(
        _ input: Operations.PostCollateralSamples.Input
    ) async throws -> Operations.PostCollateralSamples.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let now = await service.engine.read { $0.now }
        let command = Command.updateCollateralOracle(
            asset: AssetID(body.asset.value),
            samples: try Self.samples(body.samples.map { ($0.source, $0.price, $0.timeNanoseconds) }, now: now))
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// The oracle publishes smiles: they are market data fitted to option prices (as marks are
    /// fitted to trades), they re-mark every option of that expiry and so can start margin calls,
    /// and the key that feeds prices is the one that runs next to the fitter. An admin key cannot.
    func setVolatilitySmile(
        _ input: Operations.SetVolatilitySmile.Input
    ) async throws -> Operations.SetVolatilitySmile.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let expiry = try FieldValue.integer(body.expirySeconds, field: "expirySeconds", in: 1...4_102_444_800)
        let smile = VolatilitySmile(
            expiry: Timestamp(nanoseconds: expiry * 1_000_000_000),
            strikes: try FieldValue.elements(body.strikes, field: "strikes", max: Limits.smilePoints, of: "decimals") {
                try FieldValue.price($0.text, field: $1)
            },
            volatilities: try FieldValue.elements(
                body.volatilities, field: "volatilities", max: Limits.smilePoints, of: "decimals"
            ) { try FieldValue.rate($0, field: $1) })
        let command = Command.setVolatilitySmile(underlying: MarketID(body.underlying.value), smile)
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// `sources`: 1 to `Limits.oracleSourcesPerMarket` of `{id, weight?}` (weight 1 by default).
    static func sources(_ items: [(id: APIID32, weight: Int?)]) throws -> [OracleConfig.Source] {
        try FieldValue.elements(items, field: "sources", max: Limits.oracleSourcesPerMarket) { source, path in
            OracleConfig.Source(
                id: SourceID(source.id.value),
                weight: try FieldValue.integer(source.weight, field: "\(path).weight", default: 1, in: 1...1_000_000))
        }
    }

    /// How many sources an aggregate needs: 1 to all of them, two by default (one if there is one).
    static func minimumSources(_ value: Int?, of sources: [OracleConfig.Source]) throws -> Int {
        Int(
            try FieldValue.integer(
                value, field: "minimumSources", default: Int64(min(2, sources.count)), in: 1...Int64(sources.count)))
    }

    /// `samples`: `{source, price, timeNanoseconds?}`, a sample without a time taken as observed
    /// `now` (the engine's clock).
    static func samples(
        _ items: [(source: APIID32, price: APIDecimal, time: Int?)], now: Timestamp
    ) throws -> [OracleSample] {
        try FieldValue.elements(items, field: "samples", max: 2 * Limits.oracleSourcesPerMarket) { sample, path in
            let price = try FieldValue.price(sample.price.text, field: "\(path).price")
            guard price.atoms > 0 else { throw APIError.invalid("\(path).price", "expected a positive price") }
            let time = try sample.time.map {
                Timestamp(nanoseconds: try FieldValue.integer($0, field: "\(path).timeNanoseconds", in: 0...Int64.max))
            }
            return OracleSample(source: SourceID(sample.source.value), price: price, time: time ?? now)
        }
    }
}
