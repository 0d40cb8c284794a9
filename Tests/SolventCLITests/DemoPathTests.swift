import Foundation
import SolventCLI
import Testing

/// `solvent serve --demo`'s price path: a recorded crash from 20 bars before its trough, four
/// points a bar on the market's 0.1 tick grid; a named file that cannot be read is an error,
/// never a silent fallback; `generated` asks for the generated crash.
@Suite(.capturingDiagnostics)
struct DemoPathTests {
    static let files = TemporaryFiles("solvent-demo-tests")

    @Test func aRecordedPathStartsBeforeTheTrough() throws {
        var rows = ["timestamp,open,high,low,close,volume"]
        // 30 flat bars at 100, then a fall to a trough at bar 30, then a bounce.
        for hour in 0..<40 {
            let price = hour < 25 ? 100.0 : hour <= 30 ? 100.0 - Double(hour - 24) * 8 : 60.0 + Double(hour - 30)
            rows.append(
                String(
                    format: "2020-03-%02dT%02d:00:00Z,%.2f,%.2f,%.2f,%.2f,1", 10 + hour / 24, hour % 24, price,
                    price + 0.5, price - 0.04, price))
        }
        let file = Self.files.file("path.csv", rows.joined(separator: "\n") + "\n")
        let marks = try #require(try ServeCommand.parse(["--demo", "--demo-path", file]).demoMarks())
        #expect(marks.count == (40 - 10) * 4, "from bar 10 (20 before the trough at bar 30) to the end")
        #expect(marks.allSatisfy { $0 % 10_000_000 == 0 && $0 > 0 }, "on the 0.1 tick grid")
        #expect(marks.first == 10_000_000_000 && marks.min() == 5_200_000_000)
        #expect(try ServeCommand.parse(["--demo", "--demo-path", "generated"]).demoMarks() == nil)
        #expect(throws: (any Error).self) {
            try ServeCommand.parse(["--demo", "--demo-path", "/nonexistent/path.csv"]).demoMarks()
        }
    }

    static let crashFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("../shared/data/market/crash/2020-03-12_btcusdt_binance_perp_1h.csv").path

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: crashFile),
            "../shared/data is absent: the demo's default path test is skipped"))
    func theDefaultIsTheRealCrashWhereTheDataIsPresent() throws {
        let data = Self.crashFile
        let marks = try #require(try ServeCommand.parse(["--demo", "--demo-path", data]).demoMarks())
        // Binance's BTCUSDT perpetual bottomed at 3,621.81 on 2020-03-13 (the file's low).
        #expect(marks.min() == 362_180_000_000, "\(marks.min()!)")
        #expect(marks.count > 80 && marks[0] > 700_000_000_000)
    }
}
