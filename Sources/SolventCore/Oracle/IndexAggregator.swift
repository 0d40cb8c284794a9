/// Turns source samples into an index price that a single bad print cannot move
/// (DESIGN.md §5.8): stale samples are dropped, samples farther than the band from the weighted
/// median of the fresh ones are excluded, and fewer accepted sources than the minimum means no
/// index at all. The index always lies within the accepted samples. Fixed point throughout.
public enum IndexAggregator {
    /// What an update produced: the index, or why there is none, and the fate of every sample.
    public struct Computation: Hashable, Sendable, Codable {
        public var index: Price?
        /// Sources that counted, by id.
        public var used: [SourceID]
        /// Sources that did not, by id, with the reason.
        public var excluded: [Exclusion]
        /// Set when there is no index.
        public var failure: Failure?
    }

    public struct Exclusion: Hashable, Sendable, Codable {
        public var source: SourceID
        public var reason: SampleExclusion
    }

    public enum Failure: Hashable, Sendable, CustomStringConvertible, Codable {
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
        /// Position of the source in the configuration.
        var slot: UInt8

        func isAfter(_ other: Candidate) -> Bool {
            price != other.price ? price > other.price : source > other.source
        }
    }

    public static func aggregate(_ samples: [OracleSample], config: OracleConfig, now: Timestamp) -> Computation {
        var excluded: [Exclusion] = []
        var usedMask: UInt64 = 0
        var seenMask: UInt64 = 0
        var index: Int64? = nil
        var freshCount = 0
        var acceptedCount = 0
        // Candidates live in a stack buffer: an update allocates nothing unless a sample is excluded.
        withUnsafeTemporaryAllocation(of: Candidate.self, capacity: max(1, samples.count)) { buffer in
            for sample in samples {
                guard let slot = config.sources.firstIndex(where: { $0.id == sample.source }), slot < 64,
                    seenMask & (1 << UInt64(slot)) == 0
                else {
                    excluded.append(Exclusion(source: sample.source, reason: .unknownSource))
                    continue
                }
                seenMask |= 1 << UInt64(slot)
                if sample.price.atoms <= 0 {
                    excluded.append(Exclusion(source: sample.source, reason: .invalid))
                    continue
                }
                let age = max(0, now.nanoseconds &- sample.time.nanoseconds)
                if age > config.sampleMaxAge {
                    excluded.append(Exclusion(source: sample.source, reason: .stale(age: age)))
                    continue
                }
                // Insertion sort by price, ties by source id: the order decides the median, so it is total.
                let candidate = Candidate(
                    price: sample.price.atoms, weight: config.sources[slot].weight, source: sample.source,
                    slot: UInt8(slot))
                var position = freshCount
                while position > 0, buffer[position - 1].isAfter(candidate) {
                    buffer[position] = buffer[position - 1]
                    position -= 1
                }
                buffer[position] = candidate
                freshCount += 1
            }
            let fresh = UnsafeMutableBufferPointer(rebasing: buffer[0..<freshCount])
            guard let median = weightedMedian(fresh) else { return }
            for candidate in fresh {
                let distance = Int128(candidate.price - median).magnitude
                // Outside the band when |p − m| / m > band, compared by cross-multiplication.
                if distance * UInt128(Rate.oneAtoms) > UInt128(config.band.atoms) * UInt128(median) {
                    let deviation = FixedPoint.divide(Int128(distance) * Int128(Rate.oneAtoms), by: Int128(median), .up)
                    excluded.append(
                        Exclusion(
                            source: candidate.source,
                            reason: .outlier(deviation: Rate(atoms: Int64(min(deviation, Int128(Int64.max)))))))
                } else {
                    buffer[acceptedCount] = candidate
                    acceptedCount += 1
                    usedMask |= 1 << UInt64(candidate.slot)
                }
            }
            guard acceptedCount >= config.minimumSources, acceptedCount > 0 else { return }
            let accepted = UnsafeMutableBufferPointer(rebasing: buffer[0..<acceptedCount])
            switch config.aggregation {
            case .weightedMedian: index = weightedMedian(accepted)
            case .weightedMean: index = weightedMean(accepted)
            }
        }
        if excluded.count > 1 { excluded.sort { $0.source < $1.source } }
        var used: [SourceID] = []
        used.reserveCapacity(usedMask.nonzeroBitCount)
        var sortedByID = true
        for slot in config.sources.indices where usedMask & (1 << UInt64(slot)) != 0 {
            if let previous = used.last, previous > config.sources[slot].id { sortedByID = false }
            used.append(config.sources[slot].id)
        }
        if !sortedByID { used.sort() }
        guard let index else {
            return Computation(
                index: nil, used: used, excluded: excluded,
                failure: .tooFewSources(fresh: freshCount, agreeing: acceptedCount, needed: config.minimumSources))
        }
        return Computation(index: Price(atoms: index), used: used, excluded: excluded, failure: nil)
    }

    /// The lower weighted median of candidates sorted by price: the first whose cumulative weight
    /// reaches half the total (Hyperliquid's rule, exchanges.md HL-2).
    static func weightedMedian(_ sorted: UnsafeMutableBufferPointer<Candidate>) -> Int64? {
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
    static func weightedMean(_ candidates: UnsafeMutableBufferPointer<Candidate>) -> Int64 {
        var weighted: Int128 = 0
        var total: Int128 = 0
        for candidate in candidates {
            weighted += Int128(candidate.price) * Int128(candidate.weight)
            total += Int128(candidate.weight)
        }
        return Int64(FixedPoint.divide(weighted, by: total, .down))
    }
}
