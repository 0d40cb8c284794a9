import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import ServiceLifecycle
import SolventServer
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Goal: the real WebSocket endpoint streams committed events, and a trader's key sees only its
/// own account's. Method: the service's application on a free port, two WebSocket clients (a
/// read-only key and account 1's trader key), a liquidation of account 1 and a deposit to
/// account 3 through the HTTP API.
struct WebSocketTests {
    actor Collected {
        var frames: [String] = []
        func add(_ text: String) { frames.append(text) }
    }

    @Test func theStreamDeliversCommittedEventsFilteredByAccount() async throws {
        let h = try await ServerHarness.make("websocket")
        let trader = try await h.trader(1)
        let (port, server) = try await h.serve()
        defer { server.cancel() }
        // Seed through the API (in-process router client shares the same service).
        try await h.app().test(.router) { client in try await seedVenue(client, h) }
        let everything = Collected(), own = Collected()
        // The read-only client sends its key in the header; the trader's, as a browser would, a
        // single-use ticket in the URL.
        let ticket = try await h.app().test(.router) { client in
            try await client.call(.post, "/v1/tickets", key: trader).object["ticket"] as? String
        }
        let connections: [(String, WebSocketClientConfiguration, Collected)] = [
            ("", .init(additionalHeaders: [.authorization: "Bearer \(h.readonly)"]), everything),
            ("?ticket=\(try #require(ticket))", .init(), own),
        ]
        let watchers = Task {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (query, configuration, sink) in connections {
                    tasks.addTask {
                        _ = try await WebSocketClient.connect(
                            url: "ws://127.0.0.1:\(port)/v1/stream\(query)", configuration: configuration,
                            logger: Logger(label: "ws")
                        ) { inbound, _, _ in
                            for try await message in inbound.messages(maxSize: 1 << 20) {
                                if case .text(let text) = message { await sink.add(text) }
                            }
                        }
                    }
                }
                try await tasks.waitForAll()
            }
        }
        try await Task.sleep(nanoseconds: 300_000_000)  // both upgrades done
        try await h.app().test(.router) { client in
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#)
            try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            try await client.call(.post, "/v1/insurance-fund", key: h.admin, #"{"asset": 1, "amount": "5"}"#)
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        watchers.cancel()
        let all = await everything.frames, mine = await own.frames
        #expect(all.contains { $0.contains("\"type\":\"positionLiquidated\"") }, "\(all)")
        #expect(all.contains { $0.contains("\"type\":\"insuranceFunded\"") })
        #expect(mine.contains { $0.contains("\"type\":\"positionLiquidated\"") }, "\(mine)")
        #expect(!mine.contains { $0.contains("insuranceFunded") }, "a trader sees only its own account's events")
        // A bad key, a used ticket, or a key in the URL gets no stream.
        for (query, configuration) in [
            ("", WebSocketClientConfiguration(additionalHeaders: [.authorization: "Bearer nope"])),
            ("?ticket=\(ticket!)", .init()), ("?key=\(h.readonly)", .init()),
        ] {
            await #expect(throws: (any Error).self) {
                _ = try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/v1/stream\(query)", configuration: configuration,
                    logger: Logger(label: "ws")
                ) { _, _, _ in }
            }
        }
    }
}
