import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import SolventCore
import SolventStore

/// `solvent serve`'s application: the HTTP API, the dashboard and `/v1/stream`, the WebSocket
/// of committed events (a trader key receives only its own account's events), behind
/// the front end's `limits` (timeouts, sizes, connections, rates: see `FrontEndLimits`).
public enum SolventServer {
    public static func application(
        service: SolventService, host: String, port: Int, logger: Logger? = nil,
        limits: FrontEndLimits = FrontEndLimits(), shardProtocol: Bool = false,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "solvent.server")
        if logger == nil { log.logLevel = .warning }
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: TimeAmount(limits.idleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                maxHeaderFieldCount: limits.maxHeaderCount))
        let connections = ConnectionLimit(maximum: limits.maxConnections)
        let upgrade = { @Sendable (responder: @escaping HTTPChannelHandler.Responder) in
            HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init(http1: http1)) { request, _, _ in
                guard let path = request.path, path.hasPrefix("/v1/stream") else { return .dontUpgrade }
                // The header, or a ticket from POST /v1/tickets (StreamAccess.swift); never ?key=.
                guard let principal = await service.streamPrincipal(request) else { return .dontUpgrade }
                let account: UInt64? = principal.role == .trader ? principal.account : nil
                return .upgrade([:]) { inbound, outbound, _ in
                    let (id, stream) = service.hub.subscribe(account: account)
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            // The client's frames are ignored; its close ends the stream.
                            do { for try await _ in inbound {} } catch {}
                            service.hub.unsubscribe(id)
                        }
                        group.addTask {
                            for await event in stream {
                                guard await service.streamStillAllowed(principal) else { break }  // revoked or expired
                                do { try await outbound.write(.text(event.json)) } catch { break }
                            }
                        }
                        // Either side ending ends the stream (the client's close, or the key's end).
                        _ = await group.next()
                        service.hub.unsubscribe(id)
                        group.cancelAll()
                    }
                }
            }
        }
        let routes = try service.router(shardProtocol: shardProtocol).buildResponder()
        return Application(
            responder: RateLimitedResponder(base: routes, limits: limits),
            server: HTTPServerBuilder { responder in
                GuardedChannel(base: upgrade(responder), limits: limits, connections: connections)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "solvent"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: log
        )
    }

    /// The server did not report a bound port (it stopped while starting).
    public struct NotStarted: Error, CustomStringConvertible {
        public var description: String { "the server stopped before it was listening" }
    }

    /// Runs `service`'s application in a task and returns once it listens, with the port it bound
    /// (`port` 0: any free one) — for a process that embeds the service, and for tests that need a
    /// real socket. Cancel the task to stop the server.
    public static func start(
        service: SolventService, host: String = "127.0.0.1", port: Int = 0,
        limits: FrontEndLimits = FrontEndLimits(),
        logger: Logger? = nil
    ) async throws -> (port: Int, server: Task<Void, any Error>) {
        let ports = AsyncStream<Int>.makeStream()
        let app = try application(service: service, host: host, port: port, logger: logger, limits: limits) { bound in
            ports.continuation.yield(bound)
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], logger: logger ?? Logger(label: "solvent.server")))
        let server = Task { try await group.run() }
        var iterator = ports.stream.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            server.cancel()
            throw NotStarted()
        }
        return (bound, server)
    }
}
