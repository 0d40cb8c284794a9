import OpenAPIRuntime
import SolventCore
import SolventProofs

/// The generated operations of verifiable margin (publishing a commitment, reading the latest
/// root) and of the single-use tickets that stand in for a key where a browser cannot send one.
extension GeneratedOperations {
    func publishCommitment(
        _ input: Operations.PublishCommitment.Input
    ) async throws -> Operations.PublishCommitment.Output {
        let (_, commitment) = try await service.engine.publishCommitment()
        return .ok(.init(body: .json(Self.root(commitment.root))))
    }

    func getLatestCommitment(
        _ input: Operations.GetLatestCommitment.Input
    ) async throws -> Operations.GetLatestCommitment.Output {
        let (_, commitment) = try await service.latestCommitment()
        return .ok(.init(body: .json(Self.root(commitment.root))))
    }

    /// A single-use ticket (30 s) for the caller's key: `/v1/stream?ticket=` or `/dashboard?ticket=`.
    func createTicket(_ input: Operations.CreateTicket.Input) async throws -> Operations.CreateTicket.Output {
        let ticket = service.tickets.issue(keyHash: try caller.keyHash)
        let lifetime = Int(service.tickets.lifetime.components.seconds)
        return .created(.init(body: .json(.init(ticket: ticket, expiresInSeconds: lifetime))))
    }

    /// A published root as the document describes it.
    static func root(_ root: AccountCommitment.Root) -> Components.Schemas.CommitmentRoot {
        .init(
            sequence: Int(root.sequence), stateDigest: root.stateDigest, root: root.hash,
            assets: root.assets.map { APIID32($0) }, sums: root.sums.map(Int.init), leaves: Int(root.leaves))
    }
}
