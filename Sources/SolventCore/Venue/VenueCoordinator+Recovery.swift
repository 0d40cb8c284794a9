/// A coordinator restarted after a crash: the shards are brought back to one venue from the
/// write-ahead log before anything new is sent (`VenueWriteAheadLog`).
extension VenueCoordinator {
    /// A coordinator over `links` that first finishes what its predecessor began:
    /// 1. every logged input a shard's journal lacks (the coordinator stopped before sending it,
    ///    or the shard stopped before making it durable) is sent again, in order, at its time;
    /// 2. a baton handed over and not taken is taken by the shard it was going to;
    /// 3. positions still reserved for auto-deleveraging are committed if their step applied,
    ///    released if it did not;
    ///
    /// then every shard syncs and the log is settled.
    /// - Parameters:
    ///   - links: the shards, in shard order, their last sequences known.
    ///   - log: the write-ahead log the stopped coordinator wrote (the new one writes there too).
    ///   - nextReservation: the first reservation id to use (above every one ever used).
    ///   - start: the time of the inputs recovery sends itself (not earlier than the shards').
    public static func recover(
        links: [Shard], log: any VenueWriteAheadLog, nextReservation: UInt64, start: Timestamp
    ) throws(VenueFailure) -> (coordinator: Self, recovery: VenueRecovery) {
        var links = links
        let (inputs, intents) = try log.pending()
        for case .fault(let fault) in intents {
            throw VenueFailure("the log records a fault of the venue: \(fault); see docs/sharding.md before restarting")
        }
        var recovery = VenueRecovery(resent: Array(repeating: 0, count: links.count))
        for shard in links.indices {
            recovery.resent[shard] = try resend(inputs.filter { $0.shard == shard }, to: &links[shard], shard: shard)
        }
        var statuses: [VenueShardStatus] = []
        for link in links { statuses.append(try link.status()) }
        let holders = statuses.indices.filter { statuses[$0].holdsLiquidation }
        guard holders.count <= 1 else { throw VenueFailure("shards \(holders) each hold the liquidation baton") }
        var coordinator = Self(
            links: links, batonHolder: holders.first ?? 0, nextReservation: nextReservation, start: start)
        coordinator.writeAheadLog = log
        if holders.isEmpty { recovery.batonTakenBy = try coordinator.completeBatonMove(intents, at: start) }
        recovery.ticked = try coordinator.completeTick(intents, logged: inputs)
        try coordinator.completeDeleveraging(intents, statuses: statuses, recovery: &recovery, at: start)
        try coordinator.sync()
        return (coordinator, recovery)
    }

    /// Sends `shard` the logged inputs after its journal's last one; returns how many.
    private static func resend(
        _ logged: [VenueSentInput], to link: inout Shard, shard: Int
    ) throws(VenueFailure) -> Int {
        let last = try link.status().lastSequence
        for (earlier, later) in zip(logged, logged.dropFirst()) where later.sequence != earlier.sequence + 1 {
            throw VenueFailure("the log's inputs for shard \(shard) skip from \(earlier.sequence) to \(later.sequence)")
        }
        if let first = logged.first, last + 1 < first.sequence {
            throw VenueFailure(
                "shard \(shard)'s journal ends at \(last), before the log's first input for it (\(first.sequence)): "
                    + "it lost inputs it had made durable")
        }
        if let final = logged.last, last > final.sequence {
            throw VenueFailure(
                "shard \(shard)'s journal goes to \(last), past the last input logged for it (\(final.sequence)): "
                    + "another writer")
        }
        try checkJournal(of: link, against: logged.filter { $0.sequence <= last }, shard: shard)
        var sent = 0
        for input in logged where input.sequence > last {
            _ = try link.execute(input.command, at: input.time)
            guard link.lastSequence == input.sequence else {
                throw VenueFailure(
                    "shard \(shard) journaled a resent input at \(link.lastSequence.map(String.init) ?? "?"), "
                        + "not at \(input.sequence)")
            }
            sent += 1
        }
        return sent
    }

    /// The logged inputs the shard's journal holds are the ones the log sent: another writer's
    /// input at a logged sequence would otherwise pass for this coordinator's.
    private static func checkJournal(
        of link: Shard, against held: [VenueSentInput], shard: Int
    ) throws(VenueFailure) {
        var next = 0
        while next < held.count {
            let after = held[next].sequence - 1
            guard let commands = try link.journaledCommands(after: after, limit: min(1_000, held.count - next)) else {
                return
            }
            guard !commands.isEmpty else {
                throw VenueFailure("shard \(shard)'s journal holds nothing after \(after), where the log has inputs")
            }
            for command in commands {
                guard command == held[next].command else {
                    throw VenueFailure(
                        "shard \(shard)'s journal holds at \(held[next].sequence) another input than the log sent "
                            + "there: another gateway writes to the venue; this one stops (run one gateway per venue)")
                }
                next += 1
            }
        }
    }

    /// No shard holds the baton: the last logged move had handed it over; its target takes it.
    private mutating func completeBatonMove(_ intents: [VenueIntent], at time: Timestamp) throws(VenueFailure) -> Int {
        let move = intents.last { if case .batonMove = $0 { true } else { false } }
        guard case .batonMove(_, let to, let baton)? = move else {
            throw VenueFailure("no shard holds the liquidation baton and the log records no move of it")
        }
        let taken = try send(.takeOverLiquidation(baton), to: to, at: time)
        guard taken.rejection == nil else { throw VenueFailure("shard \(to) refused the logged baton: \(taken)") }
        batonHolder = to
        return to
    }

    /// The last logged tick, on every shard it had not reached (baton first, at its time).
    private mutating func completeTick(
        _ intents: [VenueIntent], logged: [VenueSentInput]
    ) throws(VenueFailure) -> [Int] {
        let last = intents.last { if case .tick = $0 { true } else { false } }
        guard case .tick(let time)? = last else { return [] }
        let reached = Set(logged.filter { $0.command == .tick && $0.time == time }.map(\.shard))
        var ticked: [Int] = []
        for shard in links.indices where !reached.contains(shard) {
            try moveBaton(to: shard, at: time)
            let outcome = try send(.tick, to: shard, at: time)
            guard outcome.rejection == nil else {
                throw VenueFailure("shard \(shard) refused the tick at \(time) while recovering: \(outcome)")
            }
            ticked.append(shard)
        }
        return ticked
    }

    /// Reservations still held: committed at the step's price if the step applied, else released.
    private mutating func completeDeleveraging(
        _ intents: [VenueIntent], statuses: [VenueShardStatus], recovery: inout VenueRecovery, at time: Timestamp
    ) throws(VenueFailure) {
        let held = statuses.enumerated().flatMap { shard, status in status.reservations.map { (shard, $0.id) } }
        guard !held.isEmpty else { return }
        let step = intents.last {
            if case .deleveraging(_, _, let ids, _) = $0 { held.allSatisfy { ids.contains($0.1) } } else { false }
        }
        guard case .deleveraging(let home, let stepSequence, _, let price)? = step else {
            throw VenueFailure(
                "reservations \(held.map(\.1)) are held and no logged liquidation step made them all")
        }
        let applied = statuses[home].lastSequence >= stepSequence
        for (shard, id) in held {
            let command: Command =
                applied ? .commitDeleveraging(reservation: id, price: price) : .releaseDeleveraging(reservation: id)
            let outcome = try send(command, to: shard, at: time)
            guard outcome.rejection == nil else {
                throw VenueFailure("shard \(shard) refused \(command) while recovering: \(outcome)")
            }
            if applied { recovery.committed.append(id) } else { recovery.released.append(id) }
        }
    }
}

/// What a restarted coordinator did before it took new commands.
public struct VenueRecovery: Sendable, CustomStringConvertible {
    /// Inputs sent again to each shard, in shard order.
    public var resent: [Int]
    /// The shard that took a baton handed over and not yet taken, if one did.
    public var batonTakenBy: Int?
    /// Reservations committed (their step had applied) and released (it had not).
    public var committed: [UInt64] = []
    public var released: [UInt64] = []
    /// Shards a tick cut short had not reached, ticked at its time.
    public var ticked: [Int] = []

    /// Nothing finished yet: `resent[k]` inputs sent again to shard k.
    public init(resent: [Int]) { self.resent = resent }

    public var description: String {
        var parts = ["inputs sent again per shard \(resent)"]
        if let batonTakenBy { parts.append("baton taken by shard \(batonTakenBy)") }
        if !committed.isEmpty { parts.append("reservations committed \(committed)") }
        if !released.isEmpty { parts.append("reservations released \(released)") }
        if !ticked.isEmpty { parts.append("shards ticked \(ticked)") }
        return parts.joined(separator: "; ")
    }
}
