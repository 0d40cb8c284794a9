import Foundation
import Hummingbird
import ServiceLifecycle
import Synchronization

/// `GET /dashboard/live`: server-sent events for an open dashboard page. The page's inline
/// script opens it with the session cookie (the same authentication as `/dashboard`; a header
/// key works for scripts); each `update` event is a JSON object from section id to that
/// section's new HTML, rendered for the same viewer as the page, which the script swaps in.
/// Updates follow the engine's sequence, at most one per `liveInterval`, with a comment line
/// every 15 s so proxies keep the connection. The stream ends when the client goes (noticed at
/// the next write), the server shuts down (gracefully: it does not wait for open streams), the
/// session is signed out, or the key is revoked or expires.
extension SolventService {
    enum DashboardAccess {
        /// The viewer (nil: the open demo) and the session token it came with, if any.
        case allowed(Principal?, session: String?)
        /// The sign-in page's message (nil: no credentials at all).
        case refused(String?)
    }

    static let liveInterval: Duration = .milliseconds(500)
    static let livePoll: Duration = .milliseconds(200)
    static let liveHeartbeat: Duration = .seconds(15)
    /// Open live streams per service (each renders the page's sections on every update).
    static let liveLimit = 32

    /// Who is looking: the session cookie, else the Authorization header, else nobody (allowed
    /// only on the open demo dashboard).
    func dashboardViewer(_ request: Request) async throws -> DashboardAccess {
        if let token = request.cookies[Self.sessionCookie]?.value, let hash = sessions.peek(token) {
            do { return .allowed(try await principal(keyHash: hash), session: token) } catch let error as APIError {
                sessions.remove(token)
                return .refused(error.message)
            }
        }
        if Self.headerKey(request.headers) != nil { return .allowed(try await authenticate(request), session: nil) }
        if openDashboard { return .allowed(nil, session: nil) }   // the demo: the whole venue, no key
        return .refused(nil)
    }

    /// Whether a live stream's viewer still stands: its session is not signed out and its key
    /// is neither revoked nor expired.
    func dashboardViewerStands(_ principal: Principal?, session: String?) async -> Bool {
        if let session, sessions.peek(session) == nil { return false }
        guard let principal else { return true }
        return (try? await self.principal(keyHash: principal.keyHash)) != nil
    }

    func liveDashboard(principal: Principal?, session: String?) -> Response {
        let service = self
        let viewer = Dashboard.Viewer(principal)
        let body = ResponseBody { writer in
            // Counted while the body is written (a client gone before that holds no place).
            let admitted = service.liveStreams.withLock { count in
                guard count < Self.liveLimit else { return false }
                count += 1
                return true
            }
            guard admitted else {
                try await writer.write(ByteBuffer(string: "retry: 30000\n: too many live dashboards are open; this page stays static\n\n"))
                try await writer.finish(nil)
                return
            }
            defer { service.liveStreams.withLock { $0 -= 1 } }
            try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
            var shown = await service.engine.read { $0.lastSequence }
            let clock = ContinuousClock()
            var lastWrite = clock.now, lastUpdate = clock.now - Self.liveInterval
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try await Task.sleep(for: Self.livePoll)
                let sequence = await service.engine.read { $0.lastSequence }
                if sequence != shown && clock.now - lastUpdate >= Self.liveInterval {
                    guard await service.dashboardViewerStands(principal, session: session) else { break }
                    shown = sequence
                    let sections = await Dashboard.sections(service, viewer: viewer)
                    var fragments: [String: String] = [:]
                    for section in sections { fragments[section.id] = section.html }
                    let json = String(decoding: try JSONSerialization.data(withJSONObject: fragments, options: [.sortedKeys]), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: update\nid: \(sequence)\ndata: \(json)\n\n"))
                    lastUpdate = clock.now
                    lastWrite = lastUpdate
                } else if clock.now - lastWrite >= Self.liveHeartbeat {
                    guard await service.dashboardViewerStands(principal, session: session) else { break }
                    try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                    lastWrite = clock.now
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok,
                        headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", Self.referrerPolicy: "no-referrer"],
                        body: body)
    }
}
