import SolventRandom
import SolventTestSupport
import Testing

@testable import SolventCore

/// Goal: the kept ADL queue always reads in the order a full re-ranking gives, through patches,
/// removals, the cut-off head and compactions. Method: seeded random candidates and random
/// replacements (re-scored, shrunk or removed), compared after every one with
/// `AutoDeleveraging.ranked` over the same current set.
struct DeleveragingQueueTests {
    @Test(arguments: testSeeds([1, 2, 3]))
    func patchedQueueMatchesAFullRanking(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func candidate(_ index: Int32) -> AutoDeleveraging.Candidate {
            // Coarse values so that ties (broken by account id) happen.
            let entry = Double(Int.random(in: 1...20, using: &random)) * 100
            let mark = entry + Double(Int.random(in: -10...30, using: &random)) * 10
            return AutoDeleveraging.Candidate(
                account: AccountID(UInt64(index) * 7 + 3), size: Int64.random(in: 1...1_000, using: &random),
                markValue: mark, entryValue: entry,
                bankruptcyValue: mark - Double(Int.random(in: 1...50, using: &random)) * 10)
        }
        var current: [Int32: AutoDeleveraging.Candidate] = [:]
        for index in Int32(1)...300 { current[index] = candidate(index) }
        let ranking = AutoDeleveraging.Ranking.profitTimesLeverage
        var queue = DeleveragingQueue(
            version: 0, ranking: ranking,
            candidates: current.keys.sorted().map { ($0, current[$0]!) })
        for step in 0..<3_000 {
            // Mostly the top of the queue (as deleveraging does), sometimes anywhere.
            let top = queue.first(3) { _ in false }
            let index: Int32
            if Bool.random(using: &random), let first = top.first {
                index = Int32((first.account.rawValue - 3) / 7)
            } else {
                index = Int32.random(in: 1...400, using: &random)
            }
            let next: AutoDeleveraging.Candidate? = Int.random(in: 0..<3, using: &random) == 0 ? nil : candidate(index)
            current[index] = next
            queue.replace(accountIndex: index, with: next)
            let expected = AutoDeleveraging.ranked(current.keys.sorted().compactMap { current[$0] }, by: ranking).map(
                \.account)
            // The head every step (what a step reads), the whole order every 25 steps.
            let head = queue.first(5) { _ in false }.map(\.account)
            #expect(head == Array(expected.prefix(5)), "seed \(seed), step \(step)")
            if step % 25 == 0 { #expect(queue.order == expected, "seed \(seed), step \(step)") }
            if head != Array(expected.prefix(5)) { return }
        }
    }
}
