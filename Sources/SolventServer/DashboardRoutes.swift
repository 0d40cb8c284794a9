import Foundation
import Hummingbird

/// How a browser reaches the dashboard without a key in its URL: the sign-in form POSTs the key
/// (or `?ticket=` redeems a single-use ticket from `POST /v1/tickets`), and the answer is a
/// redirect to `/dashboard` setting an HttpOnly, SameSite=Strict session cookie. The session
/// names the key's hash only; every page load re-authenticates that key, so revoking or
/// expiring it signs the browser out at once. Scripts (curl, tests) may send the
/// Authorization header instead. `GET /dashboard/live` streams the page's sections as
/// server-sent events to the same session (DashboardLive.swift).
extension SolventService {
    static let sessionCookie = "solvent_session"

    func addDashboardRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.get("/dashboard") { request, _ in
            let query = request.uri.queryParameters
            if query.get("key") != nil { return Self.signInPage(APIError.keyInURL.message) }
            if let ticket = query.get("ticket") {
                guard let hash = service.tickets.take(ticket) else {
                    return Self.signInPage("the ticket is unknown, used or expired: tickets work once, within 30 s")
                }
                return try await service.startSession(keyHash: hash)
            }
            switch try await service.dashboardViewer(request) {
            case .refused(let message): return Self.signInPage(message)
            case .allowed(let principal, _):
                // A fresh nonce per page: the CSP runs this page's one inline script and no other.
                let nonce = AccessKeys.randomHex()
                return Self.page(
                    .ok, await Dashboard.html(service, viewer: Dashboard.Viewer(principal), nonce: nonce),
                    scriptNonce: nonce)
            }
        }
        router.get("/dashboard/live") { request, _ in
            if request.uri.queryParameters.get("key") != nil { throw APIError.keyInURL }
            switch try await service.dashboardViewer(request) {
            case .refused(let message):
                return Response(
                    status: .unauthorized,
                    headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(string: (message ?? "sign in at /dashboard first") + "\n")))
            case .allowed(let principal, let session):
                // A session or key that no longer stands was refused above: the browser's
                // EventSource stops on the 401 (the page stays, static).
                let since: UInt64?
                if let header = request.headers[Self.lastEventID] {
                    guard let value = UInt64(header) else {
                        throw APIError.invalid("Last-Event-ID", "expected a sequence number")
                    }
                    since = value
                } else if let query = request.uri.queryParameters.get("since") {
                    guard let value = UInt64(query) else {
                        throw APIError.invalid("since", "expected a sequence number")
                    }
                    since = value
                } else {
                    since = nil
                }
                return service.liveDashboard(principal: principal, session: session, since: since)
            }
        }
        router.post("/dashboard/session") { request, _ in
            let body = request.body
            let form: ByteBuffer
            do { form = try await body.collect(upTo: 4_096) } catch { return Self.signInPage("the form is too large") }
            guard let key = Self.formValue("key", in: String(buffer: form)), !key.isEmpty else {
                return Self.signInPage("enter an API key")
            }
            do { _ = try await service.principal(key: key) } catch let error as APIError {
                return Self.signInPage(error.message)
            }
            return try await service.startSession(keyHash: AccessKeys.hash(key))
        }
        router.post("/dashboard/signout") { request, _ in
            if let token = request.cookies[Self.sessionCookie]?.value { service.sessions.remove(token) }
            var response = Response(status: .seeOther, headers: [.location: "/dashboard"])
            response.setCookie(Self.cookie(value: "", maxAge: 0))
            return response
        }
    }

    /// A session for a key that is valid now: 303 to `/dashboard` with the cookie.
    func startSession(keyHash: String) async throws -> Response {
        do { _ = try await principal(keyHash: keyHash) } catch let error as APIError {
            return Self.signInPage(error.message)
        }
        var response = Response(status: .seeOther, headers: [.location: "/dashboard", .cacheControl: "no-store"])
        response.setCookie(
            Self.cookie(value: sessions.issue(keyHash: keyHash), maxAge: Int(sessions.lifetime.components.seconds)))
        return response
    }

    /// HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), scoped to
    /// the dashboard. Not `Secure`: the service speaks plain HTTP; behind TLS the proxy may add it.
    static func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(name: sessionCookie, value: value, maxAge: maxAge, path: "/dashboard", httpOnly: true, sameSite: .strict)
    }

    static func signInPage(_ message: String?) -> Response { page(.unauthorized, Dashboard.signIn(message: message)) }

    /// An HTML page that is never cached and leaks no Referer. Its CSP allows no script but the
    /// one carrying `scriptNonce` (the dashboard's live updates; the sign-in page has none), and
    /// connections to this origin only (`/dashboard/live`).
    static func page(_ status: HTTPResponse.Status, _ html: String, scriptNonce: String? = nil) -> Response {
        let script = scriptNonce.map { "; script-src 'nonce-\($0)'; connect-src 'self'" } ?? ""
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", Self.referrerPolicy: "no-referrer",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'\(script); form-action 'self'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!
    static let lastEventID = HTTPFields.Element.Name("Last-Event-ID")!

    /// A field of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in form: String) -> String? {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
