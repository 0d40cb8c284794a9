/// The engine's liquidation sub-state: the pools in margin call or in liquidation, the open Dutch
/// auctions, and the kept auto-deleveraging orders with the state version they are current at.
///
/// Its `apply` covers what an event changes here alone — a pool's flag, an auction opened,
/// restarted or taken from, the version an event moves — and runs for every event before the
/// engine's domain applies. What also reads the accounts stays with the engine: mirroring a flag
/// onto the pool's scan rows, clearing the flag of a pool whose last position closed, paying an
/// auction's keeper, and building and patching the kept orders (`Engine+LossAllocation.swift`).
public struct LiquidationBook: Sendable {
    /// Pools in margin call or in liquidation: O(1) updates; every walk goes through `alerts`,
    /// which sorts by pool key, so nothing depends on the dictionary's order.
    var alertsByPool: [PoolKey: MarginAlert] = [:]
    /// Open Dutch auctions, by id (ids increase, so appending keeps the order).
    public internal(set) var auctions: [LiquidationAuction] = []
    /// Counts every applied event that can change an auto-deleveraging ranking (all but
    /// liquidation steps, which patch the kept queues, and events that move no money, position
    /// or price); a kept queue is current only at the version it was built or patched for.
    var stateVersion: UInt64 = 0
    /// Kept auto-deleveraging orders, two per market (short side, long side); derived state,
    /// outside the digest.
    var deleveragingQueues: [DeleveragingQueue?] = []

    /// Pools in margin call or in liquidation, sorted by pool key.
    public var alerts: [(pool: PoolKey, alert: MarginAlert)] {
        alertsByPool.keys.sorted().map { ($0, alertsByPool[$0]!) }
    }

    func alert(for key: PoolKey) -> MarginAlert? { alertsByPool[key] }

    /// Two empty auto-deleveraging slots for a new market.
    mutating func addMarket() { deleveragingQueues.append(contentsOf: [nil, nil]) }

    /// Applies the part of an event that is this state's.
    mutating func apply(_ event: Event) {
        if event.canChangeDeleveragingRank { stateVersion &+= 1 }
        switch event {
        case .marginStateChanged(let change):
            alertsByPool[change.pool] = change.to
        case .auctionStarted(let auction, _):
            auctions.append(auction)
        case .auctionReset(let auction, _):
            auctions[auctions.binarySearch(id: auction.id)!] = auction
        case .auctionUpdated(let id, let lot):
            let index = auctions.binarySearch(id: id)!
            if lot == 0 { auctions.remove(at: index) } else { auctions[index].lot = lot }
        default:
            break
        }
    }
}

extension Event {
    /// Whether applying this event can change an auto-deleveraging ranking (see
    /// `LiquidationBook.stateVersion`): all but liquidation steps, which patch the kept queues,
    /// and events that move no money, position or price.
    var canChangeDeleveragingRank: Bool {
        switch self {
        case .marginStateChanged, .positionLiquidated, .oracleStateChanged, .backstopsChanged, .auctionUpdated,
            .breakerTripped, .breakerResumed, .ticked, .commitmentRecorded:
            false
        default:
            true
        }
    }
}
