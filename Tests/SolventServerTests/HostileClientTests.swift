import Foundation
import Logging
import ServiceLifecycle
import SolventRandom
import SolventServer
import Testing

/// Goal: no client — slow, malformed or flooding — takes the service from the others. Method:
/// the real server on 127.0.0.1 (an ephemeral port, tight limits so each scenario takes
/// seconds), attackers on raw TCP sockets from 127.0.0.2 and up, and throughout each scenario an
/// honest client on 127.0.0.1 asking `GET /health` every 10 ms and an authenticated
/// `GET /v1/markets` every fifth time: every answer must be right and `/health` fast (p50, p99
/// and max are printed per scenario). Bounded: at most 300 connections, about 3 s a scenario.
@Suite(
    .serialized,
    .enabled(
        if: RawSocket.canBind("127.0.0.2"),
        "127.0.0.2 is not a local address here (macOS): hostile-client tests skipped"))
struct HostileClientTests {
    static let limits: FrontEndLimits = {
        var limits = FrontEndLimits()
        limits.readTimeout = .seconds(1)
        limits.idleTimeout = .seconds(2)
        limits.maxHeaderBytes = 8 * 1024
        limits.maxBodyBytes = 64 * 1024
        limits.maxConnections = 64
        limits.keyRate = 20
        limits.keyBurst = 20
        limits.addressRate = 200
        limits.addressBurst = 200
        return limits
    }()

    /// `/health` must answer within this, at the 99th percentile.
    static let healthBudgetMilliseconds = 100.0

    @Test func slowLorisHeadersAreCutOff() async throws {
        try await scenario("slow-loris") { server in
            // 40 connections each sending a request head one byte every 50 ms (it would take 6 s).
            let head = Array(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nX-Padding: \(String(repeating: "a", count: 60))\r\n\r\n"
                    .utf8)
            let started = Date()
            var sockets = try (0..<40).map { _ in try RawSocket(port: server.port, from: "127.0.0.2") }
            var closedAfter: [Double] = []
            var index = 0
            while !sockets.isEmpty, Date().timeIntervalSince(started) < 4 {
                sockets.removeAll { socket in
                    let open = index < head.count ? socket.send([head[index]]) : true
                    if case .timedOut = socket.read(timeout: 0) { if open { return false } }
                    closedAfter.append(Date().timeIntervalSince(started))
                    return true
                }
                index += 1
                Thread.sleep(forTimeInterval: 0.05)
            }
            var report = Report()
            report.check(sockets.isEmpty, "\(sockets.count) slow-loris connections still open after 4 s")
            report.check(
                closedAfter.allSatisfy { $0 < 2.5 },
                "slow-loris connections closed after \(closedAfter.max() ?? 0) s (read timeout 1 s)")
            report.note("40 slow-loris connections closed after at most \(format(closedAfter.max() ?? 0)) s")
            return report
        }
    }

    @Test func silentIdleAndHalfSentConnectionsAreClosed() async throws {
        try await scenario("half-sent") { server in
            var report = Report()
            let started = Date()
            // Nothing at all; a body of 1,000 bytes announced, 10 sent (to a route that reads it,
            // and to one that refuses the key first); an answered request, then silence.
            let silent = try (0..<15).map { _ in try RawSocket(port: server.port, from: "127.0.0.2") }
            let halfSent = try (0..<30).map { index -> RawSocket in
                let socket = try RawSocket(port: server.port, from: "127.0.0.2")
                let key = index < 15 ? server.harness.admin : "sk_wrong"
                socket.send(
                    "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"account\":"
                )
                return socket
            }
            let idle = try (0..<5).map { _ -> RawSocket in
                let socket = try RawSocket(port: server.port, from: "127.0.0.2")
                socket.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                report.check(socket.response()?.status == 200, "a kept-alive connection's first request answered")
                return socket
            }
            // One deadline for all (a failing server must not make the wait add up per socket).
            let closes = Deadline(seconds: 3)
            for socket in silent {
                let reply = socket.response(timeout: closes.remaining)
                report.check(
                    reply?.status == 408,
                    "a silent connection gets 408, got \(reply.map { "\($0.status)" } ?? "nothing")")
                report.check(socket.closedByServer(within: closes.remaining), "a silent connection is closed")
            }
            for (index, socket) in halfSent.enumerated() {
                let reply = socket.response(timeout: closes.remaining)
                // A route reading the body is cut off with 408; a refused key was answered 401 at once.
                report.check(
                    reply?.status == (index < 15 ? 408 : 401),
                    "half-sent body \(index): got \(reply.map { "\($0.status)" } ?? "nothing")")
                report.check(socket.closedByServer(within: closes.remaining), "a half-sent body's connection is closed")
            }
            let readDone = Date().timeIntervalSince(started)
            report.check(
                readDone < 2.5, "silent and half-sent connections closed after \(readDone) s (read timeout 1 s)")
            let idleCloses = Deadline(seconds: 2)
            for socket in idle {
                report.check(
                    socket.closedByServer(within: idleCloses.remaining),
                    "an idle kept-alive connection is closed (idle timeout 2 s)")
            }
            report.note(
                "15 silent and 30 half-sent connections closed within \(format(readDone)) s, 5 idle ones within \(format(Date().timeIntervalSince(started))) s"
            )
            return report
        }
    }

    @Test func malformedRequestsGetA4xxAndAClosedConnection() async throws {
        try await scenario("malformed") { server in
            var garbage = SeededBytes(seed: 2026)
            let cases: [(String, [UInt8])] = [
                ("unknown method", Array("FOO / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
                ("space in the path", Array("GET /v1/mar kets HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
                ("invalid header name", Array("GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n".utf8)),
                ("control byte in a header name", Array("GET /health HTTP/1.1\r\nHost: x\r\nX-\u{1}: 1\r\n\r\n".utf8)),
                ("header line without a colon", Array("GET /health HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n".utf8)),
                (
                    "Content-Length and Transfer-Encoding",
                    Array(
                        "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                            .utf8)
                ),
                (
                    "two different Content-Lengths",
                    Array(
                        "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"
                            .utf8)
                ),
                (
                    "non-numeric Content-Length",
                    Array("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: five\r\n\r\nhello".utf8)
                ),
                (
                    "bad chunk size",
                    Array(
                        "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
                            .utf8)
                ),
                (
                    "200 KB header",
                    Array(
                        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n"
                            .utf8)
                ),
                (
                    "200 KB path",
                    Array("GET /\(String(repeating: "a", count: 200_000)) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                ),
                (
                    "500 headers",
                    Array(
                        ("GET /health HTTP/1.1\r\nHost: x\r\n" + (0..<500).map { "X-\($0): 1\r\n" }.joined() + "\r\n")
                            .utf8)
                ),
                (
                    "body over the limit",
                    Array("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n".utf8)
                ),
                ("binary garbage", garbage.next(256)),
                ("NUL bytes", [UInt8](repeating: 0, count: 64)),
                (
                    "TLS hello on the plain port",
                    [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03] + garbage.next(64)
                ),
                (
                    "garbage after a good request",
                    Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n\u{1}\u{2}\u{3} nonsense\r\n\r\n".utf8)
                ),
            ]
            var report = Report()
            var statuses: [String] = []
            let deadline = Deadline(seconds: 10)
            for (name, bytes) in cases {
                let socket = try RawSocket(port: server.port, from: "127.0.0.3")
                socket.send(bytes)
                var reply = socket.response(timeout: min(2, deadline.remaining))
                if name == "garbage after a good request" {
                    report.check(reply?.status == 200, "\(name): the good request is answered first")
                    reply = socket.response(timeout: min(2, deadline.remaining))
                }
                let status = reply?.status ?? 0
                statuses.append("\(name) \(status)")
                report.check(
                    (400..<500).contains(status),
                    "\(name): expected a 4xx reply, got \(reply.map { "\($0.status) \($0.body)" } ?? "nothing")")
                report.check(reply?.headers["connection"] == "close", "\(name): the reply says connection: close")
                if let reply {
                    report.check(reply.body.contains("\"error\""), "\(name): a JSON error body, got \(reply.body)")
                }
                report.check(
                    socket.closedByServer(within: min(2, deadline.remaining)), "\(name): the connection is closed")
                socket.close()
            }
            report.note(statuses.joined(separator: ", "))
            return report
        }
    }

    @Test func connectionsBeyondTheCapAreRefusedPromptly() async throws {
        try await scenario("many connections") { server in
            var report = Report()
            // 300 connections, the cap is 64 (the honest client holds one): the first ones are
            // accepted and held until the read timeout, the rest are told 503 and closed.
            let sockets = try (0..<300).map { _ in try RawSocket(port: server.port, from: "127.0.0.4") }
            var refused = 0, timedOut = 0
            let closes = Deadline(seconds: 3)
            for socket in sockets {
                let reply = socket.response(timeout: closes.remaining)
                let closed = socket.closedByServer(within: closes.remaining)
                report.check(closed, "every connection is closed by the server")
                switch reply?.status {
                case 503?: refused += 1
                case 408?: timedOut += 1
                default: report.check(false, "expected 503 or 408, got \(reply.map { "\($0.status)" } ?? "nothing")")
                }
            }
            report.check(refused >= 300 - 64, "at least 236 refused, got \(refused)")
            report.check(timedOut <= 63, "at most 63 accepted beside the honest client, got \(timedOut)")
            report.note(
                "300 connections: \(refused) refused with 503, \(timedOut) accepted and closed at the read timeout")
            // Refused ones were read in order, after the accepted ones' timeouts: the refusal's
            // own promptness is checked on a fresh connection while the cap is full again.
            let holders = try (0..<63).map { _ in try RawSocket(port: server.port, from: "127.0.0.4") }
            let start = Date()
            let late = try RawSocket(port: server.port, from: "127.0.0.4")
            let lateReply = late.response(timeout: 2)
            let refusalSeconds = Date().timeIntervalSince(start)
            report.check(
                lateReply?.status == 503 && refusalSeconds < 0.5,
                "a connection over the cap is refused at once: \(lateReply?.status ?? 0) after \(refusalSeconds) s")
            report.note("a refusal at the cap took \(format(refusalSeconds * 1_000)) ms")
            holders.forEach { $0.close() }
            return report
        }
    }

    @Test func floodsOfBadKeysGet401Or429() async throws {
        try await scenario("bad-key flood") { server in
            var report = Report()
            // Four kept-alive connections from one address, 250 requests each with a new bad key, sent
            // pipelined 25 at a time: the flood's pace is then the server's, not the client's round
            // trips, so the address limit (200 a second) answers on a loaded machine too.
            var counts: [Int: Int] = [:]
            var retryAfter: [String] = []
            let deadline = Deadline(seconds: 10)
            for connection in 0..<4 where deadline.remaining > 0 {
                var socket = try RawSocket(port: server.port, from: "127.0.0.5")
                for batch in 0..<10 where deadline.remaining > 0 {
                    let requests = (0..<25).map {
                        "GET /v1/markets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_bad\(connection)_\(batch)_\($0)\r\n\r\n"
                    }
                    guard socket.send(requests.joined()) else {
                        counts[0, default: 0] += 25
                        socket = try RawSocket(port: server.port, from: "127.0.0.5")
                        continue
                    }
                    for _ in 0..<25 {
                        guard let reply = socket.response(timeout: min(3, deadline.remaining)) else {
                            counts[0, default: 0] += 1
                            continue
                        }
                        counts[reply.status, default: 0] += 1
                        if reply.status == 429 {
                            retryAfter.append(reply.headers["retry-after"] ?? "")
                            report.check(
                                reply.body.contains("\"error\":\"rateLimited\""),
                                "a 429's body names the error: \(reply.body)")
                        }
                    }
                }
            }
            report.check(
                counts.values.reduce(0, +) == 1_000, "all 1,000 bad-key requests answered within 10 s: \(counts)")
            report.check(Set(counts.keys).isSubset(of: [401, 429]), "bad keys get 401 or 429 only: \(counts)")
            report.check(
                (counts[429] ?? 0) > 0 && (counts[401] ?? 0) > 0,
                "both the key check and the address limit answered: \(counts)")
            report.check(
                retryAfter.allSatisfy { Int($0).map { $0 >= 1 } ?? false }, "every 429 has Retry-After in whole seconds"
            )
            // One good key past its own bucket (20 at once), from another address.
            let socket = try RawSocket(port: server.port, from: "127.0.0.6")
            var keyCounts: [Int: Int] = [:]
            for _ in 0..<40 where deadline.remaining > 0 {
                socket.send("GET /v1/markets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.trader)\r\n\r\n")
                let reply = socket.response(timeout: min(3, deadline.remaining))
                keyCounts[reply?.status ?? 0, default: 0] += 1
                if reply?.status == 429 {
                    report.check(reply?.headers["retry-after"] != nil, "a per-key 429 has Retry-After")
                }
            }
            report.check(
                (keyCounts[200] ?? 0) >= 20 && (keyCounts[429] ?? 0) >= 1
                    && keyCounts.keys.allSatisfy { [200, 429].contains($0) },
                "a key over its rate gets 429 after its burst: \(keyCounts)")
            report.note(
                "1,000 bad-key requests: \(counts.sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: ", ")); one key sending 40 at once: \(keyCounts.sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: ", "))"
            )
            return report
        }
    }

    // MARK: The harness

    struct RunningServer: Sendable {
        let harness: ServerHarness
        let port: Int
        let trader: String
    }

    /// What an attack found: problems fail the test, notes are printed.
    struct Report: Sendable {
        var problems: [String] = []
        var notes: [String] = []
        mutating func check(_ condition: Bool, _ problem: @autoclosure () -> String) {
            if !condition { problems.append(problem()) }
        }
        mutating func note(_ text: String) { notes.append(text) }
    }

    /// Starts the server with the test limits and the honest client, runs `attack` on its own
    /// thread (blocking sockets must not occupy the concurrency pool), then checks both.
    func scenario(_ name: String, attack: @escaping @Sendable (RunningServer) throws -> Report) async throws {
        let harness = try await ServerHarness.make("hostile")
        let trader = try await harness.trader(7)
        let ports = AsyncStream<Int>.makeStream()
        let app = try SolventServer.application(
            service: harness.service, host: "127.0.0.1", port: 0, logger: ServerHarness.quiet, limits: Self.limits
        ) { port in
            ports.continuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: ServerHarness.quiet))
        let serverTask = Task { try await group.run() }
        defer { serverTask.cancel() }
        var iterator = ports.stream.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let server = RunningServer(harness: harness, port: port, trader: trader)

        let honest = try HonestClient(port: port, key: harness.readonly)
        honest.start()
        // `swift test` runs the other suites in parallel on the same cores (the crash test drives
        // a server process with eight clients): wait, at most 20 s, until /health is steadily
        // quick before attacking, so that what is measured is the attack's effect and not theirs.
        let quietBy = Deadline(seconds: 20), waiting = Date()
        repeat {
            try await Task.sleep(for: .milliseconds(200))
        } while quietBy.remaining > 0 && !honest.isQuiet
        let waited = Date().timeIntervalSince(waiting)
        honest.reset()
        let outcome = await onThread { Result { try attack(server) } }
        try await Task.sleep(for: .milliseconds(300))
        let health = await honest.finish()
        // The service still shuts down gracefully: no connection is left hanging.
        let stopping = Date()
        await group.triggerGracefulShutdown()
        let stopped = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                _ = try? await serverTask.value; return true
            }
            tasks.addTask {
                try? await Task.sleep(for: .seconds(5)); return false
            }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            serverTask.cancel()
            return first
        }

        let report = try outcome.get()
        if waited > 1 { print("hostile \(name): waited \(format(waited)) s for a quiet machine before attacking") }
        print(
            "hostile \(name): /health p50 \(format(health.p50)) ms, p99 \(format(health.p99)) ms, max \(format(health.max)) ms over \(health.count) requests, \(health.reads) authenticated reads"
        )
        for note in report.notes { print("hostile \(name): \(note)") }
        print("hostile \(name): shut down in \(format(Date().timeIntervalSince(stopping))) s")
        #expect(
            report.problems.isEmpty,
            "\(name): \(report.problems.prefix(10).joined(separator: "; "))\(report.problems.count > 10 ? " … (\(report.problems.count) problems)" : "")"
        )
        #expect(health.failures.isEmpty, "\(name): honest client: \(health.failures.prefix(5))")
        #expect(health.count >= 10, "\(name): the honest client kept asking (\(health.count) requests)")
        #expect(health.p99 < Self.healthBudgetMilliseconds, "\(name): /health p99 \(health.p99) ms")
        #expect(stopped, "\(name): the service shut down gracefully within 5 s")
    }
}

/// A time by which a whole group of waits must be over.
struct Deadline {
    let end: Date
    init(seconds: Double) { end = Date().addingTimeInterval(seconds) }
    var remaining: Double { max(0, end.timeIntervalSinceNow) }
}

/// Runs blocking work on a thread of its own and awaits its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

func format(_ value: Double) -> String { String(format: "%.1f", value) }

/// The honest client: one kept-alive connection from 127.0.0.1, `GET /health` every 10 ms and
/// every fifth time an authenticated read; records each `/health` latency and every failure.
final class HonestClient: @unchecked Sendable {
    struct Summary {
        var latencies: [Double]
        var failures: [String]
        var reads: Int
        var count: Int { latencies.count }
        var p50: Double { percentile(0.50) }
        var p99: Double { percentile(0.99) }
        var max: Double { latencies.max() ?? 0 }
        func percentile(_ q: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
        }
    }

    private let port: Int
    private let key: String
    private let lock = NSLock()
    private var stopping = false
    private var summary = Summary(latencies: [], failures: [], reads: 0)
    private let done = DispatchSemaphore(value: 0)
    private var socket: RawSocket

    init(port: Int, key: String) throws {
        self.port = port
        self.key = key
        socket = try RawSocket(port: port)
    }

    func start() { Thread { self.run() }.start() }

    /// The last 50 answers of `/health` (about 0.6 s) each took under 10 ms.
    var isQuiet: Bool {
        lock.withLock { summary.latencies.count >= 50 && summary.latencies.suffix(50).allSatisfy { $0 < 10 } }
    }

    /// Forgets what was measured so far (the measurement starts with the attack).
    func reset() { lock.withLock { summary = Summary(latencies: [], failures: summary.failures, reads: 0) } }

    func finish() async -> Summary {
        lock.withLock { stopping = true }
        await onThread { self.done.wait() }
        socket.close()
        return lock.withLock { summary }
    }

    private func run() {
        var round = 0
        while !lock.withLock({ stopping }) {
            let started = DispatchTime.now().uptimeNanoseconds
            socket.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let health = socket.response(timeout: 2)
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            if health?.status == 200 && health?.body.contains("\"status\":\"ok\"") == true {
                lock.withLock { summary.latencies.append(milliseconds) }
            } else {
                record(
                    "GET /health: \(health.map { "\($0.status) \($0.body)" } ?? "no answer") after \(milliseconds) ms")
            }
            round += 1
            if round % 5 == 0 {
                socket.send("GET /v1/markets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n\r\n")
                let read = socket.response(timeout: 2)
                if read?.status == 200 {
                    lock.withLock { summary.reads += 1 }
                } else {
                    record("GET /v1/markets: \(read.map { "\($0.status) \($0.body)" } ?? "no answer")")
                }
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        done.signal()
    }

    /// A failure; the connection is replaced in case it was the one that broke.
    private func record(_ failure: String) {
        lock.withLock { summary.failures.append(failure) }
        if let fresh = try? RawSocket(port: port) { socket = fresh }
    }
}

/// Reproducible garbage (SplitMix64).
struct SeededBytes {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func next(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) } }
}
