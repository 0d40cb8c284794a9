/// Turns source samples into an index price that a single bad print cannot move
/// (DESIGN.md §5.8): stale samples are dropped, samples farther than the band from the weighted
/// median of the fresh ones are excluded, and fewer accepted sources than the minimum means no
/// index at all. The index always lies within the accepted samples. Fixed point throughout.
public enum IndexAggregator {
    /// What an update produced: the index, or why there is none, and the fate of every sample.
    public struct Computation: Hashable, Sendable {
        public var index: Price?
        /// Sources that counted, by id.
        public var used: [SourceID]
        /// Sources that did not, by id, with the reason.
        public var excluded: [Exclusion]
        /// Set when there is no index.
        public var failure: Failure?
    }

    public struct Exclusion: Hashable, Sendable {
        public var source: SourceID
        public var reason: SampleExclusion
    }

    public enum Failure: Hashable, Sendable, CustomStringConvertible {
        /// `fresh` samples were fresh, `agreeing` of them within the band, `needed` required.
        case tooFewSources(fresh: Int, agreeing: Int, needed: Int)

        public var description: String {
            switch self {
            case .tooFewSources(let fresh, let agreeing, let needed):
                "too few fresh, agreeing sources: \(fresh) fresh, \(agreeing) agreeing, \(needed) needed"
            }
        }
    }

    /// A sample that passed the validity and freshness checks.
    struct Candidate {
        var price: Int64
        var weight: Int64
        var source: SourceID
    }

    public static func aggregate(_ samples: [OracleSample], config: OracleConfig, now: Timestamp) -> Computation {
        var excluded: [Exclusion] = []
        var fresh: [Candidate] = []
        fresh.reserveCapacity(samples.count)
        for (position, sample) in samples.enumerated() {
            guard let weight = config.weight(of: sample.source),
                  !samples[..<position].contains(where: { $0.source == sample.source }) else {
                excluded.append(Exclusion(source: sample.source, reason: .unknownSource))
                continue
            }
            if sample.price.atoms <= 0 {
                excluded.append(Exclusion(source: sample.source, reason: .invalid))
                continue
            }
            let age = max(0, now.nanoseconds &- sample.time.nanoseconds)
            if age > config.sampleMaxAge {
                excluded.append(Exclusion(source: sample.source, reason: .stale(age: age)))
                continue
            }
            fresh.append(Candidate(price: sample.price.atoms, weight: weight, source: sample.source))
        }
        // Sort by price, ties by source id: the order decides the median, so it is total.
        fresh.sort { $0.price != $1.price ? $0.price < $1.price : $0.source < $1.source }
        var accepted: [Candidate] = []
        accepted.reserveCapacity(fresh.count)
        if let median = weightedMedian(fresh) {
            for candidate in fresh {
                let distance = Int128(candidate.price - median).magnitude
                // Outside the band when |p − m| / m > band, compared by cross-multiplication.
                if distance * UInt128(Rate.oneAtoms) > UInt128(config.band.atoms) * UInt128(median) {
                    let deviation = FixedPoint.divide(Int128(distance) * Int128(Rate.oneAtoms), by: Int128(median), .up)
                    excluded.append(Exclusion(source: candidate.source, reason: .outlier(deviation: Rate(atoms: Int64(min(deviation, Int128(Int64.max)))))))
                } else {
                    accepted.append(candidate)
                }
            }
        }
        excluded.sort { $0.source < $1.source }
        let used = accepted.map(\.source).sorted()
        guard accepted.count >= config.minimumSources, !accepted.isEmpty else {
            return Computation(index: nil, used: used, excluded: excluded,
                               failure: .tooFewSources(fresh: fresh.count, agreeing: accepted.count, needed: config.minimumSources))
        }
        let index: Int64
        switch config.aggregation {
        case .weightedMedian: index = weightedMedian(accepted)!
        case .weightedMean: index = weightedMean(accepted)
        }
        return Computation(index: Price(atoms: index), used: used, excluded: excluded, failure: nil)
    }

    /// The lower weighted median of candidates sorted by price: the first whose cumulative weight
    /// reaches half the total (Hyperliquid's rule, exchanges.md HL-2).
    static func weightedMedian(_ sorted: [Candidate]) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        var total: Int64 = 0
        for candidate in sorted { total += candidate.weight }
        var cumulative: Int64 = 0
        for candidate in sorted {
            cumulative += candidate.weight
            if cumulative * 2 >= total { return candidate.price }
        }
        return sorted.last!.price
    }

    /// The weighted mean, rounded down; it lies within the candidates' range.
    static func weightedMean(_ candidates: [Candidate]) -> Int64 {
        var weighted: Int128 = 0
        var total: Int128 = 0
        for candidate in candidates {
            weighted += Int128(candidate.price) * Int128(candidate.weight)
            total += Int128(candidate.weight)
        }
        return Int64(FixedPoint.divide(weighted, by: total, .down))
    }
}
