import Foundation
import Hummingbird
import HummingbirdTesting
import SolventCore
import SolventServer
import SolventStore
import Testing

/// A standby service (a second service on the leader's journal): it serves reads from the state
/// it follows, answers every engine input with 503 notLeader naming the leader, shows its role
/// on /health, and takes writes once promoted.
@Suite struct StandbyServiceTests {
    @Test func aStandbyServesReadsAndSendsWritersToTheLeader() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-standby-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).db"
        ).path
        let leader = try await SolventService(store: try SQLiteStore(path: path))
        let admin = try await AccessKeys.create(role: .admin, account: nil, label: "admin", in: leader.store)
        let standby = try await SolventService(store: try SQLiteStore(path: path), following: true)
        try await Application(router: try leader.router(), logger: ServerHarness.quiet).test(.router) { client in
            for (uri, body) in [
                ("/v1/assets", #"{"id": 1, "symbol": "USDT", "scale": 6, "priceMaxAgeSeconds": 86400}"#),
                ("/v1/accounts", #"{"account": 3}"#), ("/v1/deposits", #"{"account": 3, "asset": 1, "amount": "250"}"#),
            ] {
                let reply = try await client.call(.post, uri, key: admin, body)
                #expect(reply.status == 200, "\(reply.body)")
            }
        }
        try await standby.engine.catchUp()
        await standby.engine.follow(leader: "http://10.0.0.5:8080")
        let app = Application(router: try standby.router(), logger: ServerHarness.quiet)
        try await app.test(.router) { client in
            let health = try await client.call(.get, "/health", key: nil).object
            #expect(health["role"] as? String == "standby" && health["leader"] as? String == "http://10.0.0.5:8080")
            #expect(health["digest"] as? String == (await leader.engine.read { $0.digestHex() }))
            let account = try await client.call(.get, "/v1/accounts/3", key: admin)
            #expect(account.status == 200 && account.body.contains("250"), "\(account.body)")
            for (uri, body) in [
                ("/v1/deposits", #"{"account": 3, "asset": 1, "amount": "1"}"#),
                (
                    "/v1/fills",
                    #"{"market": 1, "buyer": 3, "seller": 4, "quantity": "1", "price": "1", "taker": "buyer"}"#
                ),
            ] {
                let refused = try await client.call(.post, uri, key: admin, body)
                #expect(refused.status == 503, "\(uri): \(refused.body)")
                #expect(refused.object["error"] as? String == "notLeader", "\(uri): \(refused.body)")
                #expect(refused.object["leader"] as? String == "http://10.0.0.5:8080", "\(uri): \(refused.body)")
            }
            try await standby.engine.promote()
            let accepted = try await client.call(
                .post, "/v1/deposits", key: admin, #"{"account": 3, "asset": 1, "amount": "1"}"#)
            #expect(accepted.status == 200, "\(accepted.body)")
            #expect((try await client.call(.get, "/health", key: nil).object)["role"] as? String == "leader")
        }
    }
}
