import Foundation
import HummingbirdTesting
import SolventCore
import SolventServer
import SolventStore
import Testing

/// Goal: the dashboard renders in a real browser, shows the numbers the API reports in units,
/// draws its charts from the service's history as a crash unfolds, and shows a trader only its
/// own account. Method: a live server on a free port and headless Chromium (Debian's
/// `chromium`) dumping the rendered DOM and taking screenshots; the browser tests are skipped,
/// with a message, without Chromium. Escaping, a trader's view and the live stream are checked
/// over HTTP without a browser.
struct DashboardTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let noChromium = "chromium is not installed (apt-get install chromium): dashboard browser test skipped"

    /// Runs headless Chromium on `url` with `extra` arguments; its standard output.
    static func chrome(_ url: String, _ extra: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium!)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions",
                "--timeout=15000",
                "--user-data-dir=\(FileManager.default.temporaryDirectory.path)/solvent-chromium-\(getpid())-\(UInt32.random(in: 0...UInt32.max))",
            ]
            + extra + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// `chrome` on a Dispatch thread: the browser's run blocks its thread, and a blocked thread
    /// of Swift's cooperative pool (two on a two-core machine) would starve the server under test.
    static func chromeOffPool(_ url: String, _ extra: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try chrome(url, extra) }) }
        }
    }

    /// The rendered DOM; under a loaded machine a first browser start can come back empty: up
    /// to three tries (`url` is asked for each time, so a single-use ticket can be fresh).
    static func render(extra: [String] = [], _ url: @Sendable () async throws -> String) async throws -> String {
        var dom = ""
        for _ in 0..<3 where !dom.contains("<h1>Solvent</h1>") {
            let address = try await url()
            dom = try await chromeOffPool(address, extra + ["--dump-dom"])
        }
        return dom
    }

    /// A PNG of the page at `url` in `path`.
    static func screenshot(_ url: String, to path: String) async throws {
        for _ in 0..<3 where (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 < 10_000 {
            _ = try await chromeOffPool(url, ["--screenshot=\(path)", "--window-size=1180,2200", "--hide-scrollbars"])
        }
    }

    /// The value of `attribute` on the element with `id` in a DOM dump.
    static func attribute(_ attribute: String, of id: String, in dom: String) -> String? {
        guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
        let tagStart = dom[..<start.lowerBound].lastIndex(of: "<") ?? start.lowerBound
        guard let tagEnd = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
        let tag = dom[tagStart..<tagEnd]
        guard let value = tag.range(of: "\(attribute)=\"") else { return nil }
        return String(tag[value.upperBound...].prefix { $0 != "\"" })
    }

    static func points(_ id: String, _ dom: String) -> Int {
        attribute("data-points", of: id, in: dom).flatMap { Int($0) } ?? -1
    }

    @Test(.enabled(if: chromium != nil, "\(noChromium)"))
    func theBrowserShowsTheAPIsNumbers() async throws {
        let h = try await ServerHarness.make("dashboard")
        try await h.app().test(.live) { client in
            try await seedVenue(client, h)
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#)
            try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            let mark =
                ((try await client.call(.get, "/v1/markets", key: h.readonly).json as? [[String: Any]])?.first?["mark"]
                as? String)!
            let fund =
                ((try await client.call(.get, "/v1/insurance-fund", key: h.readonly).json as? [[String: Any]])?.first?[
                    "insuranceFund"] as? String)!
            let port = try #require(client.port)
            // The browser gets a single-use ticket, never the key: the server turns it into a
            // session cookie and redirects to /dashboard.
            let dom = try await Self.render {
                let ticket = try #require(
                    try await client.call(.post, "/v1/tickets", key: h.readonly).object["ticket"] as? String)
                return "http://127.0.0.1:\(port)/dashboard?ticket=\(ticket)"
            }
            #expect(dom.contains("<h1>Solvent</h1>"), "the page rendered: \(dom.prefix(300))")
            // The API's exact decimals ride along as data-value; the text is in units.
            #expect(dom.contains("id=\"mark-1\" data-value=\"\(mark)\">58,200.00 USDT<"), "mark \(mark) on the page")
            #expect(dom.contains("id=\"fund-USDT\" data-value=\"\(fund)\">"), "fund \(fund) on the page")
            #expect(dom.contains("id=\"liquidations\">1<"), "one liquidation step")
            #expect(dom.contains("data-type=\"positionLiquidated\""), "the feed shows the liquidation")
            #expect(dom.contains("liquidated 0.") && dom.contains("of account 1"), "the liquidation in words")
            #expect(dom.contains("; penalty ") && dom.contains(" USDT"), "the penalty in USDT")
            #expect(
                !dom.contains("penalty=") && !dom.contains("<null>") && !dom.contains("auction="),
                "no raw atoms or nulls")
            // Charts with data: the mark's history and the fund's.
            #expect(Self.points("chart-mark-1", dom) >= 2, "mark chart points: \(Self.points("chart-mark-1", dom))")
            #expect(Self.points("chart-fund-1", dom) >= 2, "fund chart points")
            #expect(Self.points("chart-activity", dom) >= 1, "a minute with a liquidation")
            #expect(Self.points("chart-ratios", dom) == 12, "the histogram's buckets")
            #expect(dom.contains("<polyline"))
            // The live script runs under the page's CSP (its nonce) and opens the stream, and a
            // browser with a virtual time budget finishes: no request stays open.
            let clock = ContinuousClock(), started = clock.now
            let virtual = try await Self.render(extra: ["--virtual-time-budget=3000"]) {
                let ticket = try #require(
                    try await client.call(.post, "/v1/tickets", key: h.readonly).object["ticket"] as? String)
                return "http://127.0.0.1:\(port)/dashboard?ticket=\(ticket)"
            }
            #expect(virtual.contains("id=\"live\">live<"), "the script ran and connected: \(virtual.prefix(600))")
            #expect(clock.now - started < .seconds(12), "the virtual time budget ended the run")
            // No reload, no external script: one inline script (the live updates).
            #expect(!dom.contains("http-equiv=\"refresh\""))
            #expect(!dom.contains("<script src") && dom.components(separatedBy: "<script").count == 2)
            // Without a key the dashboard is refused (it is open only in the demo).
            #expect(try await client.call(.get, "/dashboard", key: nil).status == 401)
        }
    }

    /// A venue like `solvent serve --demo`'s (the generated crash, fewer accounts, a short
    /// interval), screenshots and DOM dumps at the start and in the middle of the crash.
    @Test(.enabled(if: chromium != nil, "\(noChromium)"), .timeLimit(.minutes(2)))
    func theChartsGrowThroughADemoCrash() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-dashboard-demo-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).db"
        ).path
        let service = try await SolventService(store: try SQLiteStore(path: path), openDashboard: true)
        let h = ServerHarness(service: service, admin: "", oracle: "", liquidator: "", readonly: "")
        let (port, server) = try await h.serve()
        defer { server.cancel() }
        let crash = DemoVenue.path()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-dashboard-shots-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = "http://127.0.0.1:\(port)/dashboard"

        // The start: the population opened and the first few prices of the path.
        await DemoVenue.run(service: service, accounts: 150, interval: 0.01, path: Array(crash.prefix(4)))
        let startShot = directory.appendingPathComponent("start.png").path
        try await Self.screenshot(url, to: startShot)
        let start = try await Self.render { url }
        // The middle of the crash: down about 30 % from the top.
        await DemoVenue.run(service: service, accounts: 150, interval: 0.01, path: Array(crash[4..<40]))
        let middleShot = directory.appendingPathComponent("middle.png").path
        try await Self.screenshot(url, to: middleShot)
        let middle = try await Self.render { url }

        for shot in [startShot, middleShot] {
            let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
            let head = (try? Data(contentsOf: URL(fileURLWithPath: shot)).prefix(8)).map(Array.init) ?? []
            #expect(size > 20_000, "\(shot): \(size) bytes")
            #expect(head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(shot) is a PNG")
        }
        #expect(start.contains("<h1>Solvent</h1>") && middle.contains("<h1>Solvent</h1>"), "both pages rendered")
        let (markStart, markMiddle) = (Self.points("chart-mark-1", start), Self.points("chart-mark-1", middle))
        #expect(markStart >= 2 && markMiddle > markStart, "the mark chart grew: \(markStart) → \(markMiddle)")
        #expect(Self.points("chart-fund-1", middle) > max(0, Self.points("chart-fund-1", start)), "the fund chart grew")
        #expect(Self.points("chart-activity", middle) >= 1, "liquidations per minute drawn")
        #expect(
            middle.contains("data-type=\"positionLiquidated\"") && middle.contains("liquidated 0."),
            "liquidations in words")
        #expect(middle.contains(" BTC of account"), "quantities in BTC")
        #expect(!middle.contains("penalty=") && !middle.contains("<null>"), "no raw atoms")
        // The histogram counts every account with a position.
        let histogram = middle.components(separatedBy: "data-series=\"accounts\" data-value=\"").dropFirst().compactMap
        { Int($0.prefix { $0.isNumber }) }
        let holders = await service.engine.read { engine in
            engine.accounts.filter { !$0.isVenue && !$0.positions.isEmpty }.count
        }
        #expect(
            histogram.count == 12 && histogram.reduce(0, +) == holders,
            "histogram \(histogram) over \(holders) accounts")
        #expect(middle.contains("id=\"nearest\"") && middle.contains("data-account="), "nearest-liquidation rows")
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test func aTraderSeesOnlyItsOwnAccount() async throws {
        let h = try await ServerHarness.make("dashboard-trader")
        let trader = try await h.trader(3)
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#)
            try await client.call(.post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            let page = try await client.call(.get, "/dashboard", key: trader)
            #expect(page.status == 200)
            #expect(page.body.contains("id=\"account\">3<"), "its own account")
            #expect(page.body.contains("id=\"liquidation-BTCUSDT\""), "its liquidation price")
            for venueOnly in [
                "id=\"nearest\"", "chart-ratios", "data-account=", "id=\"flagged\"", "of account 1", "account 1 ",
                "account 2", "account 4",
            ] {
                #expect(!page.body.contains(venueOnly), "a trader's page shows no \(venueOnly)")
            }
            #expect(page.body.contains("chart-mark-1"), "public market history")
            // The operator's page has what the trader's lacks.
            let venue = try await client.call(.get, "/dashboard", key: h.readonly)
            #expect(venue.body.contains("id=\"nearest\"") && venue.body.contains("of account 1"))
        }
    }

    @Test func symbolsAreEscapedEverywhere() async throws {
        let h = try await ServerHarness.make("dashboard-escape")
        let hostile = #"<b>"x'&amp;</b>"#
        let escaped = "&lt;b&gt;&quot;x&#39;&amp;amp;&lt;/b&gt;"
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let symbol = String(
                data: try JSONSerialization.data(withJSONObject: [hostile], options: [.withoutEscapingSlashes]),
                encoding: .utf8)!.dropFirst().dropLast()
            #expect(
                try await client.call(
                    .post, "/v1/assets", key: h.admin,
                    #"{"id": 2, "symbol": \#(symbol), "scale": 6, "priceMaxAgeSeconds": 86400}"#
                ).status == 200)
            #expect(
                try await client.call(.post, "/v1/index-prices", key: h.oracle, #"{"asset": 2, "price": "1"}"#).status
                    == 200)
            #expect(
                try await client.call(
                    .post, "/v1/markets", key: h.admin,
                    #"{"id": 2, "symbol": \#(symbol), "settleAsset": 2, "contractSize": "1", "tickSize": "0.1", "lotSize": "0.001", "tiers": [{"initial": "0.01", "maintenance": "0.005"}], "priceMaxAgeSeconds": 86400}"#
                ).status == 200)
            #expect(
                try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 2, "mark": "100"}"#).status
                    == 200)
            #expect(
                try await client.call(.post, "/v1/insurance-fund", key: h.admin, #"{"asset": 2, "amount": "5"}"#).status
                    == 200)
            let page = try await client.call(.get, "/dashboard", key: h.readonly).body
            #expect(!page.contains(hostile) && !page.contains("<b>\"x"), "the raw symbol never reaches the page")
            #expect(page.contains(escaped), "escaped in text")
            #expect(page.contains("id=\"fund-\(escaped)\""), "escaped in attributes")
            #expect(page.contains("aria-label=\"\(escaped): mark and index"), "escaped in the chart's label")
        }
    }

    /// Goal: `/dashboard/live` pushes re-rendered sections after the engine moves, to the same
    /// viewer as the page, and refuses a browser without a session.
    @Test(.timeLimit(.minutes(1)))
    func theLiveEndpointDeliversAnUpdateAfterAPricePost() async throws {
        let h = try await ServerHarness.make("dashboard-live")
        let (port, server) = try await h.serve()
        defer { server.cancel() }
        try await h.app().test(.router) { client in try await seedVenue(client, h) }
        // Polls without blocking a thread of the cooperative pool, which the server needs.
        func receive(
            _ socket: RawSocket, into received: inout String, until needle: String, within seconds: Double
        ) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while !received.contains(needle) && Date() < deadline {
                switch socket.read(timeout: 0) {
                case .data(let bytes): received += String(decoding: bytes, as: UTF8.self)
                case .timedOut: try await Task.sleep(for: .milliseconds(50))
                case .closed: return received.contains(needle)
                }
            }
            return received.contains(needle)
        }
        let refused = try RawSocket(port: port)
        refused.send("GET /dashboard/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        var refusal = ""
        #expect(
            try await receive(refused, into: &refusal, until: "\r\n\r\n", within: 5)
                && refusal.hasPrefix("HTTP/1.1 401"), "no session, no key: refused")
        refused.close()
        try await h.app().test(.router) { client in
            let inURL = try await client.call(.get, "/dashboard/live?key=\(h.readonly)", key: nil)
            #expect(
                inURL.status == 401 && inURL.object["error"] as? String == "keyInURL",
                "a key in the URL is refused here too")
        }

        // Nothing changed since the sequence the page shows: the response ends within its
        // window without an update (no request stays open; the browser reconnects).
        let current = await h.service.engine.read { $0.lastSequence }
        let idle = try RawSocket(port: port)
        defer { idle.close() }
        idle.send(
            "GET /dashboard/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(h.readonly)\r\nLast-Event-ID: \(current)\r\n\r\n"
        )
        var quiet = ""
        #expect(
            try await receive(idle, into: &quiet, until: "\r\n0\r\n\r\n", within: 6),
            "the response ended: \(quiet.suffix(200))")
        #expect(
            quiet.contains("text/event-stream") && quiet.contains(": connected") && quiet.contains("retry: ")
                && !quiet.contains("event: update"))

        // A price posted after that sequence: the next connection gets the update at once.
        try await h.app().test(.router) { client in
            try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58123.4"}"#)
        }
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        socket.send(
            "GET /dashboard/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(h.readonly)\r\nLast-Event-ID: \(current)\r\n\r\n"
        )
        var received = ""
        #expect(
            try await receive(socket, into: &received, until: "58,123.40 USDT", within: 8),
            "an update with the new mark: \(received.suffix(300))")
        #expect(received.contains("event: update\nid: \(current + 1)\n"), "the update names the sequence it shows")
        #expect(
            received.contains("\"prices\":") && received.contains("chart-mark-1"), "the prices section with its chart")

        // A trader's stream carries a trader's page: its own account, no venue-wide sections.
        let trader = try await h.trader(3)
        let own = try RawSocket(port: port)
        defer { own.close() }
        own.send(
            "GET /dashboard/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(trader)\r\nLast-Event-ID: \(current)\r\n\r\n"
        )
        var mine = ""
        #expect(
            try await receive(own, into: &mine, until: "\r\n0\r\n\r\n", within: 8) && mine.contains("event: update"),
            "\(mine.suffix(300))")
        #expect(mine.contains("\"own\":") && mine.contains("id=\\\"account\\\">3<"), "account 3's section")
        #expect(
            !mine.contains("\"risk\":") && !mine.contains("nearest") && !mine.contains("chart-ratios"),
            "no venue-wide sections")
    }
}
