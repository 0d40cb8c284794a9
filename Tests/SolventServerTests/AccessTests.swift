import Foundation
import HummingbirdTesting
import SolventServer
import Testing

/// Goal: nobody reaches what their key does not allow. 401 without a key or with an unknown
/// one; 403 with the wrong role or someone else's account; keys are stored hashed.
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
            #expect(try await client.call(.post, "/v1/withdrawals", key: alice, #"{"account": 2, "asset": 1, "amount": "1"}"#).status == 403)
            #expect(try await client.call(.post, "/v1/withdrawals", key: alice, #"{"account": 1, "asset": 1, "amount": "1"}"#).status == 200)
            // Roles: a trader cannot deposit or move prices, an oracle cannot fill, read-only cannot write.
            #expect(try await client.call(.post, "/v1/deposits", key: alice, #"{"account": 1, "asset": 1, "amount": "1"}"#).status == 403)
            #expect(try await client.call(.post, "/v1/prices", key: alice, #"{"market": 1, "mark": "1"}"#).status == 403)
            #expect(try await client.call(.post, "/v1/fills", key: h.oracle, #"{"market": 1, "buyer": 1, "seller": 2, "quantity": "0.001", "price": "60000"}"#).status == 403)
            #expect(try await client.call(.post, "/v1/prices", key: h.readonly, #"{"market": 1, "mark": "1"}"#).status == 403)
            #expect(try await client.call(.post, "/v1/liquidations", key: h.oracle, #"{"account": 1, "market": 1}"#).status == 403)
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
}
