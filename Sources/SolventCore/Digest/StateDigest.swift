import Crypto

/// The SHA-256 state digest: anyone who replays the journal gets the same 32 bytes, so a venue
/// can prove that the engine computed every margin from the same inputs (DESIGN.md §4).
///
/// Encoding, in order: a format tag; the last sequence and time; assets by creation order (spec,
/// price and time, insurance fund, fee pool, dust, outside); markets by creation order (spec,
/// parameters, prices, settled flag); accounts by opening order (id, balances by asset, settings
/// and positions by market); pools in margin call or liquidation; open auctions; the latest
/// recorded commitment root (sequence and hash); the portfolio margin rules (format 4, with
/// option terms, smiles and account margin models; format 6 adds the VaR models' λ, degrees,
/// draws and seed, and the spread credits); the remembered command ids, oldest first. Scan-table rows are
/// derived bookkeeping and are not part of it.
extension Engine {
    public static let digestFormat: UInt32 = 6

    /// - Parameter includingClock: false leaves out the sequence number and time, to compare the
    ///   business state before and after a rejected input (which consumes a sequence number only).
    public func digest(includingClock: Bool = true) -> [UInt8] {
        var encoder = CanonicalEncoder(reserving: 256 + accounts.count * 96)
        encoder.write(Engine.digestFormat)
        if includingClock {
            encoder.write(lastSequence)
            encoder.write(now.nanoseconds)
        }
        encoder.write(assets.count)
        for asset in assets { encode(asset, into: &encoder) }
        encoder.write(markets.count)
        for market in markets { encode(market, into: &encoder) }
        encoder.write(accounts.count)
        for account in accounts { encode(account, into: &encoder) }
        encode(alerts, into: &encoder)
        encoder.write(auctions.count)
        for auction in auctions {
            encoder.write(auction.id)
            encoder.write(auction.account.rawValue)
            encoder.write(Int64(auction.market.rawValue))
            encoder.write(auction.long)
            encoder.write(auction.lot)
            encoder.write(auction.startMark)
            encoder.write(auction.clock.top)
            encoder.write(auction.clock.start.nanoseconds)
        }
        encoder.write(latestCommitment != nil)
        if let root = latestCommitment {
            encoder.write(root.sequence)
            encoder.write(root.hash)
        }
        encoder.write(portfolioMargin.scenarios.count)
        for scenario in portfolioMargin.scenarios {
            encoder.write(scenario.move.atoms)
            encoder.write(scenario.volatilityShock.atoms)
            encoder.write(scenario.weight.atoms)
        }
        for value in [
            portfolioMargin.shortVegaPower.atoms, portfolioMargin.longVegaPower.atoms, portfolioMargin.floorDays,
            portfolioMargin.maintenanceFactor.atoms,
        ] {
            encoder.write(value)
        }
        encoder.write(varMargin.series.count)
        for entry in varMargin.series {
            encoder.write(Int64(entry.market.rawValue))
            encoder.write(entry.moves.count)
            for move in entry.moves { encoder.write(move.atoms) }
        }
        encoder.write(varMargin.confidence.atoms)
        encoder.write(varMargin.measure.rawValue)
        encoder.write(varMargin.maintenanceFactor.atoms)
        for value in [varMargin.lambda.atoms, varMargin.degrees, varMargin.draws] { encoder.write(value) }
        encoder.write(varMargin.seed)
        encoder.write(spreadCredits.spreads.count)
        for spread in spreadCredits.spreads {
            for value in [
                Int64(spread.first.rawValue), Int64(spread.second.rawValue), spread.firstRatio.atoms,
                spread.secondRatio.atoms,
                spread.creditRate.atoms,
            ] { encoder.write(value) }
        }
        for value in [
            spanMargin.priceScanRange.atoms, spanMargin.volatilityScanRange.atoms, spanMargin.extremeMove.atoms,
            spanMargin.coveredFraction.atoms, spanMargin.lookaheadDays, spanMargin.shortOptionMinimum.atoms,
            spanMargin.maintenanceFactor.atoms, greeksMargin.deltaMove.atoms, greeksMargin.gammaMove.atoms,
            greeksMargin.volatilityShock.atoms, greeksMargin.maintenanceFactor.atoms,
        ] {
            encoder.write(value)
        }
        encoder.write(greeksMargin.vegaOffsetsAcrossExpiries)
        let remembered = recentCommands.inOrder
        encoder.write(remembered.count)
        for id in remembered { encoder.write(id.rawValue) }
        if let venue { encode(venue, into: &encoder) }
        return Array(SHA256.hash(data: encoder.bytes))
    }

    private func encode(_ asset: AssetState, into encoder: inout CanonicalEncoder) {
        encoder.write(asset.spec.id.rawValue)
        encoder.write(asset.spec.symbol)
        encoder.write(asset.spec.scale)
        encoder.write(asset.spec.priceMaxAge)
        encoder.write(asset.spec.collateralTiers.count)
        for tier in asset.spec.collateralTiers {
            encoder.write(tier.quantityCap?.atoms)
            encoder.write(tier.ratio.atoms)
        }
        encoder.write(asset.price)
        encoder.write(asset.priceTime.nanoseconds)
        encoder.write(asset.insuranceFund)
        encoder.write(asset.feePool)
        encoder.write(asset.dust)
        encoder.write(asset.outside)
        encoder.write(asset.deficit)
        // Written only for assets that have a collateral oracle, after a tag, so the digests of
        // assets priced directly are what they were.
        if let oracle = asset.oracle {
            encoder.write(UInt32(0xC011))
            encode(oracle.config, into: &encoder)
            encoder.write(oracle.frozen)
            encoder.write(oracle.goodUpdatesSinceFreeze)
            encoder.write(oracle.index)
        }
    }

    private func encode(_ market: MarketState, into encoder: inout CanonicalEncoder) {
        let spec = market.spec
        encoder.write(spec.id.rawValue)
        encoder.write(spec.symbol)
        encoder.write(spec.kind.rawValue)
        encoder.write(spec.expiry?.nanoseconds)
        encoder.write(spec.settleAsset.rawValue)
        encoder.write(spec.contractSize.atoms)
        encoder.write(spec.tickSize.atoms)
        encoder.write(spec.lotSize.atoms)
        encoder.write(spec.option != nil)
        if let option = spec.option {
            encoder.write(option.right.rawValue)
            encoder.write(option.strike.atoms)
            encoder.write(Int64(option.underlying.rawValue))
            encoder.write(option.premium.rawValue)
            encoder.write(option.standardMargin.base.atoms)
            encoder.write(option.standardMargin.floor.atoms)
            encoder.write(option.standardMargin.maintenance.atoms)
            encoder.write(market.optionVolatility)
        }
        encoder.write(market.smiles.count)
        for smile in market.smiles {
            encoder.write(smile.expiry.nanoseconds)
            encoder.write(smile.strikes.count)
            for (strike, volatility) in zip(smile.strikes, smile.volatilities) {
                encoder.write(strike.atoms)
                encoder.write(volatility.atoms)
            }
        }
        let parameters = market.parameters
        switch parameters.margin {
        case .tiered(let table):
            encoder.write(UInt32(1))
            encoder.write(table.deductsMaintenanceAmount)
            encoder.write(table.tiers.count)
            for tier in table.tiers {
                encoder.write(tier.notionalCap?.atoms)
                encoder.write(tier.initialRate.atoms)
                encoder.write(tier.maintenanceRate.atoms)
            }
        case .sizeScaled(let initialBase, let maintenanceBase, let perContract):
            encoder.write(UInt32(2))
            encoder.write(initialBase.atoms)
            encoder.write(maintenanceBase.atoms)
            encoder.write(perContract.atoms)
        }
        encoder.write(parameters.feeMakerRate.atoms)
        encoder.write(parameters.feeTakerRate.atoms)
        encoder.write(parameters.fundingInterval)
        encoder.write(parameters.priceMaxAge)
        encoder.write(parameters.marginCallRatio.atoms)
        encoder.write(parameters.liquidationExitBuffer.atoms)
        encoder.write(market.mark)
        encoder.write(market.markTime.nanoseconds)
        encoder.write(market.index)
        encoder.write(market.settled)
        encoder.write(market.oracle != nil)
        if let oracle = market.oracle { encode(oracle, into: &encoder) }
        encoder.write(market.backstops.count)
        for backstop in market.backstops {
            encoder.write(backstop.account.rawValue)
            encoder.write(backstop.capacity)
        }
        encoder.write(market.fundDrawWindowStart.nanoseconds)
        encoder.write(market.fundDrawnInWindow)
        encoder.write(market.fundDrawnTotal)
        encoder.write(market.liquidation != nil)
        if let liquidation = market.liquidation {
            // The parameters' canonical text form: every field, in declaration order.
            encoder.write(String(describing: liquidation))
        }
        // Written only for dated futures that have it, so the digests of perpetuals and of
        // futures declared before the settlement window are what they were.
        if market.spec.expiry != nil, let window = parameters.settlementWindow {
            encoder.write(UInt32(0x5E77))
            encoder.write(window)
        }
        if let average = market.settlementAverage {
            encoder.write(Int64(truncatingIfNeeded: average.weighted >> 64))
            encoder.write(Int64(truncatingIfNeeded: average.weighted))
            encoder.write(average.covered)
            encoder.write(average.price)
            encoder.write(average.since.nanoseconds)
        }
    }

    private func encode(_ state: OracleState, into encoder: inout CanonicalEncoder) {
        let config = state.config
        encoder.write(config.sources.count)
        for source in config.sources {
            encoder.write(source.id.rawValue)
            encoder.write(source.weight)
        }
        encoder.write(config.aggregation.rawValue)
        for value in [
            config.sampleMaxAge, config.band.atoms, Int64(config.minimumSources), Int64(config.resumeAfterGoodUpdates),
            config.markBand.atoms, config.basisTimeConstant, config.priceMoveThreshold.atoms, config.priceMoveWindow,
            config.priceMoveCoolDown, config.fundingInterestRate.atoms, config.fundingPremiumClamp.atoms,
            config.fundingCap.atoms, config.liquidationDepth, config.liquidationDepthFraction.atoms,
            config.liquidationWindow,
        ] {
            encoder.write(value)
        }
        switch config.priceMoveMode {
        case .pause: encoder.write(Int64(-1))
        case .slow(let fraction): encoder.write(fraction.atoms)
        }
        encoder.write(state.basis.numerator.bitPattern)
        encoder.write(state.basis.denominator.bitPattern)
        encoder.write(state.basisTime?.nanoseconds)
        encoder.write(state.frozen)
        encoder.write(state.goodUpdatesSinceFreeze)
        encoder.write(state.priceMoveUntil?.nanoseconds)
        for window in [state.windowHighs, state.windowLows] {
            encoder.write(window.count)
            for point in window {
                encoder.write(point.time.nanoseconds)
                encoder.write(point.mark)
            }
        }
        encoder.write(state.premiumSum)
        encoder.write(state.premiumCount)
        encoder.write(state.lastFundingTime.nanoseconds)
        encoder.write(state.limiter.windowStart.nanoseconds)
        encoder.write(state.limiter.liquidatedInWindow)
    }

    private func encode(_ account: Account, into encoder: inout CanonicalEncoder) {
        encoder.write(account.id.rawValue)
        encoder.write(account.marginModel.rawValue)
        encoder.write(account.balances.count)
        for balance in account.balances {
            encoder.write(balance.assetIndex)
            encoder.write(balance.atoms)
        }
        encoder.write(account.settings.count)
        for setting in account.settings {
            encoder.write(setting.marketIndex)
            encoder.write(setting.leverage)
            encoder.write(setting.isolated)
        }
        encoder.write(account.positions.count)
        for position in account.positions {
            encoder.write(position.marketIndex)
            encoder.write(position.size)
            encoder.write(position.cost)
            encoder.write(position.isolated)
            encoder.write(position.isolatedMargin)
            encoder.write(position.realizedPnl)
            encoder.write(position.fundingPnl)
        }
    }

    private func encode(_ config: CollateralOracleConfig, into encoder: inout CanonicalEncoder) {
        encoder.write(config.sources.count)
        for source in config.sources {
            encoder.write(source.id.rawValue)
            encoder.write(source.weight)
        }
        encoder.write(config.aggregation.rawValue)
        encoder.write(config.sampleMaxAge)
        encoder.write(config.band.atoms)
        encoder.write(config.minimumSources)
        encoder.write(config.resumeAfterGoodUpdates)
        encoder.write(config.maxRisePerHour.atoms)
    }

    /// One account's digest: its balances, settings and positions and its pools' flags, the
    /// same whichever engine holds it (a venue's shards are compared account by account with
    /// one engine run on the same inputs). Nil for an unknown account.
    public func digestHex(of id: AccountID) -> String? {
        guard let account = account(id) else { return nil }
        var encoder = CanonicalEncoder(reserving: 256)
        encode(account, into: &encoder)
        let flags = alerts.filter { $0.pool.account == id }
        encoder.write(flags.count)
        for (pool, alert) in flags {
            encoder.write(Int64(pool.isolatedMarket?.rawValue ?? 0))
            encoder.write(alert.rawValue)
        }
        return Array(SHA256.hash(data: encoder.bytes)).hexString
    }

    /// A venue's shard only: an engine on its own digests as before shards existed.
    private func encode(_ venue: VenueShard, into encoder: inout CanonicalEncoder) {
        encoder.write(venue.shard)
        encoder.write(venue.shards)
        encoder.write(venue.holdsLiquidation)
        encoder.write(venue.reservations.count)
        for reservation in venue.reservations {
            encoder.write(reservation.id)
            encoder.write(reservation.account.rawValue)
            encoder.write(Int64(reservation.market.rawValue))
            encoder.write(reservation.long)
            encoder.write(reservation.size)
        }
    }

    /// The digest as lowercase hex.
    public func digestHex() -> String {
        digest().map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
        }.joined()
    }

    private func encode(_ alerts: [(pool: PoolKey, alert: MarginAlert)], into encoder: inout CanonicalEncoder) {
        encoder.write(alerts.count)
        for (pool, alert) in alerts {
            encoder.write(pool.account.rawValue)
            encoder.write(Int64(pool.isolatedMarket?.rawValue ?? 0))
            encoder.write(alert.rawValue)
        }
    }
}
