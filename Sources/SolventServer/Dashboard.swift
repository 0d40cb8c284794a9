import Foundation
import SolventCore

/// The dashboard: server-rendered HTML with inline SVG, no scripts and nothing fetched; it
/// reloads itself every 2 seconds (`<meta http-equiv="refresh">`). Every number comes from the
/// same views the JSON API serves, and every value is HTML-escaped where it is written (text
/// and attributes alike: a market's symbol is whatever an admin typed).
enum Dashboard {
    /// Whose dashboard: operators (admin, readonly, and the open demo) see the whole venue;
    /// any other key sees the public part (markets, funds) and only its own account, if it has
    /// one: its positions with their liquidation prices and its own liquidations.
    enum Viewer: Sendable, Equatable {
        case venue
        case account(UInt64?)

        init(_ principal: Principal?) {
            guard let principal, !principal.role.isOperator else { self = .venue; return }
            self = .account(principal.account)
        }
    }

    struct Snapshot: Sendable {
        var sequence: UInt64
        var markets: [Market]
        var funds: [Fund]
        var nearest: [Nearest]
        var flagged: Int
        var own: Own?
        struct Market: Sendable { var id: Int; var symbol: String; var mark: String; var index: String }
        struct Fund: Sendable { var symbol: String; var fund: String; var deficit: String }
        struct Nearest: Sendable { var account: UInt64; var status: String; var ratio: String; var equity: String }
        struct Own: Sendable { var account: UInt64; var status: String; var equity: String; var ratio: String; var positions: [Position] }
        struct Position: Sendable { var symbol: String; var size: String; var entry: String; var mark: String; var liquidation: String; var bankruptcy: String; var status: String }
    }

    static let feedTypes: Set<String> = ["positionLiquidated", "marginStateChanged", "breakerTripped"]

    static func html(_ service: SolventService, viewer: Viewer) async -> String {
        let snapshot = await service.engine.read { engine in snap(engine, viewer: viewer) }
        let markets = snapshot.markets.map {
            "<tr><td>\($0.id)</td><td>\(e($0.symbol))</td><td class=\"num\" id=\"mark-\($0.id)\">\(e($0.mark))</td><td class=\"num\">\(e($0.index))</td></tr>"
        }.joined()
        let funds = snapshot.funds.map {
            "<tr><td>\(e($0.symbol))</td><td class=\"num\" id=\"fund-\(e($0.symbol))\">\(e($0.fund))</td><td class=\"num\">\(e($0.deficit))</td></tr>"
        }.joined()
        let left: String, right: String
        switch viewer {
        case .venue:
            let liquidations = service.hub.count("positionLiquidated")
            let calls = service.hub.history(types: ["marginStateChanged"], limit: 2_000).filter { $0.json.contains("\"to\":\"marginCall\"") }.count
            let nearest = snapshot.nearest.map {
                "<tr><td>\($0.account)</td><td>\(e($0.status))</td><td class=\"num\">\(e($0.ratio))</td><td class=\"num\">\(e($0.equity))</td></tr>"
            }.joined()
            left = """
            <p>sequence <b id="sequence">\(snapshot.sequence)</b> · pools flagged <b id="flagged">\(snapshot.flagged)</b> ·
            liquidation steps <b id="liquidations">\(liquidations)</b> · margin calls <b id="margin-calls">\(calls)</b></p>
            \(gauge(flagged: snapshot.flagged, liquidations: liquidations))
            <div class="grid"><div>
            <h2>Markets</h2><table><tr><th>id</th><th>symbol</th><th>mark</th><th>index</th></tr>\(markets)</table>
            <h2>Insurance fund</h2><table><tr><th>asset</th><th>fund</th><th>deficit</th></tr>\(funds)</table>
            <h2>Nearest liquidation</h2><table><tr><th>account</th><th>status</th><th>margin ratio</th><th>equity (USD)</th></tr>\(nearest)</table>
            """
            right = "<h2>Liquidations, ADL and margin calls (latest first)</h2><ul id=\"feed\">\(feed(service, account: nil))</ul>"
        case .account(let account):
            left = """
            <p>sequence <b id="sequence">\(snapshot.sequence)</b></p>
            <div class="grid"><div>
            \(own(snapshot.own, account: account))
            <h2>Markets</h2><table><tr><th>id</th><th>symbol</th><th>mark</th><th>index</th></tr>\(markets)</table>
            <h2>Insurance fund</h2><table><tr><th>asset</th><th>fund</th><th>deficit</th></tr>\(funds)</table>
            """
            // A key without an account has no liquidations of its own to show.
            right = account.map { "<h2>Your liquidations and margin calls (latest first)</h2><ul id=\"feed\">\(feed(service, account: $0))</ul>" } ?? ""
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
        <title>Solvent dashboard</title>
        <style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:collapse;margin-bottom:1em}
        td,th{padding:3px 12px;border-bottom:1px solid #eee;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
        .grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}li{margin:2px 0;font-size:90%}.big{font-size:180%;font-weight:600}</style>
        </head><body>
        <h1>Solvent</h1>
        \(left)
        </div><div>
        \(right)
        </div></div>
        <form method="post" action="/dashboard/signout"><button>sign out</button></form>
        </body></html>
        """
    }

    /// The engine's numbers for this viewer, read in one pass.
    static func snap(_ engine: Engine, viewer: Viewer) -> Snapshot {
        var own: Snapshot.Own?
        if case .account(let account?) = viewer, case .success(let report)? = engine.marginReport(of: AccountID(account)) {
            own = .init(account: account, status: report.status.rawValue, equity: report.equity.description,
                        ratio: report.marginRatio?.description ?? "∞",
                        positions: report.positions.map { position in
                            .init(symbol: position.symbol, size: position.size.description, entry: position.entryPrice?.description ?? "–",
                                  mark: position.markPrice.description, liquidation: position.liquidationPrice?.description ?? "–",
                                  bankruptcy: position.bankruptcyPrice?.description ?? "–", status: position.status.rawValue)
                        })
        }
        return Snapshot(sequence: engine.lastSequence,
                        markets: engine.markets.map { market in
                            .init(id: Int(market.spec.id.rawValue), symbol: market.spec.symbol,
                                  mark: market.mark > 0 ? Price(atoms: market.mark).description : "–",
                                  index: market.index > 0 ? Price(atoms: market.index).description : "–")
                        },
                        funds: engine.assets.map { .init(symbol: $0.spec.symbol, fund: DecimalText.format($0.insuranceFund, scale: $0.spec.scale),
                                                         deficit: DecimalText.format(-$0.deficit, scale: $0.spec.scale)) },
                        // Other accounts' standing is for operators only.
                        nearest: viewer == .venue ? StateView.nearestLiquidation(engine, limit: 15).map {
                            .init(account: $0.account, status: $0.status, ratio: $0.ratio, equity: $0.equity)
                        } : [],
                        flagged: viewer == .venue ? engine.alerts.count : 0,
                        own: own)
    }

    /// One account's standing and positions with their liquidation prices.
    static func own(_ own: Snapshot.Own?, account: UInt64?) -> String {
        guard let account else { return "<p>This key acts for no account: markets and funds only.</p>" }
        guard let own else { return "<h2>Account \(account)</h2><p>No margin report for this account yet.</p>" }
        let rows = own.positions.map { p in
            "<tr><td>\(e(p.symbol))</td><td class=\"num\">\(e(p.size))</td><td class=\"num\">\(e(p.entry))</td><td class=\"num\">\(e(p.mark))</td>"
                + "<td class=\"num\" id=\"liquidation-\(e(p.symbol))\">\(e(p.liquidation))</td><td class=\"num\">\(e(p.bankruptcy))</td><td>\(e(p.status))</td></tr>"
        }.joined()
        return """
        <h2>Account <span id="account">\(own.account)</span></h2>
        <p>status <b id="status">\(e(own.status))</b> · equity (USD) <b>\(e(own.equity))</b> · margin ratio <b>\(e(own.ratio))</b></p>
        <table id="positions"><tr><th>market</th><th>size</th><th>entry</th><th>mark</th><th>liquidation price</th><th>bankruptcy price</th><th>status</th></tr>\(rows)</table>
        """
    }

    /// The latest 25 notable events, newest first (only `account`'s when given).
    static func feed(_ service: SolventService, account: UInt64?) -> String {
        service.hub.history(types: feedTypes, account: account, limit: 25).reversed().map { event in
            "<li><code>#\(event.sequence) \(e(event.type))</code> \(e(summary(event.json)))</li>"
        }.joined()
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

    /// The event's JSON without its type and sequence (shown beside it).
    static func summary(_ json: String) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return json }
        return object.keys.sorted().filter { $0 != "type" && $0 != "sequence" && $0 != "deleveraged" }.map { "\($0)=\(object[$0]!)" }.joined(separator: " ")
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
