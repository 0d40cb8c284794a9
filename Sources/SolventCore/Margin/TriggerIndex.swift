/// An index of a market's positions by trigger price — the mark at which each reaches its
/// margin-call level — so that after a mark move only the positions the move can affect are
/// visited (detection without a full scan).
///
/// Longs trigger when the mark falls to or below their trigger, shorts when it rises to or
/// above it. Triggers live in buckets on a logarithmic price grid (2^(1/8192) apart, about
/// 0.0085 %), each bucket a small array with swap-remove, so an update is O(1) and a query visits
/// the buckets between the mark and the farthest trigger on that side. Triggers are screens,
/// computed in doubles and widened: every candidate is re-checked exactly by the caller. Rows whose
/// trigger cannot be computed from the row alone (NaN) are kept in `alwaysCheck`.
public struct TriggerIndex: Sendable, Codable {
    struct Entry: Sendable, Codable {
        var trigger: Double
        var row: Int32
    }

    /// Buckets per doubling of price.
    static let resolution = 8_192.0
    /// The grid spans 2^±`halfRange` around the price it was centred on; triggers beyond clamp
    /// to the edge buckets (still filtered exactly by trigger).
    static let halfRange = 12.0

    private var centre: Double = 0
    private var longBuckets: [[Entry]] = []
    private var shortBuckets: [[Entry]] = []
    /// Per row: which side (0 none, 1 long, 2 short, 3 always-check), bucket and slot.
    private var side: [UInt8] = []
    private var bucket: [Int32] = []
    private var slot: [Int32] = []
    public private(set) var alwaysCheck: [Int32] = []
    /// Rows changed since their trigger was last computed (a fill marks them; the next mark
    /// update re-indexes them in one batch). Detection re-checks them directly meanwhile.
    public private(set) var dirty: [Int32] = []
    private var isDirty: [Bool] = []
    private var highestLong = -1
    private var lowestShort = Int.max
    /// One bit per non-empty bucket, so a query jumps over empty buckets a word at a time.
    private var longOccupied: [UInt64] = []
    private var shortOccupied: [UInt64] = []

    public init() {}

    private var bucketCount: Int { Int(2 * Self.halfRange * Self.resolution) + 1 }

    /// A monotone, libm-free stand-in for log2: the binary exponent plus the significand's
    /// fraction (linear within an octave, so buckets are 0.006 %–0.012 % wide).
    private static func octaves(_ price: Double) -> Double {
        guard price.isFinite, price > 0 else { return price > 0 ? 1e9 : -1e9 }
        return Double(price.exponent) + (price.significand - 1)
    }

    private func bucketIndex(_ price: Double) -> Int {
        let offset = (Self.octaves(price) - centre) * Self.resolution + Self.halfRange * Self.resolution
        return Int(min(max(offset, 0), Double(bucketCount - 1)))
    }

    private mutating func prepare(around price: Double) {
        guard longBuckets.isEmpty else { return }
        centre = Self.octaves(max(price, 1)).rounded(.down)
        longBuckets = Array(repeating: [], count: bucketCount)
        shortBuckets = Array(repeating: [], count: bucketCount)
        longOccupied = Array(repeating: 0, count: bucketCount / 64 + 1)
        shortOccupied = Array(repeating: 0, count: bucketCount / 64 + 1)
    }

    private mutating func ensureRow(_ row: Int32) {
        while side.count <= Int(row) {
            side.append(0)
            bucket.append(0)
            slot.append(0)
            isDirty.append(false)
        }
    }

    /// Notes that a row changed; its trigger is recomputed at the next `takeDirty`.
    mutating func markDirty(row: Int32) {
        ensureRow(row)
        guard !isDirty[Int(row)] else { return }
        isDirty[Int(row)] = true
        dirty.append(row)
    }

    /// The rows to re-index, clearing the list.
    mutating func takeDirty() -> [Int32] {
        let rows = dirty
        for row in rows { isDirty[Int(row)] = false }
        dirty.removeAll(keepingCapacity: true)
        return rows
    }

    /// Sets a row's trigger (price atoms, as a double). `long`: triggers at or below; short: at or
    /// above. NaN: the row is always checked. +∞ for a long / 0 for a short: never triggers.
    mutating func set(row: Int32, trigger: Double, long: Bool, reference: Double) {
        // The common case on the fill path: same side, same bucket — update the trigger in place.
        if Int(row) < side.count, !trigger.isNaN, !longBuckets.isEmpty, side[Int(row)] == (long ? 1 : 2),
            long ? trigger > 0 : trigger < .infinity, Int(bucket[Int(row)]) == bucketIndex(trigger)
        {
            if long {
                longBuckets[Int(bucket[Int(row)])][Int(slot[Int(row)])].trigger = trigger
            } else {
                shortBuckets[Int(bucket[Int(row)])][Int(slot[Int(row)])].trigger = trigger
            }
            return
        }
        remove(row: row)
        ensureRow(row)
        if trigger.isNaN {
            side[Int(row)] = 3
            slot[Int(row)] = Int32(alwaysCheck.count)
            alwaysCheck.append(row)
            return
        }
        if (long && trigger <= 0) || (!long && trigger == .infinity) { return }
        prepare(around: reference)
        let index = bucketIndex(trigger)
        side[Int(row)] = long ? 1 : 2
        bucket[Int(row)] = Int32(index)
        if long {
            slot[Int(row)] = Int32(longBuckets[index].count)
            longBuckets[index].append(Entry(trigger: trigger, row: row))
            longOccupied[index >> 6] |= 1 << UInt64(index & 63)
            highestLong = max(highestLong, index)
        } else {
            slot[Int(row)] = Int32(shortBuckets[index].count)
            shortBuckets[index].append(Entry(trigger: trigger, row: row))
            shortOccupied[index >> 6] |= 1 << UInt64(index & 63)
            lowestShort = min(lowestShort, index)
        }
    }

    mutating func remove(row: Int32) {
        guard Int(row) < side.count else { return }
        let r = Int(row)
        let position = Int(slot[r])
        switch side[r] {
        case 1:
            let b = Int(bucket[r])
            let moved = longBuckets[b].removeLastInto(position)
            if let moved { slot[Int(moved)] = Int32(position) }
            if longBuckets[b].isEmpty { longOccupied[b >> 6] &= ~(1 << UInt64(b & 63)) }
            // Keep the query range tight: step the highest long bucket down past empty ones.
            while highestLong >= 0, longBuckets[highestLong].isEmpty { highestLong -= 1 }
        case 2:
            let b = Int(bucket[r])
            let moved = shortBuckets[b].removeLastInto(position)
            if let moved { slot[Int(moved)] = Int32(position) }
            if shortBuckets[b].isEmpty { shortOccupied[b >> 6] &= ~(1 << UInt64(b & 63)) }
            while lowestShort < shortBuckets.count, shortBuckets[lowestShort].isEmpty { lowestShort += 1 }
            if lowestShort == shortBuckets.count { lowestShort = Int.max }
        case 3:
            let last = alwaysCheck.removeLast()
            if position < alwaysCheck.count {
                alwaysCheck[position] = last
                slot[Int(last)] = Int32(position)
            }
        default:
            break
        }
        side[r] = 0
    }

    /// The scan table moved its last row into `row`'s place: follow it.
    mutating func renumber(from old: Int32, to new: Int32) {
        guard Int(old) < side.count else { return }
        ensureRow(new)
        let (s, b, p) = (side[Int(old)], bucket[Int(old)], slot[Int(old)])
        if isDirty[Int(old)] { markDirty(row: new) }
        side[Int(new)] = s
        bucket[Int(new)] = b
        slot[Int(new)] = p
        switch s {
        case 1: longBuckets[Int(b)][Int(p)].row = new
        case 2: shortBuckets[Int(b)][Int(p)].row = new
        case 3: alwaysCheck[Int(p)] = new
        default: break
        }
        side[Int(old)] = 0
    }

    /// Rows whose trigger the mark has reached, plus every always-checked and every dirty row
    /// (a row may appear twice; the caller removes duplicates).
    func candidates(mark: Double, into result: inout [Int32]) {
        result.append(contentsOf: alwaysCheck)
        result.append(contentsOf: dirty)
        guard !longBuckets.isEmpty else { return }
        let at = bucketIndex(mark)
        if highestLong >= at {
            Self.forEachOccupied(longOccupied, from: at, through: highestLong) { index in
                for entry in longBuckets[index] where entry.trigger >= mark { result.append(entry.row) }
            }
        }
        if lowestShort <= at {
            Self.forEachOccupied(shortOccupied, from: lowestShort, through: at) { index in
                for entry in shortBuckets[index] where entry.trigger <= mark { result.append(entry.row) }
            }
        }
    }

    /// Calls `body` for every set bit between `from` and `through` (inclusive), in order.
    private static func forEachOccupied(_ bits: [UInt64], from: Int, through: Int, _ body: (Int) -> Void) {
        var word = from >> 6
        let lastWord = through >> 6
        while word <= lastWord {
            var value = bits[word]
            if word == from >> 6 { value &= ~0 << UInt64(from & 63) }
            if word == lastWord, through & 63 != 63 { value &= (1 << UInt64((through & 63) + 1)) - 1 }
            while value != 0 {
                body(word << 6 + value.trailingZeroBitCount)
                value &= value - 1
            }
            word += 1
        }
    }
}

extension Array {
    /// Removes the element at `position` by moving the last element into its place; returns the
    /// moved element's row if one moved.
    fileprivate mutating func removeLastInto(_ position: Int) -> Int32? where Element == TriggerIndex.Entry {
        let last = removeLast()
        guard position < count else { return nil }
        self[position] = last
        return last.row
    }
}
