import Foundation
import SolventCore
import SolventStore
import Testing

/// Goal: a caller that goes away (an HTTP client that disconnects, a keeper that is stopped)
/// never costs the journal an input the engine applied. Method: submitters cancelled at random
/// points of their submission, on every store this machine has; afterwards every applied input
/// is durable (a replay reaches the live digest) and the service still takes inputs.
struct CancelledSubmitterTests {
    @Test(arguments: Backend.available)
    func aCancelledSubmitterLosesNoInput(backend: Backend) async throws {
        guard let (store, reopen) = try await backend.make("cancelled") else {
            Issue.record("\(backend) is listed as available but could not be opened"); return
        }
        let commands = venueCommands(seed: 5)
        let service = try await JournaledEngine(store: store, clock: { 1_700_000_000_000_000_000 })
        for command in commands.prefix(126) { _ = try await service.submit(command) }
        // Rounds of concurrent submitters, half of them cancelled as soon as they start.
        var index = 126
        while index < commands.count {
            let group = Array(commands[index..<min(index + 16, commands.count)])
            let tasks = group.map { command in Task { _ = try? await service.submit(command) } }
            for (offset, task) in tasks.enumerated() where offset % 2 == 0 { task.cancel() }
            for task in tasks { await task.value }
            index += 16
        }
        // The service still takes inputs after its callers went away.
        let after = try await service.submit(.tick)
        #expect(after.outcome.rejection == nil)
        let digest = await service.read { $0.digestHex() }
        try await store.close()
        let recovered = try await JournaledEngine(store: try await reopen())
        #expect(recovered.recovery.digest == digest)
        #expect(recovered.recovery.mismatches.isEmpty)
    }
}
