/// Finds the exact price atom where a monotone predicate flips, starting from a guess: gallop
/// away from the guess until the predicate changes, then bisect. With a good guess this takes a
/// handful of evaluations; with a poor one, at most ~2 × 63 (bounded by `Limits.priceSearchSteps`).
enum BoundarySearch {
    /// The highest price searched (10^17 atoms = 10^9 quote units per contract unit).
    static let maximumPrice: Int64 = 100_000_000_000_000_000

    /// Largest P in [1, maximumPrice] with `isTrue(P)`, when the predicate holds on a prefix.
    /// nil if it does not hold at 1.
    static func lastTrue(guess: Int64, _ isTrue: (Int64) -> Bool) -> Int64? {
        let g = min(max(guess, 1), maximumPrice)
        var low: Int64
        var high: Int64
        var steps = 0
        if isTrue(g) {
            if isTrue(maximumPrice) { return maximumPrice }
            low = g
            var step: Int64 = 1
            high = min(maximumPrice, g + step)
            while isTrue(high) && steps < Limits.priceSearchSteps {
                low = high
                step = step.multipliedReportingOverflow(by: 2).partialValue
                high = min(maximumPrice, low + step)
                steps += 1
            }
        } else {
            if !isTrue(1) { return nil }
            high = g
            var step: Int64 = 1
            low = max(1, g - step)
            while !isTrue(low) && steps < Limits.priceSearchSteps {
                high = low
                step = step.multipliedReportingOverflow(by: 2).partialValue
                low = max(1, high - step)
                steps += 1
            }
        }
        // Invariant: isTrue(low), !isTrue(high).
        while high - low > 1 && steps < 2 * Limits.priceSearchSteps {
            let middle = low + (high - low) / 2
            if isTrue(middle) { low = middle } else { high = middle }
            steps += 1
        }
        return low
    }

    /// Smallest P in [1, maximumPrice] with `isTrue(P)`, when the predicate holds on a suffix.
    /// nil if it does not hold at the maximum.
    static func firstTrue(guess: Int64, _ isTrue: (Int64) -> Bool) -> Int64? {
        if !isTrue(maximumPrice) { return nil }
        if isTrue(1) { return 1 }
        // The complement holds on a prefix; its last point is one below the answer.
        guard let last = lastTrue(guess: guess, { !isTrue($0) }) else { return 1 }
        return last + 1
    }
}
