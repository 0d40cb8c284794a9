import Foundation
import SolventCore
import SolventStore
import Testing

/// The gateway's write-ahead log on disk: what is appended reads back in order, with its
/// intents, across a reopening; a settle drops it; a second opener is refused while the first
/// holds the file.
struct SQLiteVenueLogTests {
    static func path(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("venue-log-\(name)-\(getpid()).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static let fill = Fill(
        market: MarketID(1), buyer: AccountID(7), seller: .venue, quantity: Quantity(atoms: 5),
        price: Price(atoms: 60_000), taker: .buyer)

    @Test func appendedInputsAndIntentsReadBackUntilSettled() throws {
        let path = Self.path("round-trip")
        Self.remove(path)
        defer { Self.remove(path) }
        let inputs = [
            VenueSentInput(shard: 0, sequence: 41, time: Timestamp(nanoseconds: 9), command: .applyFill(Self.fill)),
            VenueSentInput(shard: 2, sequence: UInt64(Int64.max) + 5, time: Timestamp(nanoseconds: 9), command: .tick),
        ]
        let intent = VenueIntent.deleveraging(home: 2, stepSequence: 8, reservations: [3, 4], price: Price(atoms: 7))
        do {
            let log = try SQLiteVenueLog(path: path)
            try log.append(inputs, intent: intent)
            try log.append([], intent: nil)
        }
        let reopened = try SQLiteVenueLog(path: path)
        let pending = try reopened.pending()
        #expect(pending.inputs == inputs)
        #expect(pending.intents == [intent])
        reopened.settle()
        #expect(try reopened.pending().inputs.isEmpty)
        let next = VenueSentInput(shard: 1, sequence: 3, time: Timestamp(nanoseconds: 10), command: .tick)
        try reopened.append([next], intent: nil)
        #expect(try reopened.pending().inputs == [next])
    }

    /// A settle is written with the next append: reopened before one, the settled rows come back
    /// (recovery then finds them in the shards' journals); after one, only what followed.
    @Test func aSettleIsWrittenWithTheNextAppend() throws {
        let path = Self.path("settle")
        Self.remove(path)
        defer { Self.remove(path) }
        let first = VenueSentInput(shard: 0, sequence: 5, time: Timestamp(nanoseconds: 1), command: .tick)
        do {
            let log = try SQLiteVenueLog(path: path)
            try log.append([first], intent: .tick(time: Timestamp(nanoseconds: 1)))
            log.settle()
            #expect(try log.pending().inputs.isEmpty)
        }
        let second = VenueSentInput(shard: 1, sequence: 9, time: Timestamp(nanoseconds: 2), command: .tick)
        do {
            let log = try SQLiteVenueLog(path: path)
            #expect(try log.pending().inputs == [first])
            #expect(try log.pending().intents == [.tick(time: Timestamp(nanoseconds: 1))])
            log.settle()
            try log.append([], intent: .fault("a test"))
            try log.append([second], intent: nil)
        }
        let reopened = try SQLiteVenueLog(path: path)
        #expect(try reopened.pending().inputs == [second])
        #expect(try reopened.pending().intents == [.fault("a test")])
    }

    @Test func aSecondGatewayOnTheSameLogIsRefused() throws {
        let path = Self.path("locked")
        Self.remove(path)
        defer { Self.remove(path) }
        let first = try SQLiteVenueLog(path: path)
        try first.append(
            [VenueSentInput(shard: 0, sequence: 1, time: Timestamp(nanoseconds: 1), command: .tick)], intent: nil)
        do {
            _ = try SQLiteVenueLog(path: path)
            Issue.record("a second log opened on a file the first holds")
        } catch {
            #expect(error.description.contains("in use"), "\(error)")
        }
        #expect(try first.pending().inputs.count == 1)
    }

    @Test func anUnwritablePathIsANamedFailure() {
        #expect(throws: VenueFailure.self) { try SQLiteVenueLog(path: "/nonexistent-directory/log.sqlite") }
    }
}
