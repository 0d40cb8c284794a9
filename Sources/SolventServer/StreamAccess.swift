import Foundation
import Hummingbird

/// Who may open `/v1/stream`: a client that can set headers sends `Authorization: Bearer`
/// (or `X-API-Key`) on the upgrade request; a browser, which cannot, first gets a single-use
/// ticket (30 s) from `POST /v1/tickets` and opens `/v1/stream?ticket=...`. A key in the URL
/// (`?key=`) is refused like everywhere else. Refused upgrades fall through to the HTTP route
/// `GET /v1/stream`, which answers 401 saying how to authenticate.
extension SolventService {
    public func streamPrincipal(_ head: HTTPRequest) async -> Principal? {
        let query = head.path?.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { parameters[String(parts[0])] = String(parts[1]).removingPercentEncoding }
        }
        if parameters["key"] != nil { return nil }
        if let key = Self.headerKey(head.headerFields) { return try? await principal(key: key) }
        guard let ticket = parameters["ticket"], let hash = tickets.take(ticket) else { return nil }
        return try? await principal(keyHash: hash)
    }

    /// Whether a stream's key still stands (checked before each event it is sent): a revoked
    /// or expired key's open stream ends.
    public func streamStillAllowed(_ principal: Principal) async -> Bool {
        (try? await self.principal(keyHash: principal.keyHash)) != nil
    }
}
