import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import ServiceLifecycle
import SolventServer
import Testing

/// Goal: nobody reaches what their key does not allow. 401 without a key, with an unknown,
/// revoked or expired one, or with a key in the URL; 403 with the wrong role or someone else's
/// account (liquidator keys included); keys are stored hashed, listed without their secret,
/// and end on the very next request once revoked; the dashboard shows a trader only its own
/// account and escapes what it renders.
struct AccessTests {
    @Test func rolesAndAccounts() async throws {
        let h = try await ServerHarness.make("access")
        let alice = try await h.trader(1)
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            #expect(try await client.call(.get, "/v1/accounts/1", key: nil).status == 401)
            #expect(try await client.call(.get, "/v1/accounts/1", key: "sk_not-a-key").status == 401)
            #expect(try await client.call(.get, "/v1/accounts/1", key: alice).status == 200)
            #expect(try await client.call(.get, "/v1/accounts/2", key: alice).status == 403)
            #expect(
                try await client.call(
                    .post, "/v1/withdrawals", key: alice, #"{"account": 2, "asset": 1, "amount": "1"}"#
                ).status == 403)
            #expect(
                try await client.call(
                    .post, "/v1/withdrawals", key: alice, #"{"account": 1, "asset": 1, "amount": "1"}"#
                ).status == 200)
            // Roles: a trader cannot deposit or move prices, an oracle cannot fill, read-only cannot write.
            #expect(
                try await client.call(.post, "/v1/deposits", key: alice, #"{"account": 1, "asset": 1, "amount": "1"}"#)
                    .status == 403)
            #expect(
                try await client.call(.post, "/v1/prices", key: alice, #"{"market": 1, "mark": "1"}"#).status == 403)
            #expect(
                try await client.call(
                    .post, "/v1/fills", key: h.oracle,
                    #"{"market": 1, "buyer": 1, "seller": 2, "quantity": "0.001", "price": "60000"}"#
                ).status == 403)
            #expect(
                try await client.call(.post, "/v1/prices", key: h.readonly, #"{"market": 1, "mark": "1"}"#).status
                    == 403)
            #expect(
                try await client.call(.post, "/v1/liquidations", key: h.oracle, #"{"account": 1, "market": 1}"#).status
                    == 403)
            #expect(try await client.call(.get, "/v1/accounts/2", key: h.readonly).status == 200)
            // An admin creates a trader key; it works for its account only.
            let created = try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "trader", "account": 2}"#)
            #expect(created.status == 201)
            let bob = created.object["key"] as! String
            #expect(try await client.call(.get, "/v1/accounts/2", key: bob).status == 200)
            #expect(try await client.call(.get, "/v1/accounts/1", key: bob).status == 403)
            #expect(try await client.call(.post, "/v1/keys", key: bob, #"{"role": "admin"}"#).status == 403)
        }
        // The store holds the hash, never the key.
        #expect(try await h.service.store.key(hash: alice) == nil)
        #expect(try await h.service.store.key(hash: AccessKeys.hash(alice))?.role == "trader")
    }

    @Test func keysAreCreatedListedAndRevokedOnTheNextRequest() async throws {
        let h = try await ServerHarness.make("keys")
        try await h.app().test(.router) { client in
            let created = try await client.call(
                .post, "/v1/keys", key: h.admin,
                #"{"role": "liquidator", "account": 900, "label": "keeper 2", "expiresInSeconds": 3600}"#)
            #expect(created.status == 201, "\(created.body)")
            let key = try #require(created.object["key"] as? String), id = try #require(created.object["id"] as? String)
            #expect(id == String(AccessKeys.hash(key).prefix(16)))
            #expect(
                created.object["createdAt"] is String && created.object["expiresAt"] is String
                    && created.object["revokedAt"] == nil, "a time not set is left out, not null")
            // And its principal is now cached.
            #expect(try await client.call(.get, "/v1/markets", key: key).status == 200)

            // The list names keys by id: never a key, never a full hash.
            let list = try await client.call(.get, "/v1/keys", key: h.admin)
            #expect(list.status == 200)
            let rows = try #require(list.object["keys"] as? [[String: Any]])
            #expect(rows.count == 5, "the harness's four and the new one")
            let row = try #require(rows.first { $0["id"] as? String == id })
            #expect(
                row["role"] as? String == "liquidator" && row["account"] as? Int == 900
                    && row["label"] as? String == "keeper 2")
            #expect(
                row["status"] as? String == "active" && row["expiresAt"] is String && row["revokedAt"] == nil
                    && row["key"] == nil)
            for secret in [key, h.admin, AccessKeys.hash(key), AccessKeys.hash(h.admin)] {
                #expect(!list.body.contains(secret))
            }
            #expect(try await client.call(.get, "/v1/keys", key: h.readonly).status == 403)
            #expect(try await client.call(.post, "/v1/keys/\(id)/revoke", key: key).status == 403)

            // Revoked: refused on the very next request, though its principal was cached.
            let revoked = try await client.call(.post, "/v1/keys/\(id)/revoke", key: h.admin)
            #expect(
                revoked.status == 200 && revoked.object["status"] as? String == "revoked"
                    && revoked.object["revokedAt"] is String)
            let refused = try await client.call(.get, "/v1/markets", key: key)
            #expect(refused.status == 401 && refused.object["error"] as? String == "keyRevoked", "\(refused.body)")
            #expect(
                try await client.call(.post, "/v1/keys/\(id)/revoke", key: h.admin).status == 200,
                "revoking twice changes nothing")
            #expect(
                try await client.call(.post, "/v1/keys/\(id)/expire", key: h.admin, #"{"inSeconds": 0}"#).status == 409)
            #expect(try await client.call(.post, "/v1/keys/0123456789abcdef/revoke", key: h.admin).status == 404)
            #expect(try await client.call(.post, "/v1/keys/not-an-id/revoke", key: h.admin).status == 400)

            // Bad requests name their field; keys for roles without accounts take none.
            #expect(
                try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "oracle", "account": 3}"#).object[
                    "field"] as? String == "account")
            #expect(
                try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "trader"}"#).object["field"]
                    as? String == "account")
            #expect(
                try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "readonly", "expiresInSeconds": 0}"#)
                    .object["field"] as? String == "expiresInSeconds")

            // The last usable admin key cannot be ended (nobody could create keys any more).
            let adminID = String(AccessKeys.hash(h.admin).prefix(16))
            let last = try await client.call(.post, "/v1/keys/\(adminID)/revoke", key: h.admin)
            #expect(last.status == 409 && last.object["error"] as? String == "lastAdminKey")
            let second = try #require(
                try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "admin"}"#).object["key"] as? String)
            #expect(try await client.call(.post, "/v1/keys/\(adminID)/revoke", key: second).status == 200)
            #expect(try await client.call(.get, "/v1/keys", key: h.admin).status == 401)
        }
        // Revocation is stored, not only forgotten from the cache.
        let revoked = try #require(try await h.service.store.key(hash: AccessKeys.hash(h.admin)))
        #expect(revoked.revokedAt > 0)
    }

    @Test func anExpiredKeyIsRefused() async throws {
        let h = try await ServerHarness.make("expiry")
        try await h.app().test(.router) { client in
            // Expiring by itself: 2 s (whole seconds, so 1 to 2 s from now).
            let short = try #require(
                try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "readonly", "expiresInSeconds": 2}"#)
                    .object["key"] as? String)
            #expect(try await client.call(.get, "/v1/markets", key: short).status == 200)
            try await Task.sleep(for: .milliseconds(2_100))
            let expired = try await client.call(.get, "/v1/markets", key: short)
            #expect(expired.status == 401 && expired.object["error"] as? String == "keyExpired", "\(expired.body)")

            // Expired by an admin, now: refused on the next request, listed as expired.
            let created = try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "trader", "account": 1}"#)
            let trader = try #require(created.object["key"] as? String),
                id = try #require(created.object["id"] as? String)
            #expect(try await client.call(.get, "/v1/liquidations", key: trader).status == 200)
            let ended = try await client.call(.post, "/v1/keys/\(id)/expire", key: h.admin, #"{"inSeconds": 0}"#)
            #expect(ended.status == 200 && ended.object["status"] as? String == "expired", "\(ended.body)")
            #expect(
                try await client.call(.get, "/v1/liquidations", key: trader).object["error"] as? String == "keyExpired")
            #expect(
                try await client.call(.post, "/v1/keys/\(id)/expire", key: h.admin, #"{"inSeconds": 60}"#).status
                    == 409, "an ended key stays ended")
        }
    }

    @Test func liquidatorKeysActOnlyForTheirOwnAccount() async throws {
        let h = try await ServerHarness.make("binding")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            // h.liquidator is bound to account 900.
            let bid = try await client.call(
                .post, "/v1/auctions/1/bids", key: h.liquidator,
                #"{"bidder": 2, "quantity": "0.1", "limitPrice": "60000"}"#)
            #expect(bid.status == 403, "\(bid.body)")
            #expect(
                try await client.call(
                    .post, "/v1/backstops", key: h.liquidator, #"{"account": 2, "market": 1, "capacity": "100"}"#
                ).status == 403)
            // Its own account passes the check (the engine then judges the bid: no such auction).
            #expect(
                try await client.call(
                    .post, "/v1/auctions/1/bids", key: h.liquidator,
                    #"{"bidder": 900, "quantity": "0.1", "limitPrice": "60000"}"#
                ).status == 422)
            #expect(
                try await client.call(
                    .post, "/v1/backstops", key: h.liquidator, #"{"account": 900, "market": 1, "capacity": "100"}"#
                ).status != 403)

            // A liquidator key without an account bids and registers for nobody, but may step.
            let unbound = try #require(
                try await client.call(.post, "/v1/keys", key: h.admin, #"{"role": "liquidator"}"#).object["key"]
                    as? String)
            for account in [2, 900] {
                #expect(
                    try await client.call(
                        .post, "/v1/auctions/1/bids", key: unbound,
                        #"{"bidder": \#(account), "quantity": "0.1", "limitPrice": "60000"}"#
                    ).status == 403)
                #expect(
                    try await client.call(
                        .post, "/v1/backstops", key: unbound,
                        #"{"account": \#(account), "market": 1, "capacity": "100"}"#
                    ).status == 403)
            }
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#)
            let step = try await client.call(.post, "/v1/liquidations", key: unbound, #"{"account": 1, "market": 1}"#)
            #expect(step.status == 200, "\(step.body)")
            // Traders act only for themselves too.
            let alice = try await h.trader(1)
            #expect(
                try await client.call(.post, "/v1/margin-models", key: alice, #"{"account": 2, "model": "standard"}"#)
                    .status == 403)
            #expect(
                try await client.call(
                    .post, "/v1/auctions/1/bids", key: alice,
                    #"{"bidder": 1, "quantity": "0.1", "limitPrice": "60000"}"#
                ).status == 403)
        }
    }

    @Test func keysInURLsAreRefused() async throws {
        let h = try await ServerHarness.make("urlkey")
        try await h.app().test(.router) { client in
            let inURL = try await client.call(.get, "/v1/markets?key=\(h.admin)", key: nil)
            #expect(inURL.status == 401 && inURL.object["error"] as? String == "keyInURL")
            #expect((inURL.object["message"] as? String)?.contains("Authorization: Bearer") == true)
            // Even beside a valid header (the key has leaked already: the client must change).
            #expect(try await client.call(.get, "/v1/markets?key=\(h.admin)", key: h.admin).status == 401)
            #expect(
                try await client.call(
                    .post, "/v1/deposits?key=\(h.admin)", key: nil, #"{"account": 1, "asset": 1, "amount": "1"}"#
                ).status == 401)
            let dashboard = try await client.call(.get, "/dashboard?key=\(h.admin)", key: nil)
            #expect(
                dashboard.status == 401 && dashboard.body.contains("not accepted in URLs")
                    && !dashboard.body.contains("Nearest liquidation"))
            #expect(
                try await client.call(.get, "/v1/stream?key=\(h.admin)", key: nil).object["error"] as? String
                    == "keyInURL")
            #expect(try await client.call(.get, "/v1/markets", key: h.admin).status == 200)
        }
    }

    @Test func theDashboardShowsATraderOnlyItsOwnAccount() async throws {
        let h = try await ServerHarness.make("dashscope")
        let alice = try await h.trader(1), carol = try await h.trader(3)
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#)
            #expect(
                try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
                    .status == 200)

            // Carol signs in with the form: a redirect setting an HttpOnly, SameSite=Strict cookie.
            let signIn = try await client.send(
                .post, "/dashboard/session", headers: [.contentType: "application/x-www-form-urlencoded"],
                body: "key=\(carol)")
            #expect(signIn.status == 303 && signIn.headers[.location] == "/dashboard")
            let setCookie = try #require(signIn.headers[.setCookie])
            #expect(
                setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains(carol))
            let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))
            let page = try await client.send(.get, "/dashboard", headers: [.cookie: cookie])
            #expect(page.status == 200)
            #expect(
                page.body.contains(#"id="account">3<"#) && !page.body.contains("Nearest liquidation")
                    && !page.body.contains("positionLiquidated"), "\(page.body)")
            // Signing out ends that session: the same cookie no longer opens the page.
            let second = try await client.send(
                .post, "/dashboard/session", headers: [.contentType: "application/x-www-form-urlencoded"],
                body: "key=\(carol)")
            let secondCookie = try #require(second.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let signOut = try await client.send(.post, "/dashboard/signout", headers: [.cookie: secondCookie])
            #expect(signOut.status == 303 && signOut.headers[.location] == "/dashboard")
            #expect(try await client.send(.get, "/dashboard", headers: [.cookie: secondCookie]).status == 401)
            // The API's exact liquidation price rides along as data-value (the text is grouped, in units).
            #expect(
                page.body.contains(
                    #"id="liquidation-BTCUSDT" data-value="\#(try await liquidationPrice(client, account: 3, key: carol))">"#
                ))

            // Alice (by header) sees her own liquidation (it closed her position); no venue table.
            let alicePage = try await client.call(.get, "/dashboard", key: alice)
            #expect(alicePage.body.contains(#"id="account">1<"#) && alicePage.body.contains("positionLiquidated"))
            #expect(!alicePage.body.contains("Nearest liquidation"))
            // Operators see the venue.
            for key in [h.readonly, h.admin] {
                let operatorPage = try await client.call(.get, "/dashboard", key: key)
                #expect(
                    operatorPage.body.contains("Nearest liquidation")
                        && operatorPage.body.contains("positionLiquidated")
                        && !operatorPage.body.contains(#"id="account""#))
            }

            // A ticket works once, then is gone.
            let ticket = try #require(
                try await client.call(.post, "/v1/tickets", key: alice).object["ticket"] as? String)
            let redeemed = try await client.send(.get, "/dashboard?ticket=\(ticket)")
            #expect(redeemed.status == 303 && redeemed.headers[.setCookie]?.contains("SameSite=Strict") == true)
            #expect(try await client.send(.get, "/dashboard?ticket=\(ticket)").status == 401)

            // Revoking Carol's key signs her browser out on its next load.
            let id = String(AccessKeys.hash(carol).prefix(16))
            #expect(try await client.call(.post, "/v1/keys/\(id)/revoke", key: h.admin).status == 200)
            let after = try await client.send(.get, "/dashboard", headers: [.cookie: cookie])
            #expect(after.status == 401 && after.body.contains("revoked") && !after.body.contains(#"id="account""#))
            #expect(
                try await client.send(
                    .post, "/dashboard/session", headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: "key=nope"
                ).status == 401)
            #expect(try await client.send(.get, "/dashboard").status == 401)
        }
    }

    @Test func theDashboardEscapesWhatItRenders() async throws {
        let h = try await ServerHarness.make("escape")
        let hostile = #"Q" onmouseover="alert(1)"#
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let asset = try await client.call(
                .post, "/v1/assets", key: h.admin, #"{"id": 2, "symbol": "Q\" onmouseover=\"alert(1)", "scale": 6}"#)
            #expect(asset.status == 200, "\(asset.body)")
            let market = try await client.call(
                .post, "/v1/markets", key: h.admin,
                #"{"id": 2, "symbol": "<b>X</b>'", "settleAsset": 1, "contractSize": "1", "tickSize": "0.1", "lotSize": "0.001", "tiers": [{"initial": "0.01", "maintenance": "0.005"}]}"#
            )
            #expect(market.status == 200, "\(market.body)")
            let page = try await client.call(.get, "/dashboard", key: h.admin)
            #expect(page.status == 200)
            #expect(
                page.body.contains(#"id="fund-Q&quot; onmouseover=&quot;alert(1)""#),
                "the symbol in an attribute, escaped")
            #expect(page.body.contains("<td>Q&quot; onmouseover=&quot;alert(1)</td>"), "and in text")
            #expect(page.body.contains("<td>&lt;b&gt;X&lt;/b&gt;&#39;</td>"))
            #expect(!page.body.contains(hostile) && !page.body.contains("<b>X</b>"))
            #expect(
                try await client.send(.get, "/dashboard", headers: [.authorization: "Bearer \(h.admin)"]).headers[
                    .contentSecurityPolicy]?.contains("default-src 'none'") == true)
        }
    }

    /// A trader's stream ends when its key is revoked: the next event is not sent.
    @Test func aRevokedKeysStreamEnds() async throws {
        let h = try await ServerHarness.make("streamrevoke")
        let alice = try await h.trader(1)
        let (port, server) = try await h.serve()
        defer { server.cancel() }
        try await h.app().test(.router) { client in try await seedVenue(client, h) }
        let frames = Frames()
        let stream = Task {
            // Returns (or throws) once the connection is closed.
            _ = try? await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/v1/stream",
                configuration: .init(additionalHeaders: [.authorization: "Bearer \(alice)"]),
                logger: Logger(label: "ws")
            ) { inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message { await frames.add(text) }
                }
            }
            await frames.closed()
        }
        defer { stream.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        try await h.app().test(.router) { client in
            // While the key stands, the stream carries account 1's margin call.
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58300"}"#)
            for _ in 0..<30 where await frames.texts.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            let (before, closedEarly) = (await frames.texts, await frames.isClosed)
            #expect(before.count == 1 && !closedEarly, "the stream was open: \(before)")
            #expect(
                try await client.call(
                    .post, "/v1/keys/\(String(AccessKeys.hash(alice).prefix(16)))/revoke", key: h.admin
                ).status == 200)
            // Account 1 in liquidation.
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#)
        }
        for _ in 0..<30 where await !frames.isClosed { try await Task.sleep(for: .milliseconds(100)) }
        #expect(await frames.isClosed, "the server closed the revoked key's stream")
        let texts = await frames.texts
        #expect(texts.count == 1, "nothing was sent after the revocation: \(texts)")
    }

    actor Frames {
        var texts: [String] = []
        var isClosed = false
        func add(_ text: String) { texts.append(text) }
        func closed() { isClosed = true }
    }

    func liquidationPrice(_ client: some TestClientProtocol, account: Int, key: String) async throws -> String {
        let view = try await client.call(.get, "/v1/accounts/\(account)", key: key).object
        let position = try #require(((view["margin"] as? [String: Any])?["positions"] as? [[String: Any]])?.first)
        return position["liquidationPrice"] as? String ?? "–"
    }
}

struct RawReply {
    var status: Int
    var headers: HTTPFields
    var body: String
}

extension TestClientProtocol {
    /// A request with exactly these headers (cookies, forms), and the response's headers.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil
    ) async throws -> RawReply {
        let reply = try await execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            RawReply(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
        }
        ExchangeLog.shared.record(
            method: method, uri: uri, headers: headers, body: body, status: reply.status,
            contentType: reply.headers[.contentType], responseBody: reply.body)
        return reply
    }
}
