import Foundation
import SolventCore
import SolventStore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Goal: nothing acknowledged is ever lost. Method: `solvent serve` as a real process under a
/// load of concurrent deposits, killed with SIGKILL at seeded random moments (three times);
/// after each kill every acknowledged deposit is in the journal with its sequence number, and
/// the restarted service's digest equals a clean replay of the journal. Needs the built binary
/// (`.ci/run` builds it first; or set SOLVENT_BINARY); skipped, with a message, without it.
struct CrashSafetyTests {
    static let binary: String? = {
        if let path = ProcessInfo.processInfo.environment["SOLVENT_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent(".build/debug/solvent").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// Acknowledgements so far, shared by the load clients: the kill waits for real load
    /// (not a fixed delay, which on a busy CI machine may end before the server warms up).
    final class AcknowledgedCount: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    static func post(_ port: Int, _ path: String, key: String, _ body: String) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    static func health(_ port: Int) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        return ((try JSONSerialization.jsonObject(with: data)) as? [String: Any])?["digest"] as? String ?? ""
    }

    @Test(
        .enabled(
            if: binary != nil, "the solvent binary is not built (swift build --product solvent): crash test skipped"))
    func acknowledgedInputsSurviveSIGKILL() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("solvent-crash-\(getpid()).db").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        var server = try SolventProcess(["serve", "--db", db, "--port", "0"])
        let admin = try #require(server.adminKey, "the first start prints the admin key")
        #expect(server.port > 0)
        for (path, body) in [
            ("/v1/assets", #"{"id": 1, "symbol": "USDT", "scale": 6}"#), ("/v1/accounts", #"{"account": 1}"#),
        ] {
            #expect(try await Self.post(server.port, path, key: admin, body).0 == 200)
        }
        var seed: UInt64 = 77
        var amount = 0
        for round in 0..<3 {
            // Eight clients deposit distinct amounts (atoms) until the kill.
            let port = server.port
            let counter = AcknowledgedCount()
            let acknowledged = try await withThrowingTaskGroup(of: [(UInt64, Int)].self) { group in
                for client in 0..<8 {
                    let base = amount + client * 100_000
                    group.addTask {
                        var done: [(UInt64, Int)] = []
                        for index in 1...100_000 {
                            let atoms = base + index
                            guard
                                let (status, body) = try? await Self.post(
                                    port, "/v1/deposits", key: admin,
                                    #"{"account": 1, "asset": 1, "amount": "0.\#(String(format: "%06d", atoms % 1_000_000))"}"#
                                ),
                                status == 200, let sequence = body["sequence"] as? Int
                            else { break }
                            done.append((UInt64(sequence), atoms % 1_000_000))
                            counter.increment()
                        }
                        return done
                    }
                }
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                // Wait for the load to be running (50 acknowledged, at most 60 s), then kill at a
                // seeded random moment within the next 0.9 s.
                let warm = Date().addingTimeInterval(60)
                while counter.count < 50, Date() < warm { try await Task.sleep(nanoseconds: 10_000_000) }
                let delay = Int(seed >> 33) % 900
                try await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000)
                server.kill()
                var all: [(UInt64, Int)] = []
                for try await part in group { all += part }
                return all
            }
            amount += 800_000
            #expect(acknowledged.count > 10, "round \(round): the load ran (\(acknowledged.count) acknowledged)")
            // Every acknowledged deposit is journaled at its sequence, with its amount.
            let store = try SQLiteStore(path: db)
            let journal = try await store.entries(after: 0, limit: 10_000_000)
            var bySequence: [UInt64: Command] = [:]
            for entry in journal { bySequence[entry.sequence] = try JournalCodec.decode(entry.command) }
            var missing = 0
            for (sequence, atoms) in acknowledged {
                guard case .deposit(_, _, let deposited)? = bySequence[sequence], deposited.atoms == Int64(atoms) else {
                    missing += 1; continue
                }
            }
            #expect(missing == 0, "round \(round): \(missing) of \(acknowledged.count) acknowledged deposits missing")
            var clean = Engine()
            _ = try await JournaledEngine.replay(&clean, from: store)
            try await store.close()
            // Restart: recovery reaches the clean replay's digest.
            server = try SolventProcess(["serve", "--db", db, "--port", "0"])
            #expect(server.port > 0)
            #expect(try await Self.health(server.port) == clean.digestHex(), "round \(round): recovered digest")
            print(
                "crash round \(round): \(acknowledged.count) acknowledged, journal \(journal.count) inputs, digest matches"
            )
        }
        server.kill()
    }
}
