/// Index and mark prices from several sources, the basis EMA, funding from the premium, and the
/// circuit breakers (DESIGN.md §5.8: never a liquidation on a single bad print); and a mark set
/// directly, for a market without an oracle.
extension Engine {
    func planSetMarkPrice(_ market: MarketID, _ mark: Price, _ index: Price?) -> Result<[Event], Rejection> {
        if case .failure(let rejection) = marketIndex(market, field: "market") { return .failure(rejection) }
        guard mark.atoms > 0 else {
            return .failure(Rejection(.nonPositivePrice, field: "mark", "expected a positive price"))
        }
        if let index, index.atoms <= 0 {
            return .failure(Rejection(.nonPositivePrice, field: "index", "expected a positive price"))
        }
        let marketIndex = marketIndexByID[market]!
        if let rejection = refuseDerivedMark(marketIndex, field: "market") { return .failure(rejection) }
        return .success(
            [.markPriceSet(market: market, mark: mark, index: index)]
                + marginStateChanges(marketIndex: marketIndex, mark: mark.atoms))
    }

    func planConfigureOracle(_ market: MarketID, _ config: OracleConfig) -> Result<[Event], Rejection> {
        if case .failure(let rejection) = marketIndex(market, field: "market") { return .failure(rejection) }
        if let rejection = refuseDerivedMark(marketIndexByID[market]!, field: "market") { return .failure(rejection) }
        if let error = config.validate() {
            return .failure(Rejection(.invalidParameter, field: "oracle.\(error.field)", "expected \(error.reason)"))
        }
        return .success([.oracleConfigured(market: market, config)])
    }

    func planUpdateOracle(
        _ market: MarketID, _ samples: [OracleSample], _ last: Price?, _ mid: Price?
    )
        -> Result<[Event], Rejection>
    {
        Result { () throws(Rejection) -> [Event] in
            let marketIndex = try self.marketIndex(market, field: "market").get()
            guard var state = markets[Int(marketIndex)].oracle else {
                throw Rejection(.oracleNotConfigured, field: "market", "configure the oracle of market \(market) first")
            }
            if samples.isEmpty || samples.count > 2 * Limits.oracleSourcesPerMarket {
                throw Rejection(
                    .invalidParameter, field: "samples",
                    "expected 1 to \(2 * Limits.oracleSourcesPerMarket) samples")
            }
            if let last, last.atoms <= 0 {
                throw Rejection(.nonPositivePrice, field: "last", "expected a positive price")
            }
            if let mid, mid.atoms <= 0 {
                throw Rejection(.nonPositivePrice, field: "mid", "expected a positive price")
            }
            let computation = IndexAggregator.aggregate(samples, config: state.config, now: now)
            var events: [Event] = []
            var mark: Int64? = nil
            if let index = computation.index?.atoms {
                updateBasisAndPremium(&state, index: index, venue: mid?.atoms ?? last?.atoms)
                let computed = MarkPrice.compute(
                    index: index, basis: state.basis.value, last: last?.atoms, mid: mid?.atoms,
                    band: state.config.markBand)
                if state.frozen {
                    state.goodUpdatesSinceFreeze += 1
                    if state.goodUpdatesSinceFreeze >= state.config.resumeAfterGoodUpdates {
                        state.frozen = false
                        state.goodUpdatesSinceFreeze = 0
                        events.append(.breakerResumed(market: market, rule: .oracle))
                    }
                }
                if !state.frozen {
                    mark = computed
                    events.append(contentsOf: priceMoveBreaker(&state, market: market, mark: computed))
                }
            } else if !state.frozen {
                state.frozen = true
                state.goodUpdatesSinceFreeze = 0
                events.append(
                    .breakerTripped(
                        BreakerTrip(
                            market: market, rule: .oracle,
                            detail: computation.failure?.description ?? "no index", until: nil)))
            } else {
                state.goodUpdatesSinceFreeze = 0
            }
            let update = IndexUpdate(
                market: market, index: computation.index, mark: mark.map(Price.init(atoms:)),
                used: computation.used, excluded: computation.excluded, failure: computation.failure)
            let states = mark.map { marginStateChanges(marketIndex: marketIndex, mark: $0) } ?? []
            return [.indexUpdated(update)] + events + [.oracleStateChanged(market: market, state)] + states
        }
    }

    /// Adds the venue's basis to the EMA and its premium to the funding accumulator. A venue price
    /// farther from the index than the mark band is not credible (a wick, a fat finger, a
    /// manipulated book): it enters neither, so a single bad print moves neither the mark nor
    /// funding.
    private func updateBasisAndPremium(_ state: inout OracleState, index: Int64, venue: Int64?) {
        guard let venue else { return }
        let width = Int64(
            FixedPoint.divide(Int128(index) * Int128(state.config.markBand.atoms), by: Int128(Rate.oneAtoms), .down))
        guard abs(venue - index) <= width else { return }
        let elapsed = state.basisTime.map { Double(now.nanoseconds - $0.nanoseconds) / 1e9 } ?? 1
        state.basis.add(
            Double(venue - index), elapsed: max(elapsed, 1e-9),
            timeConstant: Double(state.config.basisTimeConstant) / 1e9)
        state.basisTime = now
        let premium = FixedPoint.divide(Int128(venue - index) * Int128(Rate.oneAtoms), by: Int128(index), .down)
        state.premiumSum = FixedPoint.add(state.premiumSum, Int64(premium)) ?? state.premiumSum
        state.premiumCount += 1
    }

    /// Records the mark and trips the price-move breaker when it moved more than the threshold
    /// within the window (against the window's lowest and highest mark).
    private func priceMoveBreaker(_ state: inout OracleState, market: MarketID, mark: Int64) -> [Event] {
        var events: [Event] = []
        let config = state.config
        if let until = state.priceMoveUntil, now >= until {
            state.priceMoveUntil = nil
            events.append(.breakerResumed(market: market, rule: .priceMove))
        }
        let horizon = now.nanoseconds - config.priceMoveWindow
        state.windowHighs.removeAll { $0.time.nanoseconds < horizon }
        state.windowLows.removeAll { $0.time.nanoseconds < horizon }
        if config.priceMoveThreshold.atoms > 0, state.priceMoveUntil == nil,
            let high = state.windowHighs.first?.mark, let low = state.windowLows.first?.mark
        {
            let reference = mark >= high ? low : high
            let move = Int128(mark - reference).magnitude * UInt128(Rate.oneAtoms)
            if move > UInt128(config.priceMoveThreshold.atoms) * UInt128(reference) {
                let until = Timestamp(nanoseconds: now.nanoseconds + config.priceMoveCoolDown)
                let percent = Double(Int128(mark - reference)) / Double(reference) * 100
                let detail =
                    "mark \(Price(atoms: mark)) moved \(percent.formattedPercent) from \(Price(atoms: reference)) within \(config.priceMoveWindow / 1_000_000_000)s (threshold \(config.priceMoveThreshold))"
                state.priceMoveUntil = until
                events.append(
                    .breakerTripped(BreakerTrip(market: market, rule: .priceMove, detail: detail, until: until)))
            }
        }
        let point = MarkPoint(time: now, mark: mark)
        while let last = state.windowHighs.last, last.mark <= mark { state.windowHighs.removeLast() }
        while let last = state.windowLows.last, last.mark >= mark { state.windowLows.removeLast() }
        if state.windowHighs.count >= Limits.markHistory { state.windowHighs.removeFirst() }
        if state.windowLows.count >= Limits.markHistory { state.windowLows.removeFirst() }
        state.windowHighs.append(point)
        state.windowLows.append(point)
        return events
    }

    /// Tick work for oracle markets: the price-move cool-down ends, and funding is settled from
    /// the premium when the interval has passed (at a fresh mark; a frozen market defers it).
    func planOracleTick() -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            var events: [Event] = []
            // A second funding in the same tick is planned on the state the first leaves (an account
            // in both perpetuals keeps both payments); the copy is made only then.
            var scratch: Engine? = nil
            for marketIndex in markets.indices {
                guard var state = markets[marketIndex].oracle else { continue }
                let market = markets[marketIndex].spec.id
                var changed = false
                if let until = state.priceMoveUntil, now >= until {
                    state.priceMoveUntil = nil
                    events.append(.breakerResumed(market: market, rule: .priceMove))
                    changed = true
                }
                let interval = markets[marketIndex].parameters.fundingInterval
                if markets[marketIndex].isPerpetual, interval > 0,
                    now.nanoseconds - state.lastFundingTime.nanoseconds >= interval,
                    !state.frozen, let mark = markets[marketIndex].freshMark(at: now)
                {
                    let rate = Engine.fundingRate(state, intervalNanoseconds: interval)
                    if scratch == nil,
                        events.contains(where: { if case .fundingSettled = $0 { return true } else { return false } })
                    {
                        var copy = self
                        for event in events { copy.apply(event) }
                        scratch = copy
                    }
                    let (legs, dust) = try (scratch ?? self).settlementLegs(
                        marketIndex: Int32(marketIndex), mark: mark, rate: rate.atoms, closing: false
                    ).get()
                    let funding = Event.fundingSettled(
                        SettlementApplied(
                            market: market, price: Price(atoms: mark), rate: rate,
                            legs: legs, dust: dust))
                    events.append(funding)
                    scratch?.apply(funding)
                    state.premiumSum = 0
                    state.premiumCount = 0
                    state.lastFundingTime = now
                    changed = true
                }
                if changed { events.append(.oracleStateChanged(market: market, state)) }
            }
            return events
        }
    }

    /// F = P̄ + clamp(I − P̄, ±clamp), scaled to the interval (I and the clamp are per 8 hours),
    /// then capped (exchanges.md §1.5). P̄ is the mean premium since the last settlement.
    public static func fundingRate(_ state: OracleState, intervalNanoseconds: Int64) -> Rate {
        let config = state.config
        let premium = state.premiumCount > 0 ? state.premiumSum / state.premiumCount : 0
        let interestGap = min(
            max(config.fundingInterestRate.atoms - premium, -config.fundingPremiumClamp.atoms),
            config.fundingPremiumClamp.atoms)
        let eightHours = Int128(8 * 3_600) * 1_000_000_000
        let scaled = FixedPoint.divide(
            Int128(premium + interestGap) * Int128(intervalNanoseconds), by: eightHours, .down)
        let capped = min(max(scaled, -Int128(config.fundingCap.atoms)), Int128(config.fundingCap.atoms))
        return Rate(atoms: Int64(capped))
    }

    // MARK: What the liquidation engine asks

    /// Whether liquidations in a market may proceed now: paused while the oracle is frozen or the
    /// price-move breaker is tripped in pause mode; slowed in slow mode.
    public func liquidationPermission(market: MarketID) -> LiquidationPermission {
        guard let index = marketIndexByID[market], let state = markets[Int(index)].oracle else { return .allowed }
        if state.frozen { return .paused(.oracle) }
        if let until = state.priceMoveUntil, now < until {
            switch state.config.priceMoveMode {
            case .pause: return .paused(.priceMove)
            case .slow(let fraction): return .slow(stepFraction: fraction)
            }
        }
        if let allowance = state.limiter.allowance(config: state.config, now: now), allowance == 0 {
            return .paused(.liquidationRate)
        }
        return .allowed
    }

    /// Notional (settlement atoms) the rate limiter still allows in the current window; nil: no cap.
    public func liquidationAllowance(market: MarketID) -> Int64? {
        guard let index = marketIndexByID[market], let state = markets[Int(index)].oracle else { return nil }
        return state.limiter.allowance(config: state.config, now: now)
    }

    /// Applies a market's price events: a mark set directly or from the sources (the trigger
    /// indexes flushed and the options on it re-marked), the index, and the oracle's state.
    mutating func applyMarkPricing(_ event: Event) {
        switch event {
        case .markPriceSet(let market, let mark, let index):
            let marketIndex = Int(marketIndexByID[market]!)
            markets[marketIndex].mark = mark.atoms
            markets[marketIndex].markTime = now
            if let index { markets[marketIndex].index = index.atoms }
            recordSettlementPrice(marketIndex: marketIndex, price: index?.atoms ?? mark.atoms)
            flushTriggers(marketIndex: marketIndex)
            remarkOptions(underlyingIndex: marketIndex)
        case .indexUpdated(let update):
            let index = Int(marketIndexByID[update.market]!)
            if let mark = update.mark {
                markets[index].mark = mark.atoms
                markets[index].markTime = now
                flushTriggers(marketIndex: index)
                remarkOptions(underlyingIndex: index)
            }
            if let value = update.index { markets[index].index = value.atoms }
            if let price = update.index ?? update.mark { recordSettlementPrice(marketIndex: index, price: price.atoms) }
        case .oracleConfigured(let market, let config):
            let index = Int(marketIndexByID[market]!)
            var state = OracleState(config: config, now: now)
            if let previous = markets[index].oracle {
                // Reconfiguring keeps the running state (breakers, basis, funding accumulator).
                state = previous
                state.config = config
            }
            markets[index].oracle = state
        case .oracleStateChanged(let market, let state):
            markets[Int(marketIndexByID[market]!)].oracle = state
        default:
            preconditionFailure("not a market price event: \(event)")
        }
    }
}

extension Double {
    /// "12.34 %" with two decimals (for breaker messages).
    var formattedPercent: String {
        let hundredths = (self * 100).rounded()
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = Int64(abs(hundredths))
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction) %"
    }
}
