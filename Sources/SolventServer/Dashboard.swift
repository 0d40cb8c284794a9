import Foundation
import SolventCore

/// The dashboard (issue #8, item 5): server-rendered HTML with inline SVG, no scripts and
/// nothing fetched; it reloads itself every 2 seconds (`<meta http-equiv="refresh">`). Every
/// number comes from the same views the JSON API serves.
enum Dashboard {
    struct Snapshot: Sendable {
        var sequence: UInt64
        var markets: [Market]
        var funds: [Fund]
        var nearest: [Nearest]
        var flagged: Int
        struct Market: Sendable { var id: Int; var symbol: String; var mark: String; var index: String; var history: [Double] }
        struct Fund: Sendable { var symbol: String; var fund: String; var deficit: String }
        struct Nearest: Sendable { var account: UInt64; var status: String; var ratio: String; var equity: String }
    }

    static func html(_ service: SolventService, key: String?) async -> String {
        let snapshot = await service.engine.read { engine in
            Snapshot(sequence: engine.lastSequence,
                     markets: engine.markets.map { market in
                         .init(id: Int(market.spec.id.rawValue), symbol: market.spec.symbol,
                               mark: market.mark > 0 ? Price(atoms: market.mark).description : "–",
                               index: market.index > 0 ? Price(atoms: market.index).description : "–",
                               history: [])
                     },
                     funds: engine.assets.map { .init(symbol: $0.spec.symbol, fund: DecimalText.format($0.insuranceFund, scale: $0.spec.scale),
                                                      deficit: DecimalText.format(-$0.deficit, scale: $0.spec.scale)) },
                     nearest: StateView.nearestLiquidation(engine, limit: 15).map { .init(account: $0.account, status: $0.status, ratio: $0.ratio, equity: $0.equity) },
                     flagged: engine.alerts.count)
        }
        let feed = service.hub.history(types: ["positionLiquidated", "marginStateChanged", "breakerTripped"], limit: 25).reversed()
        let marks = service.hub.history(types: ["markPriceSet"], limit: 0)
        _ = marks
        let liquidations = service.hub.count("positionLiquidated")
        let calls = service.hub.history(types: ["marginStateChanged"], limit: 2_000).filter { $0.json.contains("\"to\":\"marginCall\"") }.count
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let keyQuery = key.map { "?key=" + escape($0) } ?? ""
        _ = keyQuery
        let markets = snapshot.markets.map {
            "<tr><td>\($0.id)</td><td>\(escape($0.symbol))</td><td class=\"num\" id=\"mark-\($0.id)\">\($0.mark)</td><td class=\"num\">\($0.index)</td></tr>"
        }.joined()
        let funds = snapshot.funds.map {
            "<tr><td>\(escape($0.symbol))</td><td class=\"num\" id=\"fund-\(escape($0.symbol))\">\($0.fund)</td><td class=\"num\">\($0.deficit)</td></tr>"
        }.joined()
        let nearest = snapshot.nearest.map {
            "<tr><td>\($0.account)</td><td>\($0.status)</td><td class=\"num\">\($0.ratio)</td><td class=\"num\">\($0.equity)</td></tr>"
        }.joined()
        let events = feed.map { event -> String in
            "<li><code>#\(event.sequence) \(escape(event.type))</code> \(escape(summary(event.json)))</li>"
        }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
        <title>Solvent dashboard</title>
        <style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:collapse;margin-bottom:1em}
        td,th{padding:3px 12px;border-bottom:1px solid #eee;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
        .grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}li{margin:2px 0;font-size:90%}.big{font-size:180%;font-weight:600}</style>
        </head><body>
        <h1>Solvent</h1>
        <p>sequence <b id="sequence">\(snapshot.sequence)</b> · pools flagged <b id="flagged">\(snapshot.flagged)</b> ·
        liquidation steps <b id="liquidations">\(liquidations)</b> · margin calls <b id="margin-calls">\(calls)</b></p>
        \(gauge(flagged: snapshot.flagged, liquidations: liquidations))
        <div class="grid"><div>
        <h2>Markets</h2><table><tr><th>id</th><th>symbol</th><th>mark</th><th>index</th></tr>\(markets)</table>
        <h2>Insurance fund</h2><table><tr><th>asset</th><th>fund</th><th>deficit</th></tr>\(funds)</table>
        <h2>Nearest liquidation</h2><table><tr><th>account</th><th>status</th><th>margin ratio</th><th>equity (USD)</th></tr>\(nearest)</table>
        </div><div>
        <h2>Liquidations, ADL and margin calls (latest first)</h2><ul id="feed">\(events)</ul>
        </div></div>
        </body></html>
        """
    }

    /// A bar per counter, inline SVG.
    static func gauge(flagged: Int, liquidations: Int) -> String {
        let top = Double(max(flagged, liquidations, 1))
        let flaggedWidth = 400.0 * Double(flagged) / top, stepWidth = 400.0 * Double(liquidations) / top
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="520" height="52" role="img" aria-label="pools flagged and liquidation steps">
        <rect x="110" y="4" width="\(Int(flaggedWidth))" height="18" fill="#ff7f0e"/><text x="0" y="18" font-size="12">flagged</text>
        <rect x="110" y="28" width="\(Int(stepWidth))" height="18" fill="#d62728"/><text x="0" y="42" font-size="12">liquidations</text>
        </svg>
        """
    }

    /// The event's JSON without its type and sequence (shown beside it).
    static func summary(_ json: String) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return json }
        return object.keys.sorted().filter { $0 != "type" && $0 != "sequence" && $0 != "deleveraged" }.map { "\($0)=\(object[$0]!)" }.joined(separator: " ")
    }
}
