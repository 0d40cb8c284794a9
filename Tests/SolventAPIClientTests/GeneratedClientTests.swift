import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import OpenAPIURLSession
import ServiceLifecycle
import SolventCore
import SolventServer
import SolventStore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Goal: a venue operator can generate a client from the served document and drive the service
/// with it. Method: the client swift-openapi-generator builds from `openapi.json` (a link to the
/// repository's `openapi/openapi.json`) over URLSession against `solvent serve`'s application on
/// a free port, with the admin key the service creates on first start. The generated client
/// decodes strictly (closed objects, required fields, enums), so every reply below also
/// conforms to its documented schema.
struct GeneratedClientTests {
    /// Sends the key as `Authorization: Bearer`, as the document's security scheme says.
    struct BearerKey: ClientMiddleware {
        let key: String
        func intercept(
            _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
            next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
        ) async throws -> (HTTPResponse, HTTPBody?) {
            var request = request
            request.headerFields[.authorization] = "Bearer \(key)"
            return try await next(request, body, baseURL)
        }
    }

    /// The document the generator read is the repository's contract.
    @Test func theGeneratorReadsTheCanonicalDocument() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let linked = try Data(contentsOf: here.appendingPathComponent("openapi.json"))
        let canonical = try Data(
            contentsOf: here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "openapi/openapi.json"))
        #expect(linked == canonical)
    }

    @Test func mainFlowsThroughTheGeneratedClient() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-client-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).db"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStore(path: path)
        let service = try await SolventService(store: store)
        // As `solvent serve` does on first start: an admin key, shown once.
        let adminKey = try #require(try await ServiceSetup.bootstrapAdminKey(store))
        var quiet = Logger(label: "client-test")
        quiet.logLevel = .critical  // a server stopped by its test logs the closed channel as an error
        let (port, server) = try await SolventServer.start(service: service, logger: quiet)
        defer { server.cancel() }
        let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
        func client(_ key: String?) -> Client {
            Client(
                serverURL: url, transport: URLSessionTransport(), middlewares: key.map { [BearerKey(key: $0)] } ?? [])
        }
        let anonymous = client(nil), admin = client(adminKey)

        // Public: health and the document itself.
        let health = try await anonymous.health().ok.body.json
        #expect(health.status == .ok && health.digest.count == 64)
        let document = try await anonymous.openAPIDocument().ok.body.json
        #expect(document.value["openapi"] as? String == "3.1.0")
        let refused = try await anonymous.listMarkets()
        #expect(try refused.unauthorized.body.json.error == "unauthorized")

        // Keys: an oracle, a liquidator bound to the keeper's account, a trader for account 1.
        let oracleKey = try await admin.createKey(body: .json(.init(role: .oracle, label: "feed"))).created.body.json
        #expect(
            oracleKey.role == .oracle && oracleKey.status == .active && oracleKey.account == nil
                && oracleKey.key.hasPrefix("sk_"))
        let liquidatorKey = try await admin.createKey(body: .json(.init(role: .liquidator, account: 900))).created.body
            .json
        let traderKey = try await admin.createKey(
            body: .json(.init(role: .trader, account: 1, expiresInSeconds: 3_600))
        ).created.body.json
        #expect(traderKey.account == 1 && traderKey.expiresAt != nil)
        let oracle = client(oracleKey.key), liquidator = client(liquidatorKey.key), trader = client(traderKey.key)

        // The venue: an asset, a market with ADL, prices, the fund, accounts, deposits, fills.
        let asset = try await admin.createAsset(
            body: .json(.init(id: 1, symbol: "USDT", scale: 6, priceMaxAgeSeconds: 86_400))
        ).ok.body.json
        #expect(asset.sequence > 0)
        _ = try await oracle.setIndexPrice(body: .json(.init(asset: 1, price: "1"))).ok
        _ = try await admin.createMarket(
            body: .json(
                .init(
                    id: 1, symbol: "BTCUSDT", settleAsset: 1, contractSize: "1", tickSize: "0.1", lotSize: "0.001",
                    tiers: [.init(initial: "0.01", maintenance: "0.005")], priceMaxAgeSeconds: 86_400))
        ).ok
        _ = try await admin.configureLiquidation(path: .init(market: 1), body: .json(.init(lossAllocation: .adl))).ok
        let marked = try await oracle.setMarkPrice(body: .json(.init(market: 1, mark: "60000"))).ok.body.json
        #expect(
            marked.events.contains { if case .markPriceSet(let event) = $0 { event.mark == "60000" } else { false } })
        let funded = try await admin.fundInsurance(body: .json(.init(asset: 1, amount: "10000"))).ok.body.json
        #expect(
            funded.events.contains {
                if case .insuranceFunded(let event) = $0 { event.amount == "10000" } else { false }
            })
        for account in [1, 2, 900] {
            _ = try await admin.openAccount(body: .json(.init(account: account))).ok
        }
        for account in [1, 2] {
            let deposit = try await admin.deposit(body: .json(.init(account: account, asset: 1, amount: "1000"))).ok
                .body.json
            #expect(
                deposit.events.contains {
                    if case .deposited(let event) = $0 {
                        event.account == account && event.amount == "1000"
                    } else {
                        false
                    }
                })
        }
        let fill = try await admin.applyFill(
            body: .json(.init(market: 1, buyer: 1, seller: 2, quantity: "0.5", price: "60000", taker: .buyer))
        ).ok.body.json
        #expect(
            fill.events.contains {
                if case .fillApplied(let event) = $0 {
                    event.quantity == "0.5" && event.price == "60000"
                } else {
                    false
                }
            })

        // The trader reads its account: the engine's margin report and liquidation price.
        let account = try await trader.getAccount(path: .init(account: 1)).ok.body.json
        #expect(account.balances.first?.symbol == "USDT")
        guard case .MarginReport(let margin)? = account.margin else {
            Issue.record("no margin report: \(account)"); return
        }
        let report = try #require(await service.engine.read { try? $0.marginReport(of: AccountID(1))?.get() })
        #expect(margin.equity == report.equity.description && margin.status == .healthy)
        let position = try #require(margin.positions.first)
        #expect(
            position.size == "0.5" && position.liquidationPrice == report.positions[0].liquidationPrice?.description
                && position.liquidationPrice != nil)
        #expect(try await trader.getAccount(path: .init(account: 2)).forbidden.body.json.error == "forbidden")

        // A fall below account 1's liquidation price; the liquidator's step.
        _ = try await oracle.setMarkPrice(body: .json(.init(market: 1, mark: "58200"))).ok
        let step = try await liquidator.liquidate(body: .json(.init(account: 1, market: 1))).ok.body.json
        let liquidated = step.events.compactMap { if case .positionLiquidated(let event) = $0 { event } else { nil } }
        #expect(liquidated.first?.account == 1 && liquidated.first?.market == 1, "\(step)")
        // An account that is fine: 422, the documented error body.
        let rejection = try await liquidator.liquidate(body: .json(.init(account: 2, market: 1))).unprocessableContent
            .body.json
        #expect(
            rejection.error == "rejected" && rejection.code == "notLiquidatable"
                && (rejection.sequence ?? 0) > step.sequence, "\(rejection)")
        // A malformed amount: 400 naming the field.
        let malformed = try await admin.deposit(body: .json(.init(account: 1, asset: 1, amount: "1.0000001")))
            .badRequest.body.json
        #expect(malformed.error == "invalidField" && malformed.field == "amount")

        // Reads: the fund, the history, markets, one market's configuration, ADL, rules, the root.
        let funds = try await admin.getInsuranceFunds().ok.body.json
        let fund = await service.engine.read { $0.asset(AssetID(1))!.insuranceFund }
        #expect(funds.first?.insuranceFund == DecimalText.format(fund, scale: 6))
        let history = try await trader.listLiquidations(query: .init(limit: 10)).ok.body.json
        #expect(history.first?.account == 1 && history.first?.sequence != nil)
        #expect(try await admin.listMarkets().ok.body.json.first?.mark == "58200")
        let market = try await trader.getMarket(path: .init(market: 1)).ok.body.json
        #expect(
            market.liquidation?.lossAllocation == .adl && market.option == nil && market.risk.maximumLeverage == 100)
        _ = try await liquidator.getAdlRanks(query: .init(market: 1, side: .short)).ok.body.json
        let adl = try await trader.getAccountAdl(path: .init(account: 1)).ok.body.json
        #expect(adl.account == 1)
        _ = try await trader.getMarginRules().ok.body.json
        _ = try await trader.getVaRMargin().ok.body.json
        let root = try await admin.publishCommitment().ok.body.json
        #expect(try await trader.getLatestCommitment().ok.body.json.root == root.root)

        // Keys: listed without secrets; a revoked key is refused at once.
        let keys = try await admin.listKeys().ok.body.json.keys
        let listed = try #require(keys.first { $0.label == "liquidator" && $0.account == 900 })
        let revoked = try await admin.revokeKey(path: .init(id: listed.id)).ok.body.json
        #expect(revoked.status == .revoked && revoked.revokedAt != nil)
        let afterRevoke = try await liquidator.liquidate(body: .json(.init(account: 1, market: 1))).unauthorized.body
            .json
        #expect(afterRevoke.error == "keyRevoked")
        let ticket = try await trader.createTicket().created.body.json
        #expect(ticket.expiresInSeconds == 30)
    }
}
