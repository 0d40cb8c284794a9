import SolventRisk

/// Option markets: European, cash-settled, linear (premium in the quote) or
/// inverse (premium in the coin). The engine derives every option's mark from its underlying's
/// mark and the volatility the underlying's published smile gives the option's strike, so an
/// option is re-marked whenever its underlying is; at expiry it settles at intrinsic value on the
/// underlying's mark.
///
/// The mark is Black-76 on the underlying's mark as the forward, with no discounting (crypto
/// venues settle daily in collateral that earns nothing), time to expiry counted from the
/// underlying's mark time in years of 365 days. It is a pure function of state: the stored mark
/// always equals the one recomputed from the underlying's stored mark and time.
extension Engine {
    static let nanosecondsPerYear = 365.0 * 86_400 * 1e9

    /// The option's mark (premium, price atoms) with its underlying at `underlyingMark` at
    /// `time`: at least one atom (a mark of 0 means "none"); 0 if no volatility is published.
    func optionMark(marketIndex: Int, underlyingMark: Int64, at time: Timestamp) -> Int64 {
        let market = markets[marketIndex]
        guard let expiry = market.spec.expiry, market.optionVolatility > 0, underlyingMark > 0 else { return 0 }
        let years = max(0, Double(expiry.nanoseconds - time.nanoseconds) / Engine.nanosecondsPerYear)
        let premium = optionPremium(
            marketIndex: marketIndex, forwardAtoms: Double(underlyingMark), years: years,
            volatility: Double(market.optionVolatility) / Double(Rate.oneAtoms))
        guard premium.isFinite else { return 0 }
        // Capped before converting: a premium of 2^63 atoms or more would trap the conversion.
        return max(1, Int64(min(premium, Double(Int64.max / 2)).rounded()))
    }

    /// Intrinsic value at `underlyingMark` (price atoms, may be 0): the settlement price at expiry.
    /// A coin premium is the USD payoff divided by the underlying, rounded down.
    func optionIntrinsic(marketIndex: Int, underlyingMark: Int64) -> Int64 {
        let terms = markets[marketIndex].spec.option!
        let strike = terms.strike.atoms
        let usd = terms.right == .call ? max(0, underlyingMark - strike) : max(0, strike - underlyingMark)
        switch terms.premium {
        case .quote: return usd
        case .coin:
            // A put's coin payoff grows without bound as the underlying falls to 0; clamp to
            // the largest representable price rather than trap (marks are positive in practice).
            guard underlyingMark > 0 else { return Int64.max }
            return FixedPoint.narrow(
                FixedPoint.divide(
                    Int128(usd) * Int128(FixedPoint.powersOfTen[Price.scale]),
                    by: Int128(underlyingMark), .down)) ?? Int64.max
        }
    }

    /// Standard (Deribit-style) requirements of one option position, in settlement atoms, rounded
    /// up. A long needs its premium value as initial margin (buying needs the premium in cash:
    /// its value does not back new risk) and nothing as maintenance (its value backs the rest of
    /// the pool, as on Deribit); a short needs `OptionTerms.StandardMarginRates`' formulas.
    func optionRequirements(
        marketIndex: Int, size: Int64, mark: Int64, underlyingMark: Int64
    )
        -> (initial: Int64, maintenance: Int64)?
    {
        let market = markets[marketIndex]
        let terms = market.spec.option!
        if size > 0 {
            guard let value = market.valuation.value(size: size, price: mark, .up) else { return nil }
            return (value, 0)
        }
        let priceUnit = Double(FixedPoint.powersOfTen[Price.scale])
        let forward = Double(underlyingMark) / priceUnit
        let markInCoin = terms.premium == .coin ? Double(mark) / priceUnit : Double(mark) / priceUnit / forward
        var rates = StandardOptionMargin.Rates()
        rates.base = Double(terms.standardMargin.base.atoms) / Double(Rate.oneAtoms)
        rates.floor = Double(terms.standardMargin.floor.atoms) / Double(Rate.oneAtoms)
        rates.maintenance = Double(terms.standardMargin.maintenance.atoms) / Double(Rate.oneAtoms)
        let perUnit = StandardOptionMargin.requirement(
            right: terms.right == .call ? .call : .put, quantity: -1,
            forward: forward, strike: Double(terms.strike.atoms) / priceUnit,
            markInCoin: markInCoin, rates: rates)
        // Per contract in the premium's unit, as a price (coin for a coin premium, USD for a quote one).
        let unit = terms.premium == .coin ? 1 : forward
        guard let initial = Engine.settleAtoms(size: size, price: perUnit.initial * unit * priceUnit, market.valuation),
            let maintenance = Engine.settleAtoms(
                size: size, price: perUnit.maintenance * unit * priceUnit, market.valuation)
        else { return nil }
        return (initial, maintenance)
    }

    /// |size| × price (price atoms, a double) in settlement atoms of a linear valuation, rounded
    /// up; nil beyond 64 bits.
    static func settleAtoms(size: Int64, price: Double, _ valuation: ContractValuation) -> Int64? {
        let atoms = (Double(size.magnitude) * price * valuation.screenFactor).rounded(.up)
        guard atoms.isFinite, atoms >= 0, atoms < 9.0e18 else { return nil }
        return Int64(atoms)
    }

    /// The underlying's mark for an option: the override if it names the underlying, else its mark
    /// (fresh at `now` if given).
    func underlyingMark(ofOption marketIndex: Int, override: MarkOverride?, now: Timestamp?) -> Result<Int64, RiskError>
    {
        markFor(marketIndex: markets[marketIndex].underlyingIndex, override: override, now: now)
    }

    // MARK: Commands

    func planSetVolatilitySmile(_ underlying: MarketID, _ smile: VolatilitySmile) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let u = try marketIndex(underlying, field: "underlying").get()
            if markets[Int(u)].isOption {
                throw Rejection(
                    .invalidParameter, field: "underlying",
                    "market \(underlying) is an option; smiles belong to its underlying")
            }
            if let (field, reason) = smile.validate() {
                throw Rejection(.invalidParameter, field: "smile.\(field)", reason)
            }
            if smile.expiry <= now {
                throw Rejection(.invalidParameter, field: "smile.expiry", "an expiry after the current time \(now)")
            }
            let kept = markets[Int(u)].smiles.filter { $0.expiry > now && $0.expiry != smile.expiry }
            if kept.count >= Limits.smilesPerUnderlying {
                throw Rejection(
                    .limitReached, field: "smile.expiry",
                    "at most \(Limits.smilesPerUnderlying) expiries per underlying")
            }
            let event = Event.volatilitySmileSet(underlying: underlying, smile)
            // The new volatilities re-mark the options: their holders' states are found on the state
            // the event leaves (a copy; the engine changes only when the events are applied).
            var after = self
            after.auditsEveryEvent = false
            after.apply(event)
            return
                [event]
                + after.optionHolderStateChanges(
                    underlyingIndex: u, override: nil, mark: markets[Int(u)].mark,
                    skipping: []
                ).events
        }
    }

    /// The option-market rule of price commands: an option's mark is derived, never set.
    func refuseDerivedMark(_ marketIndex: Int32, field: String) -> Rejection? {
        guard markets[Int(marketIndex)].isOption else { return nil }
        return Rejection(
            .markDerived, field: field,
            "market \(markets[Int(marketIndex)].spec.id) is an option: its mark derives from its underlying's mark and volatility smile"
        )
    }

    /// Why an option market cannot be created, or nil.
    func refuseOptionMarket(_ spec: MarketSpec) -> Rejection? {
        guard let terms = spec.option else { return nil }
        guard let u = marketIndexByID[terms.underlying] else {
            return Rejection(.unknownMarket, field: "market.option.underlying", "no market with id \(terms.underlying)")
        }
        let underlying = markets[Int(u)]
        if underlying.isOption {
            return Rejection(
                .invalidParameter, field: "market.option.underlying", "an option cannot underlie an option")
        }
        if let expiry = underlying.spec.expiry, let optionExpiry = spec.expiry, expiry < optionExpiry {
            return Rejection(
                .invalidParameter, field: "market.expiry", "at or before the underlying future's expiry \(expiry)")
        }
        if underlying.optionIndices.count >= Limits.optionsPerUnderlying {
            return Rejection(
                .limitReached, field: "market.option.underlying",
                "at most \(Limits.optionsPerUnderlying) options per underlying")
        }
        return nil
    }

    // MARK: Applying

    /// Links a new option market to its underlying and marks it (called when it is created).
    mutating func linkOption(marketIndex o: Int) {
        guard let terms = markets[o].spec.option else { return }
        let u = Int(marketIndexByID[terms.underlying]!)
        markets[o].underlyingIndex = Int32(u)
        markets[u].optionIndices.append(Int32(o))
        if let smile = markets[u].smiles.first(where: { $0.expiry == markets[o].spec.expiry }) {
            markets[o].optionVolatility = smile.volatility(strike: terms.strike).atoms
        }
        remarkOption(o)
    }

    /// Re-marks every live option on an underlying (after its mark changed).
    mutating func remarkOptions(underlyingIndex u: Int) {
        for o in markets[u].optionIndices where !markets[Int(o)].settled { remarkOption(Int(o)) }
    }

    private mutating func remarkOption(_ o: Int) {
        let u = Int(markets[o].underlyingIndex)
        guard markets[u].mark > 0 else { return }
        markets[o].mark = optionMark(marketIndex: o, underlyingMark: markets[u].mark, at: markets[u].markTime)
        markets[o].markTime = markets[u].markTime
        // An option's index is its underlying's price (as Deribit shows "underlying index").
        markets[o].index = markets[u].mark
        flushTriggers(marketIndex: o)
    }

    mutating func applyVolatilitySmile(underlying: MarketID, _ smile: VolatilitySmile) {
        let u = Int(marketIndexByID[underlying]!)
        var smiles = markets[u].smiles.filter { $0.expiry > now && $0.expiry != smile.expiry }
        smiles.append(smile)
        smiles.sort { $0.expiry < $1.expiry }
        markets[u].smiles = smiles
        for o in markets[u].optionIndices where markets[Int(o)].spec.expiry == smile.expiry && !markets[Int(o)].settled
        {
            markets[Int(o)].optionVolatility = smile.volatility(strike: markets[Int(o)].spec.option!.strike).atoms
            remarkOption(Int(o))
        }
    }

    // MARK: Margin states of option holders

    /// State changes of the pools holding options on an underlying whose mark moves to `mark`
    /// (`override` names the move; nil: the current state). Every option row is checked exactly:
    /// an option's value is not monotone in a way the trigger index could bound, and options are
    /// few beside perpetual positions. Pools already in `skipping` are not checked again.
    func optionHolderStateChanges(
        underlyingIndex u: Int32, override: MarkOverride?, mark: Int64, skipping: Set<PoolKey>
    )
        -> (events: [Event], changes: [PoolStateChange])
    {
        var changes: [PoolStateChange] = []
        var seen = skipping
        for o in markets[Int(u)].optionIndices where !markets[Int(o)].settled {
            for row in 0..<Int32(scanTables[Int(o)].count) {
                if let change = poolStateChange(marketIndex: o, row: row, override: override, seen: &seen) {
                    changes.append(change)
                }
            }
        }
        return (orderedStateChangeEvents(changes, market: markets[Int(u)].spec.id, mark: mark), changes)
    }
}
