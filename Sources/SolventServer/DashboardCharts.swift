import Foundation

/// The dashboard's charts as inline SVG drawn on the server: polylines over time with their
/// axes, minimum and maximum labelled in units and the time span written under them; bars per
/// minute; a histogram. Each `<svg>` carries `data-points` (how many values it draws) so a
/// test, or a reader of the DOM, can tell an empty chart from a drawn one. Every label is
/// HTML-escaped.
enum DashboardCharts {
    struct Line {
        var name: String
        var color: String
        var dashed = false
        /// (engine time in nanoseconds, value in atoms)
        var values: [(time: Int64, value: Int64)]
    }

    static let width = 540.0, height = 170.0
    static let left = 104.0, right = 10.0, top = 18.0, bottom = 34.0

    /// Lines over engine time on one axis; `label` formats an atom value with its unit.
    static func lines(id: String, title: String, _ lines: [Line], label: (Int64) -> String) -> String {
        let drawn = lines.filter { !$0.values.isEmpty }
        let count = drawn.reduce(0) { $0 + $1.values.count }
        let e = Dashboard.e
        guard count > 0 else {
            return svgOpen(id: id, title: title, points: 0)
                + "<text x=\"\(left)\" y=\"\(top + 60)\" font-size=\"12\" fill=\"#888\">no data yet</text></svg>"
        }
        let times = drawn.flatMap { $0.values.map(\.time) }, values = drawn.flatMap { $0.values.map(\.value) }
        let t0 = times.min()!, t1 = times.max()!
        var low = values.min()!, high = values.max()!
        if low == high { low -= max(1, abs(low) / 100); high += max(1, abs(high) / 100) }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ t: Int64) -> Double {
            t1 == t0 ? left + plotWidth : left + plotWidth * Double(t - t0) / Double(t1 - t0)
        }
        func y(_ v: Int64) -> Double {
            top + plotHeight * (1 - (Double(v) - Double(low)) / (Double(high) - Double(low)))
        }
        var svg = svgOpen(id: id, title: title, points: count)
        svg += axes(plotWidth: plotWidth, plotHeight: plotHeight)
        svg +=
            "<text x=\"\(f(left - 4))\" y=\"\(f(top + 4))\" font-size=\"10.5\" text-anchor=\"end\" data-label=\"max\">\(e(label(high)))</text>"
        svg +=
            "<text x=\"\(f(left - 4))\" y=\"\(f(top + plotHeight))\" font-size=\"10.5\" text-anchor=\"end\" data-label=\"min\">\(e(label(low)))</text>"
        svg += "<text x=\"\(f(left))\" y=\"\(f(height - 18))\" font-size=\"11\">\(DashboardFormat.clock(t0)) UTC</text>"
        svg +=
            "<text x=\"\(f(width - right))\" y=\"\(f(height - 18))\" font-size=\"11\" text-anchor=\"end\">\(DashboardFormat.clock(t1)) UTC</text>"
        svg +=
            "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 18))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#666\">span \(DashboardFormat.span(t1 - t0))</text>"
        var legendX = left
        for line in drawn {
            let points = line.values.map { "\(f(x($0.time))),\(f(y($0.value)))" }.joined(separator: " ")
            svg +=
                "<polyline class=\"series\" data-series=\"\(e(line.name))\" data-count=\"\(line.values.count)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\""
                + (line.dashed ? " stroke-dasharray=\"4 3\"" : "") + " points=\"\(points)\"/>"
            if line.values.count == 1 {
                svg +=
                    "<circle cx=\"\(f(x(line.values[0].time)))\" cy=\"\(f(y(line.values[0].value)))\" r=\"2.5\" fill=\"\(line.color)\"/>"
            }
            let last = line.values.last!.value
            svg +=
                "<text x=\"\(f(legendX))\" y=\"\(f(height - 4))\" font-size=\"11\" fill=\"\(line.color)\">\(e(line.name)) \(e(label(last)))</text>"
            legendX += 220
        }
        return svg + "</svg>"
    }

    /// Paired bars per bucket (liquidation steps and deleveraged positions per minute).
    static func bars(
        id: String, title: String, labels: [String], series: [(name: String, color: String, values: [Int])],
        note: String
    ) -> String {
        let e = Dashboard.e
        let count = labels.count
        var svg = svgOpen(id: id, title: title, points: count)
        guard count > 0 else {
            return svg + "<text x=\"\(left)\" y=\"\(top + 60)\" font-size=\"12\" fill=\"#888\">\(e(note))</text></svg>"
        }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let peak = Swift.max(1, series.flatMap(\.values).max() ?? 1)
        svg += axes(plotWidth: plotWidth, plotHeight: plotHeight)
        svg +=
            "<text x=\"\(f(left - 4))\" y=\"\(f(top + 4))\" font-size=\"10.5\" text-anchor=\"end\" data-label=\"max\">\(peak)</text>"
        svg +=
            "<text x=\"\(f(left - 4))\" y=\"\(f(top + plotHeight))\" font-size=\"10.5\" text-anchor=\"end\" data-label=\"min\">0</text>"
        let slot = plotWidth / Double(count), barWidth = Swift.max(1, slot * 0.8 / Double(Swift.max(1, series.count)))
        for (bucket, label) in labels.enumerated() {
            for (s, serie) in series.enumerated() {
                let value = serie.values[bucket]
                let h = plotHeight * Double(value) / Double(peak)
                let x = left + slot * Double(bucket) + slot * 0.1 + barWidth * Double(s)
                svg +=
                    "<rect class=\"bar\" data-series=\"\(e(serie.name))\" data-value=\"\(value)\" x=\"\(f(x))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(barWidth))\" height=\"\(f(h))\" fill=\"\(serie.color)\"><title>\(e(label)): \(value) \(e(serie.name))</title></rect>"
            }
            if count <= 12 || bucket == 0 || bucket == count - 1 {
                svg +=
                    "<text x=\"\(f(left + slot * (Double(bucket) + 0.5)))\" y=\"\(f(height - 20))\" font-size=\"10\" text-anchor=\"middle\">\(e(label))</text>"
            }
        }
        var legendX = left
        for serie in series {
            svg +=
                "<text x=\"\(f(legendX))\" y=\"\(f(height - 4))\" font-size=\"11\" fill=\"\(serie.color)\">■ \(e(serie.name)) (\(serie.values.reduce(0, +)))</text>"
            legendX += 220
        }
        return svg + "</svg>"
    }

    private static func svgOpen(id: String, title: String, points: Int) -> String {
        "<svg id=\"\(Dashboard.e(id))\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(Dashboard.e(title))\" data-points=\"\(points)\"><title>\(Dashboard.e(title))</title>"
    }

    private static func axes(plotWidth: Double, plotHeight: Double) -> String {
        "<path d=\"M\(f(left)) \(f(top)) V\(f(top + plotHeight)) H\(f(left + plotWidth))\" stroke=\"#999\" fill=\"none\"/>"
            + "<path d=\"M\(f(left)) \(f(top)) H\(f(left + plotWidth))\" stroke=\"#eee\" fill=\"none\"/>"
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
