/// One side of one market's auto-deleveraging order, kept between liquidation steps so that a
/// cascade does not rank every opposite position again at each step.
///
/// A binary max-heap on (score, then account id) with lazy deletion: replacing an account's
/// entry pushes a fresh one with a new stamp and leaves the old one in place, recognised as dead
/// because the account's current stamp differs; dead entries are dropped when they reach the
/// top, and the heap is rebuilt when they outnumber the live ones. Each step costs O(log n).
/// Reading the first k entries walks the heap best-first from the root (every child ranks below
/// its parent), so it visits O(k + dead entries near the top) nodes. The order read never
/// depends on the heap's layout: it is the total order of the live entries.
///
/// The engine keeps a queue only while nothing but liquidation steps has happened since it was
/// built (`version`), and patches every account a step touches, so the order read is always the
/// order a full re-ranking would give (unit tests, the crash test and the seeded workload check
/// exactly that).
struct DeleveragingQueue: Sendable, Codable {
    /// What a step needs of a ranked candidate.
    struct Entry: Sendable, Codable {
        var score: Double
        var account: AccountID
        var accountIndex: Int32
        var size: Int64
        var stamp: UInt64
    }

    /// The engine's state version the queue is current for.
    var version: UInt64
    let ranking: AutoDeleveraging.Ranking
    private var heap: [Entry] = []
    /// Per account index: the stamp of its live entry (0: none).
    private var stamps: [UInt64] = []
    private var nextStamp: UInt64 = 1
    private var live = 0

    init(
        version: UInt64, ranking: AutoDeleveraging.Ranking,
        candidates: [(accountIndex: Int32, candidate: AutoDeleveraging.Candidate)]
    ) {
        self.version = version
        self.ranking = ranking
        heap.reserveCapacity(candidates.count)
        for (accountIndex, candidate) in candidates {
            let fresh = entry(accountIndex, candidate)
            heap.append(fresh)
        }
        live = heap.count
        heapify()
    }

    static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.score != b.score ? a.score > b.score : a.account < b.account
    }

    private mutating func entry(_ accountIndex: Int32, _ candidate: AutoDeleveraging.Candidate) -> Entry {
        if Int(accountIndex) >= stamps.count {
            stamps.append(contentsOf: repeatElement(0, count: Int(accountIndex) + 1 - stamps.count))
        }
        let stamp = nextStamp
        nextStamp += 1
        stamps[Int(accountIndex)] = stamp
        return Entry(
            score: ranking.score(candidate), account: candidate.account, accountIndex: accountIndex,
            size: candidate.size, stamp: stamp)
    }

    private func isLive(_ entry: Entry) -> Bool { stamps[Int(entry.accountIndex)] == entry.stamp }

    /// Replaces an account's entry (nil: it is no longer a candidate on this side).
    mutating func replace(accountIndex: Int32, with candidate: AutoDeleveraging.Candidate?) {
        if Int(accountIndex) < stamps.count, stamps[Int(accountIndex)] != 0 {
            stamps[Int(accountIndex)] = 0
            live -= 1
        }
        if let candidate {
            let fresh = entry(accountIndex, candidate)
            heap.append(fresh)
            live += 1
            siftUp(heap.count - 1)
        }
        while let top = heap.first, !isLive(top) { removeTop() }
        if heap.count > 2 * live + 1_024 {
            let stamps = self.stamps
            heap.removeAll { stamps[Int($0.accountIndex)] != $0.stamp }
            heapify()
        }
    }

    /// The first `limit` candidates in order (account and size), leaving out `excluded` accounts.
    func first(_ limit: Int, excluding excluded: (AccountID) -> Bool) -> [AutoDeleveraging.Candidate] {
        firstScored(limit, excluding: excluded).map(\.candidate)
    }

    /// The same with each candidate's score.
    func firstScored(
        _ limit: Int, excluding excluded: (AccountID) -> Bool
    ) -> [(score: Double, candidate: AutoDeleveraging.Candidate)] {
        var result: [(score: Double, candidate: AutoDeleveraging.Candidate)] = []
        result.reserveCapacity(min(limit, live))
        // The frontier holds at most one more node per visit; no literal arrays in the loop (each
        // would be allocated and released per node).
        var frontier: [Int] = []
        frontier.reserveCapacity(min(heap.count, 2 * min(limit, live) + 2))
        if !heap.isEmpty { frontier.append(0) }
        while result.count < limit, !frontier.isEmpty {
            var best = 0
            for index in frontier.indices.dropFirst() where Self.precedes(heap[frontier[index]], heap[frontier[best]]) {
                best = index
            }
            let node = frontier[best]
            frontier[best] = frontier[frontier.count - 1]
            frontier.removeLast()
            let left = 2 * node + 1
            if left < heap.count { frontier.append(left) }
            if left + 1 < heap.count { frontier.append(left + 1) }
            let entry = heap[node]
            if isLive(entry), !excluded(entry.account) {
                result.append((entry.score, AutoDeleveraging.Candidate(account: entry.account, size: entry.size)))
            }
        }
        return result
    }

    /// Every candidate in order (tests compare it with a full re-ranking).
    var order: [AccountID] { first(Int.max) { _ in false }.map(\.account) }

    // MARK: Heap

    private mutating func heapify() {
        guard heap.count > 1 else { return }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private mutating func removeTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var best = parent
            if Self.precedes(heap[left], heap[best]) { best = left }
            if left + 1 < count, Self.precedes(heap[left + 1], heap[best]) { best = left + 1 }
            if best == parent { return }
            heap.swapAt(parent, best)
            parent = best
        }
    }
}
