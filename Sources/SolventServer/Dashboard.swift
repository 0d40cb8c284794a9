import Foundation
import SolventCore

/// The dashboard: a risk desk's view of the venue, server-rendered HTML with inline SVG charts
/// and nothing fetched from elsewhere. It works without JavaScript; a small inline script (run
/// under a per-response CSP nonce) listens to `/dashboard/live` (server-sent events) and swaps
/// the page's sections for newer renderings as the engine moves. Every number comes from the engine's
/// state or reports, or from the service's `DashboardHistory`, shown in units with thousands
/// separated; every value is HTML-escaped where it is written (text and attributes alike: a
/// market's symbol is whatever an admin typed).
enum Dashboard {
    /// Whose dashboard: operators (admin, readonly, and the open demo) see the whole venue;
    /// any other key sees the public part (markets, funds, their history) and only its own
    /// account, if it has one: its positions with their liquidation prices and its own events.
    enum Viewer: Sendable, Equatable {
        case venue
        case account(UInt64?)

        init(_ principal: Principal?) {
            guard let principal, !principal.role.isOperator else { self = .venue; return }
            self = .account(principal.account)
        }
    }

    /// At most this many accounts are margined per rendering for the histogram and the
    /// nearest-liquidation table (flagged pools first, then an even sample); the page says when
    /// it sampled.
    static let scanLimit = 5_000
    /// The histogram's bucket edges in percent of margin ratio (maintenance / equity).
    static let ratioEdges: [Int64] = [2, 4, 6, 8, 10, 15, 20, 30, 50, 75, 100]
    static let nearestLimit = 15
    static let feedLimit = 25
    static let feedTypes: Set<String> = [
        "positionLiquidated", "marginStateChanged", "breakerTripped", "breakerResumed",
        "auctionStarted", "deficitCovered",
    ]

    /// The page: its sections, a sign-out form, and the live-update script when a nonce is given.
    static func html(_ service: SolventService, viewer: Viewer, nonce: String?) async -> String {
        let (sections, sequence) = await Self.sections(service, viewer: viewer)
        let script =
            nonce.map { nonce in
                """
                <script nonce="\(e(nonce))">
                (function(){if(!window.EventSource)return;var s=new EventSource("/dashboard/live?since=\(sequence)");
                s.addEventListener("update",function(m){var f=JSON.parse(m.data);for(var id in f){var n=document.getElementById(id);if(n)n.outerHTML=f[id];}
                var l=document.getElementById("live");if(l)l.textContent="live";});
                s.onopen=function(){var l=document.getElementById("live");if(l)l.textContent="live";};
                s.onerror=function(){var l=document.getElementById("live");if(l&&s.readyState===2)l.textContent="not live: reload the page";};})();
                </script>
                """
            } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Solvent risk dashboard</title>
            <style>body{font-family:system-ui,sans-serif;margin:1em 1.5em;max-width:1120px;color:#222}h1{margin:.2em 0}h2{font-size:110%;margin:1em 0 .3em}
            table{border-collapse:collapse;margin-bottom:.6em;font-size:90%}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
            .num{text-align:right;font-variant-numeric:tabular-nums}.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 1.5em}
            ul{padding-left:1.1em;margin:0}li{margin:2px 0;font-size:88%}.seq{color:#888;font-variant-numeric:tabular-nums}.muted{color:#777;font-size:85%}
            .paused{color:#c00;font-weight:600}.slow{color:#c60;font-weight:600}.ok{color:#070}.bankrupt,.liquidatable{color:#c00}.marginCall{color:#c60}
            svg.chart{display:block;margin-bottom:.4em;max-width:100%;height:auto}#live{font-size:80%;color:#888}
            main{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:0 2em}#summary,#risk,#feed,#own{grid-column:1/-1}
            #nearest td{white-space:nowrap}</style>
            </head><body>
            <h1>Solvent</h1>
            <p class="muted">risk dashboard · <span id="live">\(nonce == nil ? "static page: reload for newer numbers" : "connecting")</span></p>
            <main>
            \(sections.map(\.html).joined(separator: "\n"))
            </main>
            <form method="post" action="/dashboard/signout"><button>sign out</button></form>
            \(script)
            </body></html>
            """
    }

    /// The page's sections, each an element whose `id` the live updates replace.
    static func sections(
        _ service: SolventService, viewer: Viewer
    ) async -> (sections: [(id: String, html: String)], sequence: UInt64) {
        // A copy of the engine value (copy-on-write): the rendering runs off the engine's actor.
        let engine = await service.engine.read { $0 }
        let catalog = Catalog(engine)
        let history = service.history
        var sections: [(id: String, html: String)] = []
        switch viewer {
        case .venue:
            let scan = Scan(engine)
            sections.append(("summary", summary(engine, service: service, scan: scan)))
            sections.append(("breakers", breakers(engine, catalog: catalog)))
            sections.append(("prices", prices(engine, catalog: catalog, history: history)))
            sections.append(("funds", funds(engine, history: history)))
            sections.append(("activity", activity(history: history)))
            sections.append(("risk", risk(scan, engine: engine, catalog: catalog)))
            sections.append(("feed", feed(service, catalog: catalog, account: nil)))
        case .account(let account):
            sections.append(
                (
                    "summary",
                    "<section id=\"summary\"><p>sequence <b id=\"sequence\">\(engine.lastSequence)</b> · engine time \(DashboardFormat.clock(engine.now.nanoseconds)) UTC</p></section>"
                ))
            sections.append(("own", own(engine, catalog: catalog, account: account)))
            sections.append(("prices", prices(engine, catalog: catalog, history: history)))
            sections.append(("funds", funds(engine, history: history)))
            // A key without an account has no events of its own to show.
            if let account { sections.append(("feed", feed(service, catalog: catalog, account: account))) }
        }
        return (sections, engine.lastSequence)
    }

    // MARK: Names and units

    /// How each market's prices and quantities and each asset's amounts are written.
    struct Catalog {
        struct Market {
            var symbol: String; var priceDecimals: Int; var quote: String; var base: String; var settleScale: Int;
            var settleSymbol: String
        }
        var markets: [UInt32: Market] = [:]
        var assets: [UInt32: (symbol: String, scale: Int)] = [:]

        init(_ engine: Engine) {
            for asset in engine.assets { assets[asset.spec.id.rawValue] = (asset.spec.symbol, asset.spec.scale) }
            for market in engine.markets {
                let settle = engine.assets[Int(market.settleAssetIndex)].spec
                let symbol = market.spec.symbol
                // A linear market of one base unit per contract counts in the base ("BTC" of
                // BTCUSDT); anything else in contracts. Inverse prices are USD per coin.
                var base = "contracts"
                if market.spec.kind == .linear && market.spec.option == nil
                    && market.spec.contractSize == Quantity("1")!
                    && symbol.count > settle.symbol.count && symbol.hasSuffix(settle.symbol)
                {
                    base = String(symbol.dropLast(settle.symbol.count))
                }
                markets[market.spec.id.rawValue] = Market(
                    symbol: symbol, priceDecimals: DashboardFormat.priceDecimals(tick: market.spec.tickSize),
                    quote: market.spec.kind == .inverse ? "USD" : settle.symbol, base: base,
                    settleScale: settle.scale, settleSymbol: settle.symbol)
            }
        }

        func market(_ id: Int) -> Market {
            markets[UInt32(truncatingIfNeeded: id)]
                ?? Market(
                    symbol: "market \(id)", priceDecimals: 2, quote: "", base: "contracts", settleScale: 0,
                    settleSymbol: "")
        }

        /// "54,511.44" at the market's decimals (the unit is the market's quote).
        func price(_ atoms: Int64, market: Int) -> String {
            DashboardFormat.price(atoms, decimals: self.market(market).priceDecimals)
        }
        func price(_ text: String?, market: Int) -> String {
            guard let text, let price = Price(text) else { return "–" }
            return self.price(price.atoms, market: market)
        }
        func quantity(_ atoms: Int64, market: Int) -> String {
            "\(DashboardFormat.quantity(atoms)) \(self.market(market).base)"
        }
        func settle(_ atoms: Int64, market: Int) -> String {
            let m = self.market(market)
            return DashboardFormat.amount(atoms, scale: m.settleScale, symbol: m.settleSymbol)
        }
    }

    // MARK: Sections

    static func summary(_ engine: Engine, service: SolventService, scan: Scan) -> String {
        let liquidations = service.hub.count("positionLiquidated")
        let calls = service.hub.history(types: ["marginStateChanged"], limit: EventHub.historyLimit).filter {
            $0.json.contains("\"to\":\"marginCall\"")
        }.count
        return """
            <section id="summary"><p>sequence <b id="sequence">\(engine.lastSequence)</b> · engine time <b>\(DashboardFormat.clock(engine.now.nanoseconds)) UTC</b> ·
            accounts with positions <b id="accounts">\(DashboardFormat.grouped(String(scan.withPositions)))</b> ·
            pools flagged <b id="flagged">\(engine.alerts.count)</b> · liquidation steps <b id="liquidations">\(liquidations)</b> ·
            margin calls <b id="margin-calls">\(calls)</b></p></section>
            """
    }

    /// Each market's circuit-breaker state, as the liquidation engine would see it now.
    static func breakers(_ engine: Engine, catalog: Catalog) -> String {
        let rows = engine.markets.prefix(DashboardHistory.seriesLimit).map { market -> String in
            let id = market.spec.id
            let state: String
            switch engine.liquidationPermission(market: id) {
            case .allowed:
                state =
                    market.oracle == nil
                    ? "<span class=\"ok\">liquidations allowed</span> <span class=\"muted\">(marks set directly: no oracle breakers)</span>"
                    : "<span class=\"ok\">liquidations allowed</span>"
            case .slow(let fraction):
                state =
                    "<span class=\"slow\">slowed: price-move breaker, steps of at most \(DashboardFormat.percent(fraction))</span>"
            case .paused(let rule):
                state = "<span class=\"paused\">paused: \(e(ruleName(rule))) breaker</span>"
            }
            var detail = ""
            if let oracle = market.oracle {
                if oracle.frozen { detail = "margin frozen at the last good mark" }
                if let until = oracle.priceMoveUntil, engine.now < until {
                    detail = "price-move breaker until \(DashboardFormat.clock(until.nanoseconds)) UTC"
                }
            }
            return
                "<tr><td>\(e(market.spec.symbol))</td><td id=\"breaker-\(id.rawValue)\">\(state)</td><td class=\"muted\">\(e(detail))</td></tr>"
        }.joined()
        return
            "<section id=\"breakers\"><h2>Circuit breakers</h2><table><tr><th>market</th><th>state</th><th></th></tr>\(rows)</table></section>"
    }

    static func ruleName(_ rule: BreakerRule) -> String {
        switch rule {
        case .oracle: return "oracle"
        case .priceMove: return "price-move"
        case .liquidationRate: return "liquidation-rate"
        }
    }

    /// Markets with mark and index, and each one's history chart.
    static func prices(_ engine: Engine, catalog: Catalog, history: DashboardHistory) -> String {
        let rows = engine.markets.map { market -> String in
            let id = Int(market.spec.id.rawValue), quote = catalog.market(id).quote
            func cell(_ atoms: Int64, _ name: String) -> String {
                guard atoms > 0 else { return "<td class=\"num\" id=\"\(name)-\(id)\">–</td>" }
                return
                    "<td class=\"num\" id=\"\(name)-\(id)\" data-value=\"\(Price(atoms: atoms).description)\">\(catalog.price(atoms, market: id)) \(e(quote))</td>"
            }
            return
                "<tr><td>\(e(market.spec.symbol))</td>\(cell(market.mark, "mark"))\(cell(market.index, "index"))</tr>"
        }.joined()
        let charts = history.markets.map { series -> String in
            let id = Int(series.id), market = catalog.market(id)
            let lines = [
                DashboardCharts.Line(
                    name: "mark", color: "#1f77b4",
                    values: series.points.filter { $0.first > 0 }.map { ($0.time, $0.first) }),
                DashboardCharts.Line(
                    name: "index", color: "#ff7f0e", dashed: true,
                    values: series.points.filter { $0.second > 0 }.map { ($0.time, $0.second) }),
            ]
            return DashboardCharts.lines(
                id: "chart-mark-\(id)", title: "\(market.symbol): mark and index (\(market.quote))", lines
            ) { atoms in
                "\(catalog.price(atoms, market: id)) \(market.quote)"
            }
        }.joined()
        return """
            <section id="prices"><h2>Markets</h2><table><tr><th>market</th><th>mark</th><th>index</th></tr>\(rows)</table>
            <h2>Mark and index over time</h2>\(charts.isEmpty ? "<p class=\"muted\">no prices yet</p>" : charts)</section>
            """
    }

    /// Insurance fund and recorded deficit per asset, now and over time.
    static func funds(_ engine: Engine, history: DashboardHistory) -> String {
        let rows = engine.assets.map { asset -> String in
            let symbol = asset.spec.symbol, scale = asset.spec.scale
            return
                "<tr><td>\(e(symbol))</td><td class=\"num\" id=\"fund-\(e(symbol))\" data-value=\"\(DecimalText.format(asset.insuranceFund, scale: scale))\">\(e(DashboardFormat.amount(asset.insuranceFund, scale: scale, symbol: symbol)))</td>"
                + "<td class=\"num\" id=\"deficit-\(e(symbol))\" data-value=\"\(DecimalText.format(-asset.deficit, scale: scale))\">\(e(DashboardFormat.amount(-asset.deficit, scale: scale, symbol: symbol)))</td></tr>"
        }.joined()
        let scales = Dictionary(
            engine.assets.map { ($0.spec.id.rawValue, $0.spec.scale) }, uniquingKeysWith: { a, _ in a })
        let charts = history.assets.compactMap { series -> String? in
            // From the first time the asset had a fund or a deficit; a deficit line once there is one.
            guard let start = series.points.firstIndex(where: { $0.first != 0 || $0.second != 0 }) else { return nil }
            let points = series.points[start...]
            let scale = scales[series.id] ?? 0
            var lines = [
                DashboardCharts.Line(name: "fund", color: "#2ca02c", values: points.map { ($0.time, $0.first) })
            ]
            if points.contains(where: { $0.second != 0 }) {
                lines.append(
                    DashboardCharts.Line(
                        name: "deficit", color: "#d62728", dashed: true, values: points.map { ($0.time, $0.second) }))
            }
            return DashboardCharts.lines(
                id: "chart-fund-\(series.id)", title: "\(series.symbol): insurance fund and deficit", lines
            ) { atoms in
                DashboardFormat.amount(atoms, scale: scale, symbol: series.symbol)
            }
        }.joined()
        return """
            <section id="funds"><h2>Insurance fund and deficit</h2><table><tr><th>asset</th><th>insurance fund</th><th>deficit</th></tr>\(rows)</table>
            \(charts)</section>
            """
    }

    /// Liquidation steps and deleveraged positions per minute of engine time.
    static func activity(history: DashboardHistory) -> String {
        var minutes = history.minutes
        // Minutes without steps between the first and the last are drawn as empty buckets.
        if let first = minutes.first, let last = minutes.last, last.minute - first.minute < Int64(history.minutesKept) {
            var filled: [DashboardHistory.Minute] = []
            var next = 0
            for minute in first.minute...last.minute {
                if next < minutes.count, minutes[next].minute == minute {
                    filled.append(minutes[next]); next += 1
                } else {
                    filled.append(.init(minute: minute, liquidations: 0, deleveraged: 0))
                }
            }
            minutes = filled
        }
        let chart = DashboardCharts.bars(
            id: "chart-activity", title: "liquidation steps and deleveraged positions per minute",
            labels: minutes.map { DashboardFormat.clock($0.minute * 60_000_000_000).prefix(5).description },
            series: [
                ("liquidation steps", "#d62728", minutes.map(\.liquidations)),
                ("ADL positions", "#9467bd", minutes.map(\.deleveraged)),
            ],
            note: "no liquidations yet")
        return
            "<section id=\"activity\"><h2>Liquidations and ADL per minute <span class=\"muted\">(engine time, UTC)</span></h2>\(chart)</section>"
    }

    /// Margin ratios across accounts: what the histogram and the nearest-liquidation table need.
    struct Scan {
        /// Accounts holding positions, and how many of them were margined.
        var withPositions = 0
        var scanned = 0
        /// Margin ratio buckets, finer where most accounts sit: below 2 %, [2 %, 4 %), … [75 %, 100 %),
        /// and ≥ 100 % or no positive equity (liquidation territory).
        var buckets = [Int](repeating: 0, count: Dashboard.ratioEdges.count + 1)
        /// (account, ratio atoms; Int64.max without positive equity), highest first.
        var nearest: [(account: AccountID, ratio: Int64)] = []

        init(_ engine: Engine) {
            var candidates: [AccountID] = []
            var seen = Set<AccountID>()
            // Flagged pools first (they are the nearest), then an even sample of the rest.
            for (pool, _) in engine.alerts
            where candidates.count < Dashboard.scanLimit && seen.insert(pool.account).inserted {
                candidates.append(pool.account)
            }
            let holders = engine.accounts.lazy.filter { !$0.isVenue && !$0.positions.isEmpty }
            withPositions = holders.count
            let room = Dashboard.scanLimit - candidates.count
            let stride = withPositions <= room ? 1 : (withPositions + max(1, room) - 1) / max(1, room)
            var offset = 0
            for account in holders {
                defer { offset += 1 }
                if candidates.count >= Dashboard.scanLimit { break }
                if offset % stride == 0 && seen.insert(account.id).inserted { candidates.append(account.id) }
            }
            var ratios: [(AccountID, Int64)] = []
            for id in candidates {
                guard case .success(let report)? = engine.marginReport(of: id, includingPrices: false),
                    !report.positions.isEmpty
                else { continue }
                scanned += 1
                let ratio = report.marginRatio?.atoms ?? Int64.max
                buckets[
                    Dashboard.ratioEdges.firstIndex { ratio < $0 * (Rate.oneAtoms / 100) } ?? Dashboard.ratioEdges.count
                ] += 1
                ratios.append((id, ratio))
            }
            ratios.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            nearest = ratios.prefix(Dashboard.nearestLimit).map { ($0.0, $0.1) }
        }
    }

    /// The histogram of margin ratios and the accounts nearest liquidation with their prices.
    static func risk(_ scan: Scan, engine: Engine, catalog: Catalog) -> String {
        let labels =
            ["<\(ratioEdges[0])"] + zip(ratioEdges, ratioEdges.dropFirst()).map { "\($0)–\($1)" } + [
                "≥\(ratioEdges.last!)"
            ]
        let histogram = DashboardCharts.bars(
            id: "chart-ratios", title: "accounts by margin ratio (maintenance / equity, %)",
            labels: labels, series: [("accounts", "#1f77b4", scan.buckets)], note: "no accounts with positions")
        let sampled =
            scan.scanned < scan.withPositions
            ? "<p class=\"muted\" id=\"sampled\">sampled: \(DashboardFormat.grouped(String(scan.scanned))) of \(DashboardFormat.grouped(String(scan.withPositions))) accounts with positions (flagged pools first, then every n-th account)</p>"
            : ""
        var rows = ""
        for (account, _) in scan.nearest {
            guard case .success(let report)? = engine.marginReport(of: account) else { continue }
            let ratio = report.marginRatio.map(DashboardFormat.percent) ?? "no equity"
            let status = report.status.rawValue
            let head =
                "<td>\(account.rawValue)</td><td class=\"\(e(status))\">\(e(words(status)))</td><td class=\"num\">\(e(ratio))</td><td class=\"num\">\(e(DashboardFormat.usd(report.equity.atoms)))</td>"
            for (offset, position) in report.positions.prefix(4).enumerated() {
                let id = Int(position.market.rawValue)
                var distance = "–"
                if let liquidation = position.liquidationPrice, position.markPrice.atoms > 0 {
                    let away =
                        Double(liquidation.atoms - position.markPrice.atoms) / Double(position.markPrice.atoms) * 100
                    distance = abs(away) < 0.005 ? "0.00 %" : String(format: "%+.2f %%", away)
                }
                rows +=
                    "<tr>" + (offset == 0 ? head : "<td></td><td></td><td></td><td></td>")
                    + "<td>\(e(position.symbol))</td><td class=\"num\">\(e(catalog.quantity(position.size.atoms, market: id)))</td>"
                    + "<td class=\"num\">\(e(catalog.price(position.markPrice.atoms, market: id)))</td>"
                    + "<td class=\"num\" data-account=\"\(account.rawValue)\">\(e(position.liquidationPrice.map { catalog.price($0.atoms, market: id) } ?? "–"))</td>"
                    + "<td class=\"num\">\(e(distance))</td></tr>"
            }
        }
        return """
            <section id="risk"><h2>Margin ratios across accounts</h2>\(histogram)\(sampled)
            <div><h2>Nearest liquidation</h2><table id="nearest"><tr><th>account</th><th>status</th><th>margin ratio</th><th>equity</th><th>market</th><th>size</th><th>mark</th><th>liquidation price</th><th>from mark</th></tr>\(rows)</table></div></section>
            """
    }

    static func words(_ status: String) -> String {
        switch status {
        case "marginCall": return "margin call"
        case "liquidatable", "liquidating": return "in liquidation"
        default: return status
        }
    }

    /// One account's standing and positions with their liquidation prices.
    static func own(_ engine: Engine, catalog: Catalog, account: UInt64?) -> String {
        guard let account else {
            return "<section id=\"own\"><p>This key acts for no account: markets and funds only.</p></section>"
        }
        guard case .success(let report)? = engine.marginReport(of: AccountID(account)) else {
            return
                "<section id=\"own\"><h2>Account \(account)</h2><p>No margin report for this account yet.</p></section>"
        }
        let rows = report.positions.map { p -> String in
            let id = Int(p.market.rawValue)
            return "<tr><td>\(e(p.symbol))</td><td class=\"num\">\(e(catalog.quantity(p.size.atoms, market: id)))</td>"
                + "<td class=\"num\">\(e(p.entryPrice.map { catalog.price($0.atoms, market: id) } ?? "–"))</td><td class=\"num\">\(e(catalog.price(p.markPrice.atoms, market: id)))</td>"
                + "<td class=\"num\" id=\"liquidation-\(e(p.symbol))\"\(p.liquidationPrice.map { " data-value=\"\($0.description)\"" } ?? "")>\(e(p.liquidationPrice.map { catalog.price($0.atoms, market: id) } ?? "–"))</td>"
                + "<td class=\"num\">\(e(p.bankruptcyPrice.map { catalog.price($0.atoms, market: id) } ?? "–"))</td>"
                + "<td class=\"num\">\(e(catalog.settle(p.unrealizedPnl.atoms, market: id)))</td><td>\(e(words(p.status.rawValue)))</td></tr>"
        }.joined()
        return """
            <section id="own"><h2>Account <span id="account">\(account)</span></h2>
            <p>status <b id="status">\(e(words(report.status.rawValue)))</b> · equity <b>\(e(DashboardFormat.usd(report.equity.atoms)))</b> ·
            maintenance margin <b>\(e(DashboardFormat.usd(report.maintenanceMargin.atoms)))</b> · margin ratio <b>\(e(report.marginRatio.map(DashboardFormat.percent) ?? "–"))</b></p>
            <table id="positions"><tr><th>market</th><th>size</th><th>entry</th><th>mark</th><th>liquidation price</th><th>bankruptcy price</th><th>unrealized PnL</th><th>status</th></tr>\(rows)</table></section>
            """
    }

    /// The latest notable events in words and units, newest first (only `account`'s when given).
    static func feed(_ service: SolventService, catalog: Catalog, account: UInt64?) -> String {
        let items = service.hub.history(types: feedTypes, account: account, limit: feedLimit).reversed().map { event in
            "<li data-type=\"\(e(event.type))\" data-sequence=\"\(event.sequence)\"><span class=\"seq\">#\(event.sequence)</span> \(e(sentence(event, catalog: catalog)))</li>"
        }.joined()
        let title =
            account == nil ? "Liquidations, ADL, margin calls and breakers" : "Your liquidations and margin calls"
        return
            "<section id=\"feed\"><h2>\(title) <span class=\"muted\">(latest first)</span></h2><ul id=\"events\">\(items.isEmpty ? "<li class=\"muted\">nothing yet</li>" : items)</ul></section>"
    }

    /// An event in words: "liquidated 0.019 BTC of account 1990 at 54,511.44 USDT; penalty 3.30 USDT".
    static func sentence(_ event: StreamEvent, catalog: Catalog) -> String {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(event.json.utf8))) as? [String: Any] else {
            return event.type
        }
        func int(_ key: String) -> Int64 { (o[key] as? NSNumber)?.int64Value ?? 0 }
        /// An amount the event carries as a decimal string, in atoms of `scale` decimals.
        func atoms(_ key: String, scale: Int) -> Int64 {
            guard let text = o[key] as? String, case .success(let atoms) = DecimalText.parse(text, scale: scale) else {
                return 0
            }
            return atoms
        }
        let market = Int(int("market")), m = catalog.market(market), account = int("account")
        func settle(_ key: String) -> Int64 { atoms(key, scale: m.settleScale) }
        switch event.type {
        case "positionLiquidated":
            let quantity = (o["quantity"] as? String).flatMap(Quantity.init)?.atoms ?? 0
            var text =
                "liquidated \(catalog.quantity(quantity, market: market)) of account \(account)'s \((o["long"] as? Bool ?? true) ? "long" : "short") in \(m.symbol)"
                + " at \(catalog.price(o["accountPrice"] as? String, market: market)) \(m.quote)"
            if (o["closesPosition"] as? Bool) == true { text += " (position closed)" }
            text += "; penalty \(catalog.settle(settle("penalty"), market: market))"
            if settle("fundDraw") > 0 {
                text += "; insurance fund paid \(catalog.settle(settle("fundDraw"), market: market))"
            }
            if settle("reallocated") > 0 {
                text += "; \(catalog.settle(settle("reallocated"), market: market)) reallocated"
            }
            let deleveraged = (o["deleveraged"] as? [Any])?.count ?? 0
            if deleveraged > 0 {
                text += "; \(deleveraged) opposite position\(deleveraged == 1 ? "" : "s") auto-deleveraged"
            }
            if settle("uncovered") > 0 {
                text += "; uncovered loss \(catalog.settle(settle("uncovered"), market: market)) (deficit)"
            }
            if let auction = o["auction"] as? NSNumber { text += "; from auction #\(auction)" }
            return text
        case "marginStateChanged":
            let to = o["to"] as? String ?? "normal", from = o["from"] as? String ?? "normal"
            let pool =
                (o["isolatedMarket"] as? NSNumber).map { " (isolated \(catalog.market($0.intValue).symbol))" } ?? ""
            let mark = "at \(m.symbol) mark \(catalog.price(o["mark"] as? String, market: market)) \(m.quote)"
            switch to {
            case "marginCall":
                return
                    "account \(account)\(pool) \(from == "liquidating" ? "left liquidation, still in margin call" : "entered margin call") \(mark)"
            case "liquidating": return "account \(account)\(pool) entered liquidation \(mark)"
            default: return "account \(account)\(pool) back to normal from \(words(from)) \(mark)"
            }
        case "breakerTripped":
            let rule = (o["rule"] as? String).flatMap(BreakerRule.init).map(ruleName) ?? "a"
            return "\(m.symbol): \(rule) breaker tripped: \(o["detail"] as? String ?? "")"
        case "breakerResumed":
            let rule = (o["rule"] as? String).flatMap(BreakerRule.init).map(ruleName) ?? "a"
            return "\(m.symbol): \(rule) breaker resumed"
        case "auctionStarted":
            let lot = (o["lot"] as? String).flatMap(Quantity.init)?.atoms ?? 0
            return
                "auction #\(int("auction")) opened for \(catalog.quantity(lot, market: market)) of account \(account) in \(m.symbol), starting at \(catalog.price(o["top"] as? String, market: market)) \(m.quote)"
        case "deficitCovered":
            let asset = catalog.assets[UInt32(truncatingIfNeeded: int("asset"))]
            return
                "deficit covered: \(DashboardFormat.amount(atoms("amount", scale: asset?.scale ?? 0), scale: asset?.scale ?? 0, symbol: asset?.symbol ?? "asset \(int("asset"))"))"
        default:
            return event.type
        }
    }

    /// The sign-in page: a form that POSTs the key (never a URL holding it).
    static func signIn(message: String?) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Solvent dashboard: sign in</title></head><body>
        <h1>Solvent</h1>
        \(message.map { "<p id=\"message\">\(e($0))</p>" } ?? "")
        <form method="post" action="/dashboard/session">
        <label>API key <input type="password" name="key" autocomplete="off" required></label> <button>sign in</button>
        </form></body></html>
        """
    }

    /// Escapes text for HTML text and double- or single-quoted attribute values.
    static func e(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
