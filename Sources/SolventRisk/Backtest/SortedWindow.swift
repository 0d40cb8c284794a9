import RealModule

/// A sliding window of returns kept in ascending order: a step inserts the newest and removes the
/// oldest by binary search, so a quantile or a tail of the window is read without sorting it
/// again every period (the historical backtest of one underlying).
struct SortedWindow {
    private(set) var values: [Double]

    /// The window's values, which must all be finite (and below eʳ's overflow, for `tailMeasures`).
    init<S: Sequence>(_ window: S) where S.Element == Double {
        values = window.sorted()
    }

    /// The first index whose value is not below `value`.
    private func lowerBound(_ value: Double) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Moves the window on: `newest` enters, `oldest` (a value of the window) leaves.
    mutating func slide(adding newest: Double, removing oldest: Double) {
        let leaving = lowerBound(oldest)
        precondition(leaving < values.count && values[leaving] == oldest, "the value leaving is not in the window")
        values.remove(at: leaving)
        values.insert(newest, at: lowerBound(newest))
    }

    /// Historical VaR and expected shortfall of a linear position of `exposure` over the window:
    /// a return r loses 0 − exposure × (eʳ − 1), which falls as r rises for a long (rises for a
    /// short), so the `tail` worst losses are those of the lowest (highest) returns, read largest
    /// first. The same arithmetic, in the same order, as computing every loss and sorting them.
    func tailMeasures(exposure: Double, tail: Int) -> (valueAtRisk: Double, shortfall: Double) {
        let short = exposure < 0
        var sum = 0.0, worst = 0.0
        for rank in 0..<tail {
            worst = 0.0 - exposure * (Double.exp(values[short ? values.count - 1 - rank : rank]) - 1)
            sum += worst
        }
        return (worst, sum / Double(tail))
    }
}
