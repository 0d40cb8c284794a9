import Foundation
import SolventCore
import Synchronization
import Testing

@testable import SolventStore

/// A snapshot holds only durable inputs: inputs queued while a batch commits may yet be refused,
/// so a snapshot written after the commit must not include them (a restart from it would hold
/// inputs the journal never got). And recovery passes over a snapshot past the journal's end.
@Suite struct DurableSnapshotTests {
    /// A store whose appends take a while (so inputs queue behind each commit) and which
    /// records, for every snapshot, the journal's last sequence when it was saved.
    final class SlowStore: JournalStore {
        let inner: SQLiteStore
        let saved = Mutex<[(snapshot: UInt64, journal: UInt64)]>([])
        init(_ inner: SQLiteStore) { self.inner = inner }
        func append(_ entries: [JournalEntry]) async throws {
            try await Task.sleep(for: .milliseconds(3))
            try await inner.append(entries)
        }
        func entries(after sequence: UInt64, limit: Int) async throws -> [JournalEntry] {
            try await inner.entries(after: sequence, limit: limit)
        }
        func lastSequence() async throws -> UInt64 { try await inner.lastSequence() }
        func saveSnapshot(_ snapshot: Snapshot) async throws {
            let journal = try await inner.lastSequence()
            saved.withLock { $0.append((snapshot.sequence, journal)) }
            try await inner.saveSnapshot(snapshot)
        }
        func latestSnapshot() async throws -> Snapshot? { try await inner.latestSnapshot() }
        func snapshot(atOrBefore sequence: UInt64) async throws -> Snapshot? {
            try await inner.snapshot(atOrBefore: sequence)
        }
        func saveKey(_ key: StoredKey) async throws { try await inner.saveKey(key) }
        func key(hash: String) async throws -> StoredKey? { try await inner.key(hash: hash) }
        func keys(limit: Int) async throws -> [StoredKey] { try await inner.keys(limit: limit) }
        func setting(_ name: String) async throws -> String? { try await inner.setting(name) }
        func saveSetting(_ name: String, _ value: String) async throws { try await inner.saveSetting(name, value) }
        func close() async throws { try await inner.close() }
    }

    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-durable-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).db"
        ).path
    }

    @Test func snapshotsHoldOnlyCommittedInputs() async throws {
        let store = SlowStore(try SQLiteStore(path: Self.path()))
        let engine = try await JournaledEngine(store: store, snapshotEvery: 7)
        let commands = venueCommands(seed: 3)
        // Sixteen submitters at once: inputs keep queuing while each batch commits.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for index in stride(from: lane, to: commands.count, by: 16) {
                        _ = try await engine.submit(commands[index])
                    }
                }
            }
            try await group.waitForAll()
        }
        let saved = store.saved.withLock { $0 }
        #expect(saved.count > 10)
        #expect(saved.allSatisfy { $0.snapshot <= $0.journal }, "\(saved.filter { $0.snapshot > $0.journal })")
        // Every snapshot is the state the journal replays to at its sequence.
        for (sequence, _) in saved.prefix(5) {
            let snapshot = try #require(try await store.snapshot(atOrBefore: sequence))
            var replayed = Engine()
            for entry in try await store.entries(after: 0, limit: Int(sequence)) {
                _ = replayed.execute(try entry.input(now: replayed.now))
            }
            #expect(replayed.digestHex() == snapshot.digest)
        }
    }

    @Test func recoveryPassesOverASnapshotPastTheJournal() async throws {
        let commands = Array(venueCommands(seed: 5).prefix(30))
        let full = try SQLiteStore(path: Self.path())
        let writer = try await JournaledEngine(store: full)
        for command in commands { _ = try await writer.submit(command) }
        // A journal of the first 20 inputs beside a snapshot of all 30.
        let short = try SQLiteStore(path: Self.path())
        try await short.append(try await full.entries(after: 0, limit: 20))
        let state = await writer.engine
        try await short.saveSnapshot(
            Snapshot(sequence: 30, digest: state.digestHex(), state: try JournalCodec.encodeState(state)))
        let recovered = try await JournaledEngine(store: short)
        #expect(recovered.recovery.lastSequence == 20 && recovered.recovery.snapshotSequence == 0)
        var replayed = Engine()
        for entry in try await full.entries(after: 0, limit: 20) {
            _ = replayed.execute(try entry.input(now: replayed.now))
        }
        #expect(recovered.recovery.digest == replayed.digestHex())
    }
}
