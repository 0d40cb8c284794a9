import OpenAPIRuntime
import SolventCore

/// The generated operations that configure the venue (admin): assets, markets and their risk
/// parameters, option markets, and the oracles that price them. A field left out takes the
/// default the document states.
extension GeneratedOperations {
    func createAsset(_ input: Operations.CreateAsset.Input) async throws -> Operations.CreateAsset.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let scale = Int(try FieldValue.integer(body.scale, field: "scale", in: 0...12))
        // No tiers: the asset counts at 100 % (`AssetSpec.collateralTiers`).
        let tiers =
            try body.collateralTiers.map {
                try FieldValue.elements($0, field: "collateralTiers", max: 16) { tier, path in
                    CollateralTier(
                        quantityCap: try tier.cap.map {
                            Amount(atoms: try FieldValue.decimal($0.text, field: "\(path).cap", scale: scale))
                        },
                        ratio: try FieldValue.rate(tier.ratio, field: "\(path).ratio"))
                }
            } ?? []
        let spec = AssetSpec(
            id: AssetID(body.id.value), symbol: try FieldValue.name(body.symbol, field: "symbol"), scale: scale,
            collateralTiers: tiers,
            priceMaxAgeSeconds: try FieldValue.integer(
                body.priceMaxAgeSeconds, field: "priceMaxAgeSeconds", default: 60, in: 1...31_536_000))
        return .ok(.init(body: .json(try await service.write(.createAsset(spec)))))
    }

    func createMarket(_ input: Operations.CreateMarket.Input) async throws -> Operations.CreateMarket.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let settle = AssetID(body.settleAsset.value)
        guard let scale = await service.engine.read({ $0.asset(settle)?.spec.scale }) else {
            throw APIError.invalid("settleAsset", "unknown asset")
        }
        let kind: InstrumentKind = try body.kind.map { try FieldValue.choice($0, field: "kind") } ?? .linear
        // A dated future: its expiry in Unix seconds (absent: a perpetual).
        let expiry = try body.expirySeconds.map {
            Timestamp(
                nanoseconds: try FieldValue.integer($0, field: "expirySeconds", in: 1...4_102_444_800) * 1_000_000_000)
        }
        let spec = MarketSpec(
            id: MarketID(body.id.value), symbol: try FieldValue.name(body.symbol, field: "symbol"), kind: kind,
            expiry: expiry, settleAsset: settle,
            contractSize: try FieldValue.quantity(body.contractSize.text, field: "contractSize"),
            tickSize: try FieldValue.price(body.tickSize.text, field: "tickSize"),
            lotSize: try FieldValue.quantity(body.lotSize.text, field: "lotSize"))
        let parameters = RiskParameters(
            margin: .tiered(try FieldValue.tierTable(body.tiers, scale: scale)),
            fundingIntervalSeconds: try FieldValue.integer(
                body.fundingIntervalSeconds, field: "fundingIntervalSeconds", default: 8 * 3_600, in: 0...86_400 * 7),
            priceMaxAgeSeconds: try FieldValue.integer(
                body.priceMaxAgeSeconds, field: "priceMaxAgeSeconds", default: 60, in: 1...31_536_000),
            settlementWindowSeconds: try FieldValue.integer(
                body.settlementWindowSeconds, field: "settlementWindowSeconds", default: 1_800, in: 0...604_800))
        return .ok(.init(body: .json(try await service.write(.createMarket(spec, parameters)))))
    }

    /// The settlement window stays as it is unless the body sets it: changing fees must not turn
    /// one on (or off) by default.
    func setRiskParameters(
        _ input: Operations.SetRiskParameters.Input
    ) async throws -> Operations.SetRiskParameters.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let market = MarketID(input.path.market.value)
        let scale = try await service.settleScale(ofPathMarket: market)
        let window = await service.engine.read { $0.market(market)?.parameters.settlementWindow }
        var parameters = RiskParameters(
            margin: .tiered(try FieldValue.tierTable(body.tiers, scale: scale)),
            feeMakerRate: try FieldValue.rate(body.feeMakerRate, field: "feeMakerRate", default: "0"),
            feeTakerRate: try FieldValue.rate(body.feeTakerRate, field: "feeTakerRate", default: "0"),
            fundingIntervalSeconds: try FieldValue.integer(
                body.fundingIntervalSeconds, field: "fundingIntervalSeconds", default: 8 * 3_600, in: 0...86_400 * 7),
            priceMaxAgeSeconds: try FieldValue.integer(
                body.priceMaxAgeSeconds, field: "priceMaxAgeSeconds", default: 60, in: 1...31_536_000),
            marginCallRatio: try FieldValue.rate(body.marginCallRatio, field: "marginCallRatio", default: "0.8"),
            liquidationExitBuffer: try FieldValue.rate(
                body.liquidationExitBuffer, field: "liquidationExitBuffer", default: "0.1"))
        parameters.settlementWindow =
            try body.settlementWindowSeconds.map {
                try FieldValue.integer($0, field: "settlementWindowSeconds", in: 0...604_800) * 1_000_000_000
            } ?? window
        return .ok(.init(body: .json(try await service.write(.setRiskParameters(market: market, parameters)))))
    }

    /// A market with `OptionTerms` (`MarketSpec.option`): always linear (valued at the premium)
    /// and dated. The engine checks the underlying (known, not an option, not expiring first).
    func createOptionMarket(
        _ input: Operations.CreateOptionMarket.Input
    ) async throws -> Operations.CreateOptionMarket.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let settle = AssetID(body.settleAsset.value)
        guard let scale = await service.engine.read({ $0.asset(settle)?.spec.scale }) else {
            throw APIError.invalid("settleAsset", "unknown asset")
        }
        let defaults = OptionTerms.StandardMarginRates()
        let terms = OptionTerms(
            right: try FieldValue.choice(body.right, field: "right"),
            strike: try FieldValue.price(body.strike.text, field: "strike"),
            underlying: MarketID(body.underlying.value),
            premium: try body.premium.map { try FieldValue.choice($0, field: "premium") } ?? .quote,
            standardMargin: .init(
                base: try FieldValue.rate(body.standardMarginBase, field: "standardMarginBase", default: defaults.base),
                floor: try FieldValue.rate(
                    body.standardMarginFloor, field: "standardMarginFloor", default: defaults.floor),
                maintenance: try FieldValue.rate(
                    body.standardMarginMaintenance, field: "standardMarginMaintenance", default: defaults.maintenance)))
        let expiry = try FieldValue.integer(body.expirySeconds, field: "expirySeconds", in: 1...4_102_444_800)
        let spec = MarketSpec(
            id: MarketID(body.id.value), symbol: try FieldValue.name(body.symbol, field: "symbol"), kind: .linear,
            expiry: Timestamp(nanoseconds: expiry * 1_000_000_000), settleAsset: settle,
            contractSize: try FieldValue.quantity(body.contractSize.text, field: "contractSize"),
            tickSize: try FieldValue.price(body.tickSize.text, field: "tickSize"),
            lotSize: try FieldValue.quantity(body.lotSize.text, field: "lotSize"), option: terms)
        let parameters = RiskParameters(
            margin: .tiered(try FieldValue.tierTable(body.tiers, scale: scale)),
            priceMaxAgeSeconds: try FieldValue.integer(
                body.priceMaxAgeSeconds, field: "priceMaxAgeSeconds", default: 60, in: 1...31_536_000),
            settlementWindowSeconds: try FieldValue.integer(
                body.settlementWindowSeconds, field: "settlementWindowSeconds", default: 1_800, in: 0...604_800))
        return .ok(.init(body: .json(try await service.write(.createMarket(spec, parameters)))))
    }

    /// One funding payment at an explicit rate (longs pay shorts when positive), for a venue whose
    /// funding rate is computed outside the engine.
    func settleFunding(_ input: Operations.SettleFunding.Input) async throws -> Operations.SettleFunding.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let command = Command.settleFunding(
            market: MarketID(input.path.market.value), rate: try FieldValue.rate(body.rate, field: "rate"))
        return .ok(.init(body: .json(try await service.write(command))))
    }
}
