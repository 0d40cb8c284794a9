/// Finds the exact price atom where a monotone predicate flips, starting from a guess: gallop
/// away from the guess until the predicate changes, then bisect. With a good guess this takes a
/// handful of evaluations; with a poor one, at most ~2 × 63 (bounded by `Limits.priceSearchSteps`).
package enum BoundarySearch {
    /// The highest price searched (10^17 atoms = 10^9 quote units per contract unit).
    package static let maximumPrice: Int64 = 100_000_000_000_000_000

    /// Largest P in [1, maximumPrice] with `isTrue(P)`, for a predicate that holds on a prefix.
    /// - Precondition (checked by the caller): `isTrue(1)` and `!isTrue(maximumPrice)`, so the
    ///   answer exists and lies below the maximum.
    static func lastTrue(guess: Int64, _ isTrue: (Int64) -> Bool) -> Int64 {
        let g = min(max(guess, 1), maximumPrice - 1)
        var low: Int64
        var high: Int64
        var steps = 0
        if isTrue(g) {
            low = g
            var step: Int64 = 1
            high = min(maximumPrice, g + step)
            while high < maximumPrice && isTrue(high) && steps < Limits.priceSearchSteps {
                low = high
                step = step.multipliedReportingOverflow(by: 2).partialValue
                high = min(maximumPrice, low + step)
                steps += 1
            }
            // Out of steps while still true: the known-false maximum bounds the bisection.
            if high < maximumPrice && isTrue(high) { (low, high) = (high, maximumPrice) }
        } else {
            high = g
            var step: Int64 = 1
            low = max(1, g - step)
            while low > 1 && !isTrue(low) && steps < Limits.priceSearchSteps {
                high = low
                step = step.multipliedReportingOverflow(by: 2).partialValue
                low = max(1, high - step)
                steps += 1
            }
            if low > 1 && !isTrue(low) { (low, high) = (1, low) }
        }
        // Invariant: isTrue(low), !isTrue(high); bisection needs at most 63 more steps.
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if isTrue(middle) { low = middle } else { high = middle }
        }
        return low
    }

    /// Smallest P in [1, maximumPrice] with `isTrue(P)`, for a predicate that holds on a suffix.
    /// - Precondition (checked by the caller): `!isTrue(1)` and `isTrue(maximumPrice)`.
    static func firstTrue(guess: Int64, _ isTrue: (Int64) -> Bool) -> Int64 {
        // The complement holds on a prefix; its last point is one below the answer.
        lastTrue(guess: guess) { !isTrue($0) } + 1
    }
}
