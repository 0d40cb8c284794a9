import Foundation
import Hummingbird
import ServiceLifecycle
import Synchronization

/// `GET /dashboard/live`: server-sent events for an open dashboard page. The page's inline
/// script opens it with the session cookie (the same authentication as `/dashboard`; a header
/// key works for scripts). Each response is short: it waits at most `liveWindow` for the
/// engine's sequence to move past the one the page shows (`Last-Event-ID`, which the browser
/// sends on every reconnection, or `?since=` on the first), sends one `update` event (a JSON
/// object from section id to that section's new HTML, rendered for the same viewer as the
/// page, with the sequence as its id) and ends; the browser reconnects after `retry`
/// (`liveRetry`). So no request stays open for long: a headless browser with a virtual time
/// budget finishes, a server shutting down waits for no stream, a client that left costs at most
/// one window, and a revoked key or a signed-out session is refused at the next reconnection.
extension SolventService {
    enum DashboardAccess {
        /// The viewer (nil: the open demo) and the session token it came with, if any.
        case allowed(Principal?, session: String?)
        /// The sign-in page's message (nil: no credentials at all).
        case refused(String?)
    }

    /// How long a live response waits for a change, and the reconnection delay it asks for
    /// (so at most about one update per second per page).
    static let liveWindow: Duration = .seconds(1)
    static let liveRetry = 1_000
    static let livePoll: Duration = .milliseconds(100)
    /// Live responses in flight per service (each renders the page's sections when it updates).
    static let liveLimit = 64

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
        if openDashboard { return .allowed(nil, session: nil) }  // the demo: the whole venue, no key
        return .refused(nil)
    }

    /// Whether a live stream's viewer still stands: its session is not signed out and its key
    /// is neither revoked nor expired.
    func dashboardViewerStands(_ principal: Principal?, session: String?) async -> Bool {
        if let session, sessions.peek(session) == nil { return false }
        guard let principal else { return true }
        return (try? await self.principal(keyHash: principal.keyHash)) != nil
    }

    /// `since`: the sequence the page shows (nil: the current one, so only a change is sent).
    func liveDashboard(principal: Principal?, session: String?, since: UInt64?) -> Response {
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
                try await writer.write(
                    ByteBuffer(string: "retry: 30000\n: too many live dashboards are open; updates resume later\n\n"))
                try await writer.finish(nil)
                return
            }
            defer { service.liveStreams.withLock { $0 -= 1 } }
            try await writer.write(ByteBuffer(string: "retry: \(Self.liveRetry)\n: connected\n\n"))
            var shown = since ?? 0
            if since == nil { shown = await service.engine.read { $0.lastSequence } }
            let deadline = ContinuousClock.now + Self.liveWindow
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let sequence = await service.engine.read { $0.lastSequence }
                if sequence != shown {
                    if await service.dashboardViewerStands(principal, session: session) {
                        let (sections, rendered) = await Dashboard.sections(service, viewer: viewer)
                        var fragments: [String: String] = [:]
                        for section in sections { fragments[section.id] = section.html }
                        let json = String(
                            decoding: try JSONSerialization.data(withJSONObject: fragments, options: [.sortedKeys]),
                            as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "event: update\nid: \(rendered)\ndata: \(json)\n\n"))
                    }
                    break
                }
                if ContinuousClock.now >= deadline { break }
                try await Task.sleep(for: Self.livePoll)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                Self.referrerPolicy: "no-referrer",
            ],
            body: body)
    }
}
