import Foundation

/// The backtest's self-contained HTML report: the summary, the portfolio's value, and the margin
/// against the realised loss of every period with the exceptions marked — inline SVG, no
/// scripts, nothing fetched.
enum BacktestReport {
    static func html(_ run: BacktestCommand.Run) -> String {
        let summary = run.summary
        func text(_ key: String) -> String { escape("\(summary[key] ?? "")") }
        func test(_ key: String) -> String {
            guard let result = summary[key] as? [String: Any] else { return "" }
            return
                "statistic \(format(result["statistic"] as? Double ?? .nan)), p-value \(format(result["pValue"] as? Double ?? .nan)): \(escape("\(result["verdict"] ?? "")"))"
        }
        let exceptions = zip(run.losses, run.margins).enumerated().filter { $0.element.0 > $0.element.1 }.map(\.offset)
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Solvent backtest: \(text("model"))</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}td{padding:2px 12px}svg{background:#fafafa;border:1px solid #ddd}</style>
            </head><body>
            <h1>Margin backtest</h1>
            <table>
            <tr><td>model</td><td>\(text("model")) at \(text("confidence")), horizon \(text("horizon")), window \(text("window"))</td></tr>
            <tr><td>observations</td><td>\(text("observations"))</td></tr>
            <tr><td>exceptions</td><td>\(text("exceptions")) (expected \(format(summary["expectedExceptions"] as? Double ?? 0)))</td></tr>
            <tr><td>Kupiec</td><td>\(test("kupiec"))</td></tr>
            <tr><td>Christoffersen independence</td><td>\(test("christoffersenIndependence"))</td></tr>
            <tr><td>Christoffersen conditional coverage</td><td>\(test("christoffersenConditional"))</td></tr>
            <tr><td>Acerbi–Székely Z2 (ES)</td><td>\(summary["acerbiSzekelyZ2"] is [String: Any] ? test("acerbiSzekelyZ2") : "not applicable: the model forecasts no expected shortfall")</td></tr>
            <tr><td>anti-procyclicality</td><td>\(text("apc"))</td></tr>
            <tr><td>traffic light</td><td>\(text("trafficLight"))</td></tr>
            <tr><td>mean / peak margin</td><td>\(format(summary["meanMargin"] as? Double ?? 0)) / \(format(summary["peakMargin"] as? Double ?? 0))</td></tr>
            </table>
            <h2>Portfolio value</h2>
            \(chart(series: [(run.values, "#1f77b4")], marks: [], times: run.times))
            <h2>Margin (blue) and realised loss (grey); exceptions in red</h2>
            \(chart(series: [(run.losses, "#999999"), (run.margins, "#1f77b4")], marks: exceptions.map { ($0, run.losses[$0]) }, times: run.times))
            <h2>Through the crash windows</h2>
            \(crashSection(run))
            </body></html>
            """
    }

    /// Per crash window the backtest covers: its figures (margin before, peak inside, increase,
    /// exceptions) and the margin against the realised loss from ten periods before to ten after.
    static func crashSection(_ run: BacktestCommand.Run) -> String {
        let rows = run.summary["crashWindows"] as? [[String: Any]] ?? []
        guard !rows.isEmpty else { return "<p>The backtest covers none of the crash windows.</p>" }
        var html =
            "<table><tr><td>window</td><td>margin before</td><td>peak inside</td><td>increase</td><td>exceptions</td><td>worst loss</td></tr>"
        for row in rows {
            html +=
                "<tr><td>\(escape("\(row["window"] ?? "")"))</td><td>\(format(row["marginBefore"] as? Double ?? .nan))</td>"
            html +=
                "<td>\(format(row["peakMargin"] as? Double ?? .nan))</td><td>\((row["increase"] as? Double).map { format(100 * $0) + " %" } ?? "n/a (no margin before)")</td>"
            html += "<td>\(row["exceptions"] ?? "")</td><td>\(format(row["worstLoss"] as? Double ?? .nan))</td></tr>"
        }
        html += "</table>"
        for (window, range) in run.crashWindows {
            let margins = Array(run.margins[range]), losses = Array(run.losses[range])
            let marks = range.filter { run.losses[$0] > run.margins[$0] }.map {
                ($0 - range.lowerBound, run.losses[$0])
            }
            html += "<h3>\(escape(window.name))</h3>"
            html += chart(
                series: [(losses, "#999999"), (margins, "#1f77b4")], marks: marks, times: Array(run.times[range]))
        }
        return html
    }

    /// Polylines over a shared scale, with red dots at the marked points and the first and last
    /// dates on the axis.
    static func chart(series: [([Double], String)], marks: [(Int, Double)], times: [Int64]) -> String {
        let (width, height, pad) = (960.0, 260.0, 30.0)
        let values = series.flatMap(\.0).filter(\.isFinite)
        guard let low = values.min(), let high = values.max(), let count = series.first?.0.count, count > 1 else {
            return "<p>no data</p>"
        }
        let span = high > low ? high - low : 1
        func x(_ index: Int) -> Double { pad + (width - 2 * pad) * Double(index) / Double(count - 1) }
        func y(_ value: Double) -> Double { height - pad - (height - 2 * pad) * (value - low) / span }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        for (line, colour) in series {
            let points = line.enumerated().map { "\(format(x($0.offset))),\(format(y($0.element)))" }.joined(
                separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1\" points=\"\(points)\"/>"
        }
        for (index, value) in marks {
            svg += "<circle cx=\"\(format(x(index)))\" cy=\"\(format(y(value)))\" r=\"3\" fill=\"#d62728\"/>"
        }
        let first = BacktestCommand.iso(times.first ?? 0)
        let last = BacktestCommand.iso(times.last ?? 0)
        svg += "<text x=\"\(pad)\" y=\"\(height - 8)\" font-size=\"11\">\(first)</text>"
        svg += "<text x=\"\(width - pad)\" y=\"\(height - 8)\" font-size=\"11\" text-anchor=\"end\">\(last)</text>"
        svg +=
            "<text x=\"4\" y=\"14\" font-size=\"11\">\(format(high))</text><text x=\"4\" y=\"\(height - pad)\" font-size=\"11\">\(format(low))</text>"
        return svg + "</svg>"
    }

    static func format(_ value: Double) -> String { formatted(value, "%.4g") }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
