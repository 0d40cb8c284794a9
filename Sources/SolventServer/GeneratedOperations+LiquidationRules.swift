import OpenAPIRuntime
import SolventCore

/// `PUT /v1/markets/{market}/liquidation` (admin): how a market's positions are liquidated (the
/// mechanism and its rules), who bears what the insurance fund cannot, the keeper reward and the
/// cap on the fund's draws.
extension GeneratedOperations {
    typealias LiquidationBody = Operations.ConfigureLiquidation.Input.Body.JsonPayload

    func configureLiquidation(
        _ input: Operations.ConfigureLiquidation.Input
    ) async throws -> Operations.ConfigureLiquidation.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let market = MarketID(input.path.market.value)
        let scale = try await service.settleScale(ofPathMarket: market)
        try Self.refuseUnusedRules(body)
        let mechanism: LiquidationParameters.Mechanism
        switch body.mechanism ?? .orderbook {
        case .orderbook: mechanism = .orderBook
        case .backstop:
            mechanism = .backstop(
                priceShare: try FieldValue.rate(body.backstopPriceShare, field: "backstopPriceShare", default: "0.5"))
        case .auction: mechanism = .auction(try Self.auctionRules(body, settleScale: scale))
        }
        var parameters = LiquidationParameters(
            depth: .squareRoot(
                depth: try FieldValue.amount(
                    body.depthNotional, field: "depthNotional", scale: scale, default: 1_000_000_000_000_000),
                coefficient: try FieldValue.rate(body.depthCoefficient, field: "depthCoefficient", default: "0.01")),
            penaltyRate: try FieldValue.rate(body.penaltyRate, field: "penaltyRate", default: "0.005"),
            clearanceFeeRate: try FieldValue.rate(body.clearanceFeeRate, field: "clearanceFeeRate", default: "0.001"),
            target: .maintenancePlusBuffer(
                try FieldValue.rate(body.targetBuffer, field: "targetBuffer", default: "0.1")),
            stepFraction: try FieldValue.rate(body.stepFraction, field: "stepFraction", default: "0.5"),
            dustNotional: try FieldValue.amount(body.dustNotional, field: "dustNotional", scale: scale, default: 0),
            lossAllocation: try Self.lossAllocation(body), mechanism: mechanism)
        try Self.readIncentives(body, settleScale: scale, into: &parameters)
        let command = Command.configureLiquidation(market: market, parameters)
        return .ok(.init(body: .json(try await service.write(command))))
    }

    /// A Dutch auction's rules (Maker's Clipper defaults: start 5 % above the mark, a stair-step
    /// curve cutting 1 % every 10 s, reset after 30 min or below 40 %).
    static func auctionRules(_ body: LiquidationBody, settleScale scale: Int) throws -> DutchAuctionRules {
        let curve: AuctionCurve
        switch body.auctionCurve ?? .stairstep {
        case .linear:
            let duration = try FieldValue.integer(
                body.auctionDurationSeconds, field: "auctionDurationSeconds", default: 600, in: 1...86_400 * 30)
            curve = .linear(duration: duration * 1_000_000_000)
        case .stairstep:
            let step = try FieldValue.integer(
                body.auctionStepSeconds, field: "auctionStepSeconds", default: 10, in: 1...86_400)
            curve = .stairstepExponential(
                cut: try FieldValue.rate(body.auctionCut, field: "auctionCut", default: "0.99"),
                step: step * 1_000_000_000)
        case .exponential:
            curve = .exponential(
                cutPerSecond: try FieldValue.rate(body.auctionCut, field: "auctionCut", default: "0.999"))
        }
        return DutchAuctionRules(
            buffer: try FieldValue.rate(body.auctionBuffer, field: "auctionBuffer", default: "1.05"), curve: curve,
            tailSeconds: try FieldValue.integer(
                body.auctionTailSeconds, field: "auctionTailSeconds", default: 1_800, in: 1...86_400 * 30),
            cusp: try FieldValue.rate(body.auctionCusp, field: "auctionCusp", default: "0.4"),
            tipFlat: try FieldValue.amount(body.auctionTipFlat, field: "auctionTipFlat", scale: scale, default: 0),
            chip: try FieldValue.rate(body.auctionChip, field: "auctionChip", default: "0.001"),
            dust: try FieldValue.amount(body.auctionDust, field: "auctionDust", scale: scale, default: 0))
    }

    /// A rule of another mechanism or curve than the body's is refused, naming it: it would be
    /// ignored, and the operator would believe it set.
    static func refuseUnusedRules(_ body: LiquidationBody) throws {
        let mechanism = body.mechanism ?? .orderbook
        let auction: [(String, Bool)] = [
            ("auctionBuffer", body.auctionBuffer != nil), ("auctionCurve", body.auctionCurve != nil),
            ("auctionDurationSeconds", body.auctionDurationSeconds != nil), ("auctionCut", body.auctionCut != nil),
            ("auctionStepSeconds", body.auctionStepSeconds != nil),
            ("auctionTailSeconds", body.auctionTailSeconds != nil), ("auctionCusp", body.auctionCusp != nil),
            ("auctionTipFlat", body.auctionTipFlat != nil), ("auctionChip", body.auctionChip != nil),
            ("auctionDust", body.auctionDust != nil),
        ]
        if mechanism != .auction, let (field, _) = auction.first(where: \.1) {
            throw APIError.invalid(field, "only with mechanism auction")
        }
        if mechanism != .backstop, body.backstopPriceShare != nil {
            throw APIError.invalid("backstopPriceShare", "only with mechanism backstop")
        }
        let curve = body.auctionCurve ?? .stairstep
        if curve != .linear, body.auctionDurationSeconds != nil {
            throw APIError.invalid("auctionDurationSeconds", "only with auctionCurve linear")
        }
        if curve != .stairstep, body.auctionStepSeconds != nil {
            throw APIError.invalid("auctionStepSeconds", "only with auctionCurve stairstep")
        }
        if curve == .linear, body.auctionCut != nil {
            throw APIError.invalid("auctionCut", "only with auctionCurve stairstep or exponential")
        }
    }

    /// Who bears what the fund cannot: `adl` (ranked by `adlRanking`, visiting at most
    /// `adlMaximumCounterparties`, default 64), `socialized` or `venue`. The engine's candidates
    /// carry what profit × leverage needs (values at mark, entry and bankruptcy), not the wallet
    /// balance, margin ratio and account value other venues' scores read, so that is the one
    /// ranking the document offers.
    static func lossAllocation(_ body: LiquidationBody) throws -> LiquidationParameters.LossAllocation {
        let allocation = body.lossAllocation ?? .adl
        if allocation != .adl {
            if body.adlRanking != nil { throw APIError.invalid("adlRanking", "only with lossAllocation adl") }
            if body.adlMaximumCounterparties != nil {
                throw APIError.invalid("adlMaximumCounterparties", "only with lossAllocation adl")
            }
        }
        switch allocation {
        case .adl:
            let ranking: AutoDeleveraging.Ranking =
                try body.adlRanking.map { try FieldValue.choice($0, field: "adlRanking") } ?? .profitTimesLeverage
            let maximum = try FieldValue.integer(
                body.adlMaximumCounterparties, field: "adlMaximumCounterparties", default: 64,
                in: 1...Int64(Limits.deleveragingCounterparties))
            return .autoDeleveraging(ranking: ranking, maximumCounterparties: Int(maximum))
        case .socialized: return .socialized
        case .venue: return .venue
        }
    }

    /// The keeper reward (`keeperRewardFlat` in the settlement asset plus `keeperRewardRate` of
    /// the closed notional; none by default) and the cap on the market's insurance-fund draws
    /// (`fundDrawCapPerInterval` per `fundDrawCapIntervalSeconds`, both or neither, and an
    /// optional lifetime `fundDrawCapTotal`; none by default: the whole fund).
    static func readIncentives(
        _ body: LiquidationBody, settleScale scale: Int, into parameters: inout LiquidationParameters
    ) throws {
        parameters.keeperReward = .init(
            flat: try FieldValue.amount(body.keeperRewardFlat, field: "keeperRewardFlat", scale: scale, default: 0),
            rate: try FieldValue.rate(body.keeperRewardRate, field: "keeperRewardRate", default: .zero))
        switch (body.fundDrawCapPerInterval, body.fundDrawCapIntervalSeconds) {
        case (nil, nil):
            if body.fundDrawCapTotal != nil {
                throw APIError.invalid(
                    "fundDrawCapTotal", "needs fundDrawCapPerInterval and fundDrawCapIntervalSeconds")
            }
        case (let perInterval?, let interval?):
            // The engine counts the window in nanoseconds: ten years keeps that within 64 bits.
            parameters.fundDrawCap = .init(
                perInterval: try FieldValue.decimal(perInterval.text, field: "fundDrawCapPerInterval", scale: scale),
                intervalSeconds: try FieldValue.integer(
                    interval, field: "fundDrawCapIntervalSeconds", in: 1...315_360_000),
                total: try body.fundDrawCapTotal.map {
                    try FieldValue.decimal($0.text, field: "fundDrawCapTotal", scale: scale)
                })
        case (nil, _?):
            throw APIError.invalid(
                "fundDrawCapPerInterval", "fundDrawCapPerInterval and fundDrawCapIntervalSeconds go together")
        case (_?, nil):
            throw APIError.invalid(
                "fundDrawCapIntervalSeconds", "fundDrawCapPerInterval and fundDrawCapIntervalSeconds go together")
        }
    }
}
