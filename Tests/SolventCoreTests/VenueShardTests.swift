import SolventCore
import SolventTestSupport
import Testing

/// The inputs one shard of a venue takes from the coordinator: the liquidation baton, the
/// reservations of cross-shard auto-deleveraging, and what a shard refuses.
@Suite struct VenueShardTests {
    static let market = MarketID(1)
    static let usdt = Harness.usdt

    /// Shard `shard` of two: USDT, BTCUSDT at 50,000 liquidating with auto-deleveraging, accounts
    /// 21 (short 0.5 BTC) and 22 (long 0.5 BTC) against the book.
    static func shard(_ shard: UInt32, fund: String? = nil) -> Harness {
        var harness = Harness()
        harness.ok(.joinVenue(shard: shard, shards: 2))
        harness.standardAssets()
        harness.ok(.createMarket(linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        harness.ok(.setMarkPrice(market: market, mark: Price("50000")!, index: nil))
        harness.ok(
            .configureLiquidation(
                market: market,
                LiquidationParameters(
                    depth: .squareRoot(depth: amount("20000", scale: 6).atoms, coefficient: rate("0.05")),
                    penaltyRate: rate("0.005"), clearanceFeeRate: .zero, target: .maintenancePlusBuffer(rate("0.1")),
                    stepFraction: rate("1"), dustNotional: 0,
                    lossAllocation: .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 10))))
        if let fund { harness.ok(.fundInsurance(asset: usdt, amount: amount(fund, scale: 6))) }
        for (id, size) in [(UInt64(21), "-0.5"), (22, "0.5")] {
            harness.openFunded(id, usdt: "5000")
            harness.ok(
                .importPosition(
                    account: AccountID(id), market: market, size: Quantity(size)!, entryPrice: Price("50000")!,
                    isolatedMargin: nil))
        }
        return harness
    }

    @Test func aReservationHoldsThePositionUntilItIsCommittedOrReleased() {
        var harness = Self.shard(0)
        let reservation = DeleveragingReservation(
            id: 7, account: AccountID(21), market: Self.market, long: false, size: Quantity("0.2")!.atoms)
        harness.ok(.reserveDeleveraging(reservation))
        let trade = Fill(
            market: Self.market, buyer: AccountID(21), seller: AccountID(22), quantity: Quantity("0.1")!,
            price: Price("50000")!, taker: .buyer)
        harness.rejects(.applyFill(trade), .positionReserved)
        harness.rejects(.liquidate(account: AccountID(21), market: Self.market, keeper: nil), .positionReserved)
        harness.rejects(.reserveDeleveraging(reservation), .invalidParameter)
        harness.ok(.releaseDeleveraging(reservation: 7))
        harness.rejects(.releaseDeleveraging(reservation: 7), .unknownReservation)
        harness.ok(.applyFill(trade))
        // More than the position holds, or the wrong side: the rank is stale.
        var stale = reservation
        stale.size = Quantity("0.5")!.atoms
        harness.rejects(.reserveDeleveraging(stale), .venueDeleveraging)
        stale.long = true
        stale.size = 1
        harness.rejects(.reserveDeleveraging(stale), .venueDeleveraging)
        // A commit closes the share at the given price against the shard's book.
        harness.ok(.reserveDeleveraging(reservation))
        let events = harness.ok(.commitDeleveraging(reservation: 7, price: Price("48000")!))
        guard case .deleveragingCommitted(let commit)? = events.first else {
            Issue.record("expected a commit, got \(events)")
            return
        }
        #expect(commit.account.positionAfter?.size == Quantity("-0.2")!.atoms)
        #expect(commit.account.realizedPnl == amount("400", scale: 6).atoms)
        #expect(harness.engine.venue?.reservations.isEmpty == true)
        harness.rejects(.commitDeleveraging(reservation: 7, price: Price("48000")!), .unknownReservation)
    }

    @Test func theBatonCarriesTheFundItsWindowsAndTheRightToLiquidate() {
        var holder = Self.shard(0, fund: "250")
        var other = Self.shard(1)
        // Shard 1 neither liquidates nor takes money into the fund without the baton.
        other.rejects(.fundInsurance(asset: Self.usdt, amount: amount("1", scale: 6)), .liquidationElsewhere)
        other.rejects(.liquidate(account: AccountID(22), market: Self.market, keeper: nil), .liquidationElsewhere)
        other.rejects(.handOverLiquidation, .liquidationElsewhere)
        let events = holder.ok(.handOverLiquidation)
        guard case .liquidationHandedOver(let baton)? = events.first else {
            Issue.record("expected the baton, got \(events)")
            return
        }
        #expect(holder.engine.asset(Self.usdt)!.insuranceFund == 0)
        holder.rejects(.fundInsurance(asset: Self.usdt, amount: amount("1", scale: 6)), .liquidationElsewhere)
        other.ok(.takeOverLiquidation(baton))
        other.rejects(.takeOverLiquidation(baton), .invalidParameter)
        #expect(other.engine.asset(Self.usdt)!.insuranceFund == amount("250", scale: 6).atoms)
        // The two shards' outside lines net the transfer to zero: the venue's money is conserved.
        #expect(
            holder.engine.asset(Self.usdt)!.outside + other.engine.asset(Self.usdt)!.outside == -2
                * amount("10000", scale: 6).atoms - amount("250", scale: 6).atoms)
        other.ok(.fundInsurance(asset: Self.usdt, amount: amount("1", scale: 6)))
        // A baton naming other markets is refused.
        var wrong = baton
        wrong.markets = []
        holder.rejects(.takeOverLiquidation(wrong), .invalidParameter)
    }

    /// A step whose loss needs auto-deleveraging cannot rank one shard alone: without the
    /// coordinator's shares it is refused; with them the book takes the remote shares.
    @Test func aStepNeedingDeleveragingTakesTheCoordinatorsShares() {
        var harness = Self.shard(0, fund: "10")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("40100")!, index: nil))
        guard
            case .success(let need?) = harness.engine.venueDeleveragingNeed(account: AccountID(22), market: Self.market)
        else {
            Issue.record("expected a deleveraging need")
            return
        }
        #expect(need.long == false && need.quantity > 0 && need.maximum == 10)
        #expect(harness.engine.deleveragingCandidates(for: need).map(\.account) == [AccountID(21)])
        harness.rejects(.liquidate(account: AccountID(22), market: Self.market, keeper: nil), .venueDeleveraging)
        let remote = DeleveragingShare(account: AccountID(99), size: need.quantity)
        harness.rejects(
            .liquidateWithDeleveraging(
                account: AccountID(22), market: Self.market, keeper: nil,
                shares: [DeleveragingShare(account: AccountID(99), size: need.quantity + 1)]), .venueDeleveraging)
        let events = harness.ok(
            .liquidateWithDeleveraging(account: AccountID(22), market: Self.market, keeper: nil, shares: [remote]))
        guard case .positionLiquidated(let step)? = events.first else {
            Issue.record("expected a step, got \(events)")
            return
        }
        #expect(step.remoteShares == [remote] && step.counterparties.isEmpty)
    }

    @Test func aShardRefusesWhatCannotSpanShards() {
        var harness = Self.shard(0)
        harness.rejects(.joinVenue(shard: 0, shards: 2), .invalidParameter)
        harness.rejects(
            .configureLiquidation(
                market: Self.market,
                LiquidationParameters(
                    depth: .squareRoot(depth: 1_000_000, coefficient: .zero), penaltyRate: .zero,
                    clearanceFeeRate: .zero, target: .maintenancePlusBuffer(.zero),
                    stepFraction: rate("1"), dustNotional: 0, lossAllocation: .socialized)), .notInVenue)
        var fresh = Harness()
        fresh.rejects(.joinVenue(shard: 2, shards: 2), .invalidParameter)
        fresh.rejects(.joinVenue(shard: 0, shards: 0), .invalidParameter)
        fresh.rejects(.handOverLiquidation, .notInVenue)
        fresh.rejects(
            .liquidateWithDeleveraging(account: AccountID(1), market: Self.market, keeper: nil, shares: []), .notInVenue
        )
    }

    /// Jump consistent hashing: every shard gets its share, and growing the venue by one shard
    /// moves accounts only onto the new shard (about 1/(n + 1) of them).
    @Test func theShardMapIsBalancedAndMovesLittleWhenItGrows() {
        let ids = (1...40_000).map { AccountID(UInt64($0)) }
        for count in [1, 2, 3, 4, 7] {
            let before = ShardMap(shards: count)
            let after = ShardMap(shards: count + 1)
            var perShard = [Int](repeating: 0, count: count + 1)
            var moved = 0
            for id in ids {
                let (from, to) = (before.shard(of: id), after.shard(of: id))
                perShard[to] += 1
                if from != to {
                    moved += 1
                    #expect(to == count, "account \(id) moved from \(from) to \(to)")
                }
            }
            let share = Double(ids.count) / Double(count + 1)
            #expect(perShard.allSatisfy { abs(Double($0) - share) < share * 0.05 }, "\(perShard)")
            #expect(abs(Double(moved) - share) < share * 0.05)
        }
    }

    /// Hostile values in the coordinator's inputs: each refused with a named code, nothing changed.
    @Test func hostileVenueInputsAreRefusedByName() {
        var harness = Self.shard(0, fund: "10")
        for size in [Int64(0), -1, Int64.min, Int64.max] {
            harness.rejects(
                .reserveDeleveraging(
                    DeleveragingReservation(id: 1, account: AccountID(21), market: Self.market, long: false, size: size)
                ),
                .venueDeleveraging)
        }
        harness.rejects(
            .reserveDeleveraging(
                DeleveragingReservation(id: 1, account: .venue, market: Self.market, long: false, size: 1)),
            .reservedAccount)
        harness.ok(
            .reserveDeleveraging(
                DeleveragingReservation(id: 1, account: AccountID(21), market: Self.market, long: false, size: 1)))
        harness.rejects(.commitDeleveraging(reservation: 1, price: Price(atoms: 0)), .nonPositivePrice)
        harness.rejects(.commitDeleveraging(reservation: 1, price: Price(atoms: -5)), .nonPositivePrice)
        harness.ok(.releaseDeleveraging(reservation: 1))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("40100")!, index: nil))
        let hostile: [[DeleveragingShare]] = [
            [DeleveragingShare(account: AccountID(99), size: 0)],
            [DeleveragingShare(account: AccountID(99), size: -1)],
            [
                DeleveragingShare(account: AccountID(98), size: Int64.max),
                DeleveragingShare(account: AccountID(99), size: Int64.max),
            ],
            [DeleveragingShare(account: AccountID(99), size: 1), DeleveragingShare(account: AccountID(99), size: 1)],
            [DeleveragingShare(account: .venue, size: 1)],
            [DeleveragingShare(account: AccountID(22), size: 1)],
        ]
        for shares in hostile {
            harness.rejects(
                .liquidateWithDeleveraging(account: AccountID(22), market: Self.market, keeper: nil, shares: shares),
                .venueDeleveraging)
        }
    }
}
