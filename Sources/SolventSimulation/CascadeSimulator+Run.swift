import SolventCore

extension CascadeSimulator {
    /// Sends each market's price to its coin's index and its oracle (USDT's index refreshed
    /// between): the coins' collateral moves with their markets.
    mutating func setPrices(_ prices: [Int64], at time: Timestamp) {
        if zip(markets, prices).contains(where: { $0.lastPrice != $1 }) { stuck.removeAll(keepingCapacity: true) }
        for index in markets.indices {
            markets[index].lastPrice = prices[index]
            absorb(execute(.setIndexPrice(asset: markets[index].coin, price: Price(atoms: prices[index])), at: time))
        }
        absorb(execute(.setIndexPrice(asset: Self.usdt, price: Price(atoms: 100_000_000)), at: time))
        for market in markets {
            let sample = OracleSample(source: SourceID(1), price: Price(atoms: market.lastPrice), time: engine.now)
            absorb(execute(.updateOracle(market: market.id, samples: [sample], last: nil, mid: nil), at: time))
        }
    }

    /// Runs one market's path (its first point is the start given to `init`) and returns the
    /// report. `progress(done, total)` is called after each point.
    /// `funding`: settlements in time order; each is paid at the first point at or after its
    /// time, before that point's cascade (none before the path's first point).
    public mutating func run(
        path: [PricePoint], funding: [FundingPoint] = [],
        progress: (Int, Int, SimulationResult.Point) -> Void = { _, _, _ in }
    ) -> SimulationResult {
        run(paths: [path], funding: [funding], progress: progress)
    }

    /// Runs every market's path together, one per market in the order of `init`'s markets. The
    /// first market's points are the clock: at each of them every other market is at its own
    /// path's latest point at or before that time (its first point before it starts). Funding:
    /// one list per market (or none).
    public mutating func run(
        paths: [[PricePoint]], funding: [[FundingPoint]] = [],
        progress: (Int, Int, SimulationResult.Point) -> Void = { _, _, _ in }
    ) -> SimulationResult {
        precondition(paths.count == markets.count, "one path per market")
        precondition(funding.count <= markets.count, "at most one funding list per market")
        let clock = paths[0]
        var cursor = [Int](repeating: 0, count: markets.count)
        var peak = [Double](repeating: 0, count: markets.count)
        var nextFunding = funding.map { settlements in
            settlements.firstIndex { $0.time >= (clock.first?.time ?? Timestamp(nanoseconds: 0)) } ?? settlements.count
        }
        for (index, point) in clock.enumerated() {
            for (market, settlements) in funding.enumerated() {
                while nextFunding[market] < settlements.count, settlements[nextFunding[market]].time <= point.time {
                    settleFunding(market: market, settlements[nextFunding[market]].rate, at: point.time)
                    nextFunding[market] += 1
                }
            }
            var exogenous: [Double] = []
            for market in markets.indices {
                let path = market == 0 ? clock : paths[market]
                while cursor[market] + 1 < path.count, path[cursor[market] + 1].time <= point.time {
                    cursor[market] += 1
                }
                // The first market is the clock: its own point, whatever the order of its times.
                let price =
                    market == 0
                    ? Double(point.price.atoms) / 1e8
                    : path.isEmpty
                        ? Double(markets[market].lastPrice) / 1e8 : Double(path[cursor[market]].price.atoms) / 1e8
                exogenous.append(price)
                peak[market] = max(peak[market], price)
                markets[market].summary.exogenousLow = min(markets[market].summary.exogenousLow, price)
            }
            let next =
                index + 1 < clock.count
                ? clock[index + 1].time.nanoseconds
                : point.time.nanoseconds
                    + (index > 0 ? point.time.nanoseconds - clock[index - 1].time.nanoseconds : 3_600_000_000_000)
            let before = (steps: result.steps, notional: result.liquidatedNotional, hits: result.deleveragedPositions)
            let (rounds, prices, paused) = cascade(
                exogenous: exogenous, drawdown: zip(exogenous, peak).map { 1 - $0 / $1 },
                from: max(point.time.nanoseconds, engine.now.nanoseconds), until: next)
            for market in markets.indices {
                markets[market].summary.low = min(markets[market].summary.low, prices[market])
            }
            if config.audit == .everyPoint { audit() }
            let fund = usd(engine.asset(settleAsset)!.insuranceFund)
            result.fundMinimum = min(result.fundMinimum, fund)
            let record = SimulationResult.Point(
                time: point.time.nanoseconds, exogenous: exogenous[0], price: prices[0],
                impact: 1 - prices[0] / exogenous[0], steps: result.steps - before.steps,
                notional: result.liquidatedNotional - before.notional, fund: fund, badDebt: result.badDebt,
                deleveraged: result.deleveragedPositions - before.hits, rounds: rounds, paused: paused)
            result.points.append(record)
            progress(index + 1, clock.count, record)
        }
        return finish(emptyPath: clock.isEmpty)
    }

    /// The last audit and the totals of the run.
    private mutating func finish(emptyPath: Bool) -> SimulationResult {
        if config.audit != .everyPoint || emptyPath { audit() }
        if auditEvery {
            result.auditChecks += 1
            result.auditViolations.append(contentsOf: engine.auditFindings.prefix(10))
        }
        result.exogenousLow = markets[0].summary.exogenousLow
        result.low = markets[0].summary.low
        result.markets = markets.map(\.summary)
        let asset = engine.asset(settleAsset)!
        result.fundEnd = usd(asset.insuranceFund)
        result.deficit = usd(-asset.deficit)
        result.liquidatedAccounts = liquidatedAccounts.count
        result.deleveragedAccounts = deleveragedAccounts.count
        let sorted = deleveragedLeverages.sorted()
        result.deleveragedMedianLeverage = sorted.isEmpty ? nil : sorted[sorted.count / 2]
        result.stillLiquidating = liquidating.count
        result.digest = engine.digestHex()
        return result
    }

    /// Pays one funding settlement of a market at the current simulated prices (re-sent first,
    /// so that the marks are fresh at `time`), and books what the payers paid.
    private mutating func settleFunding(market: Int, _ rate: Rate, at time: Timestamp) {
        setPrices(markets.map(\.lastPrice), at: time)
        let outcome = execute(.settleFunding(market: markets[market].id, rate: rate), at: time)
        guard outcome.rejection == nil else {
            result.fundingRefused += 1
            return
        }
        for event in outcome.events {
            guard case .fundingSettled(let settlement) = event else { continue }
            result.fundingSettlements += 1
            result.fundingPaid += usd(settlement.legs.reduce(0) { $0 + max(0, -$1.realizedPnl) })
        }
        absorb(outcome)
    }

    /// Settlement atoms in USD: USDT at par, the coin at the current simulated price.
    func usd(_ atoms: Int64) -> Double {
        inverse ? Double(atoms) / 1e8 * Double(markets[0].lastPrice) / 1e8 : Double(atoms) / 1e6
    }

    private mutating func audit() {
        result.auditChecks += 1
        let found = Auditor.violations(in: engine)
        if result.auditViolations.count < 10 {
            result.auditViolations.append(contentsOf: found.prefix(10 - result.auditViolations.count))
        }
    }

    /// Whether the engine's account still holds a position in `pool`.
    private func hasPositions(_ pool: PoolKey) -> Bool {
        engine.account(pool.account)?.positions.contains {
            pool.isolatedMarket == nil ? !$0.isolated : $0.isolated && $0.market == pool.isolatedMarket
        } == true
    }

    /// The market a step on `pool` closes: an isolated pool's own; for a cross pool the
    /// engine's choice (the position with the largest maintenance, as its keeper picks).
    private func stepMarket(_ pool: PoolKey) -> MarketID? {
        if let market = pool.isolatedMarket { return market }
        return markets.count == 1 ? markets[0].id : engine.nextLiquidationMarket(for: pool)
    }

    /// The rounds of one price point, from `start` until before `until` (nanoseconds). Returns
    /// the rounds run, each market's last simulated price and whether liquidations were paused.
    private mutating func cascade(
        exogenous: [Double], drawdown: [Double], from start: Int64, until: Int64
    ) -> (Int, [Double], Bool) {
        let depths = markets.indices.map { markets[$0].impact.depth(drawdown: drawdown[$0]) }
        var now = start
        var rounds = 0
        var paused = false
        for index in markets.indices {
            if markets[index].flowTime > 0 {
                markets[index].flow = markets[index].impact.decay(
                    markets[index].flow, seconds: Double(start - markets[index].flowTime) / 1e9)
            }
            markets[index].flowTime = start
        }
        var prices = exogenous
        while true {
            var atoms: [Int64] = []
            for index in markets.indices {
                let market = markets[index]
                let price = exogenous[index] * (1 - market.impact.fraction(flow: market.flow, depth: depths[index]))
                // On the tick grid, inside [one tick, the impact's ceiling over the largest price].
                let rounded = (price * 10).rounded()
                let ticks = rounded.isNaN ? 1 : min(max(rounded, 1), Double(Self.maximumPrice / Self.tick) * 11)
                atoms.append(Int64(ticks) * Self.tick)
                prices[index] = Double(atoms[index]) / 1e8
            }
            setPrices(atoms, at: Timestamp(nanoseconds: now))
            let (activity, roundFlow, pausedNow) = liquidateRound(at: now, prices: atoms)
            paused = paused || pausedNow
            for index in markets.indices { markets[index].flow += roundFlow[index] }
            rounds += 1
            let waiting = !engine.auctions.isEmpty || (paused && !liquidating.isEmpty)
            if activity == 0 && !waiting { break }
            var step = config.roundSeconds * 1_000_000_000
            let resume = markets.compactMap { $0.breakerUntil?.nanoseconds }.filter { $0 > now }.min()
            if activity == 0, paused, let until = resume { step = max(step, until - now) }
            if now + step >= until { break }
            now += step
            for index in markets.indices {
                markets[index].flow = markets[index].impact.decay(
                    markets[index].flow, seconds: Double(now - markets[index].flowTime) / 1e9)
                markets[index].flowTime = now
            }
            if activity == 0 {
                paused = paused && markets.contains { engine.liquidationPermission(market: $0.id) != .allowed }
            }
        }
        return (rounds, prices, paused)
    }

    /// One round's liquidation steps (pools in pool-key order, each on its step market unless
    /// that market's breaker pauses liquidation) and auction bids. Returns the steps and bids
    /// taken, each market's forced flow, and whether a breaker paused liquidations.
    private mutating func liquidateRound(at now: Int64, prices: [Int64]) -> (Int, [Double], Bool) {
        var flow = [Double](repeating: 0, count: markets.count)
        var activity = 0
        var pausedMarkets = Set(
            markets.map(\.id).filter {
                if case .paused = engine.liquidationPermission(market: $0) { return true }
                return false
            })
        var paused = !pausedMarkets.isEmpty
        if pausedMarkets.count < markets.count {
            let inAuction = Set(engine.auctions.map(\.account))
            for pool in liquidating.sorted() where !stuck.contains(pool) && !inAuction.contains(pool.account) {
                guard let market = stepMarket(pool) else {
                    // Its positions were closed another way (an ADL counterparty's, say).
                    if !hasPositions(pool) { liquidating.remove(pool) }
                    continue
                }
                guard !pausedMarkets.contains(market) else { continue }
                let outcome = execute(
                    .liquidate(account: pool.account, market: market, keeper: Self.keeper),
                    at: Timestamp(nanoseconds: now))
                if let rejection = outcome.rejection {
                    if rejection.code == .liquidationPaused {
                        paused = true
                        pausedMarkets.insert(market)
                        continue
                    }
                    result.refusals["\(rejection.code)", default: 0] += 1
                    if rejection.code == .noPosition { liquidating.remove(pool) } else { stuck.insert(pool) }
                    continue
                }
                activity += 1
                absorb(outcome, flow: &flow)
            }
        }
        if config.mechanism == .auction { activity += bid(prices: prices, at: now, flow: &flow) }
        return (activity, flow, paused)
    }

    /// Bidders take every lot whose price is `bidderDiscount` through its market; keepers reset
    /// stale auctions. Returns the lots taken (and resets); adds the hedging flow to `flow`.
    private mutating func bid(prices: [Int64], at now: Int64, flow: inout [Double]) -> Int {
        var activity = 0
        for auction in engine.auctions {
            guard let index = markets.firstIndex(where: { $0.id == auction.market }),
                case .auction(let rules)? = engine.market(auction.market)?.liquidation?.mechanism
            else { continue }
            let (price, needsReset) = auction.status(rules: rules, now: Timestamp(nanoseconds: now))
            if needsReset {
                let outcome = execute(
                    .resetAuction(auction: auction.id, keeper: Self.keeper), at: Timestamp(nanoseconds: now))
                if outcome.rejection == nil { activity += 1; absorb(outcome, flow: &flow) }
                continue
            }
            let market = Double(prices[index])
            let attractive =
                auction.long
                ? Double(price) <= market * (1 - config.bidderDiscount)
                : Double(price) >= market * (1 + config.bidderDiscount)
            guard attractive else { continue }
            let outcome = execute(
                .bidAuction(
                    auction: auction.id, bidder: Self.bidder, quantity: Quantity(atoms: auction.lot),
                    limitPrice: Price(atoms: price)), at: Timestamp(nanoseconds: now))
            if outcome.rejection == nil {
                activity += 1
                absorb(outcome, flow: &flow)
            }
        }
        return activity
    }

    /// Books what the engine did, where no flow is counted (price updates, funding).
    mutating func absorb(_ outcome: Outcome) {
        var ignored = [Double](repeating: 0, count: markets.count)
        absorb(outcome, flow: &ignored)
    }
}
