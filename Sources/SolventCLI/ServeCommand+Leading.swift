import ArgumentParser
import Foundation
import SolventCore
import SolventServer
import SolventStore
import Synchronization

/// `solvent serve`'s options for a journal shared by a leader and standbys (PostgreSQL).
public struct LeadershipOptions: ParsableArguments {
    @Flag(
        help: """
            Stand by: follow the journal the leading service writes (reads are served, writes answer 503 notLeader \
            with the leader's address) and take over when its lease expires. Needs --postgres.
            """)
    public var follow = false
    @Option(
        parsing: .unconditional,
        help: "Seconds a leader's lease lasts unrenewed: the failover's detection bound (0.2 to 600; default 3).")
    public var lease: Double?
    @Option(
        parsing: .unconditional,
        help:
            "Seconds between a standby's reads of the journal and the lease (0.005 to 10, below --lease; default 0.05)."
    )
    public var followInterval: Double?
    @Option(help: "The address clients reach this service at, where standbys send writers (default http://HOST:PORT).")
    public var advertise: String?

    public init() {}

    var leaseSeconds: Double { lease ?? 3 }
    var followSeconds: Double { followInterval ?? 0.05 }

    /// The options' ranges, and the combinations that cannot work. They all concern a journal
    /// shared on PostgreSQL: given without --postgres they would be silently ignored.
    func check(postgres: Bool, demo: Bool, host: String) throws {
        if !postgres {
            for (given, name) in [
                (follow, "--follow"), (lease != nil, "--lease"), (followInterval != nil, "--follow-interval"),
                (advertise != nil, "--advertise"),
            ] where given {
                throw InputError(
                    name, "a leader and standbys share a PostgreSQL journal: give --postgres (SQLite has one writer)")
            }
            return
        }
        guard (0.2...600).contains(leaseSeconds) else {
            throw InputError("--lease", "must be from 0.2 to 600 seconds, got \(leaseSeconds)")
        }
        guard (0.005...10).contains(followSeconds) && followSeconds < leaseSeconds else {
            throw InputError(
                "--follow-interval",
                "must be from 0.005 to 10 seconds and below --lease (\(leaseSeconds)), got \(followSeconds)")
        }
        if follow && demo { throw InputError("--follow", "the demo seeds its own venue: run it without --follow") }
        if let advertise {
            guard let url = URL(string: advertise), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw InputError("--advertise", "expected an address such as http://10.0.0.5:8080, got \(advertise)")
            }
        } else if ["0.0.0.0", "::", ""].contains(host) {
            throw InputError(
                "--advertise",
                "with --host \(host) standbys cannot tell writers where this service is: "
                    + "give the address clients reach it at"
            )
        }
    }

    /// The lease loop's settings; `address` is the advertised one, or filled in once the port is known.
    var configuration: LeaderLease.Configuration {
        .init(
            lease: .milliseconds(Int64((leaseSeconds * 1_000).rounded())),
            poll: .milliseconds(Int64((followSeconds * 1_000).rounded())), address: advertise ?? "",
            standBy: follow)
    }
}

extension ServeCommand {
    /// What a service does once it leads: mark the journal as written, make the first admin key,
    /// start the keeper and the demo. Stopped with the service.
    final class Started: Sendable {
        let service: SolventService
        let keeper: Keeper?
        let keeperInterval: Double
        let demo: (accounts: Int, interval: Double, path: [Int64]?)?
        let shard: (shard: UInt32, shards: UInt32)?
        let tasks = Mutex<[Task<Void, Never>]>([])

        init(command: ServeCommand, service: SolventService, marks: [Int64]?) throws {
            self.service = service
            keeperInterval = command.keeperInterval
            shard = try command.venueShard()
            let keeps = !command.noKeeper && shard == nil
            keeper =
                keeps
                ? Keeper(
                    service: service,
                    configuration: .init(
                        tickInterval: .milliseconds(Int64(command.keeperInterval * 1_000)),
                        account: command.keeperAccount.map(AccountID.init),
                        dynamicMargin: try command.dynamicMargin.configuration(keeper: true))) : nil
            demo = command.demo ? (command.demoAccounts, command.demoInterval, marks) : nil
        }

        func lead(store: JournalStore) async throws {
            try await WriterLease.take(store)
            if let admin = try await ServiceSetup.bootstrapAdminKey(store) {
                Diagnostics.write("serve: admin key (shown once, stored hashed): \(admin)\n")
            }
            try await joinVenue()
            if let keeper {
                tasks.withLock { $0.append(Task { await keeper.run() }) }
                Diagnostics.write(
                    "serve: the built-in keeper liquidates, resets auctions and ticks every \(keeperInterval) s\n")
                if let rule = keeper.configuration.dynamicMargin {
                    Diagnostics.write(
                        "serve: dynamic margin every \(rule.period / 1_000_000_000) s over \(rule.window) periods\n")
                }
            } else if let shard {
                Diagnostics.write(
                    "serve: shard \(shard.shard) of \(shard.shards): inputs come from the venue's gateway, "
                        + "which liquidates\n"
                )
            } else {
                Diagnostics.write(
                    "serve: no built-in keeper (--no-keeper): outside keepers must submit liquidation steps and ticks\n"
                )
            }
            if let demo {
                let (service, liquidates) = (service, keeper == nil)
                tasks.withLock {
                    $0.append(
                        Task {
                            await DemoVenue.run(
                                service: service, accounts: demo.accounts, interval: demo.interval, path: demo.path,
                                liquidates: liquidates)
                        })
                }
            }
        }

        /// With `--shard K/N`, a new journal's first input joins the venue, and a journal that has
        /// joined must be the same shard of the same venue; without it, a shard's journal is refused
        /// (its inputs must come from the gateway).
        func joinVenue() async throws {
            let (joined, last) = await service.engine.read { ($0.venue, $0.lastSequence) }
            switch (shard, joined) {
            case (let wanted?, nil):
                guard last == 0 else {
                    throw InputError(
                        "--shard", "this journal already holds \(last) inputs of an engine outside any venue")
                }
                let submission = try await service.engine.submit(.joinVenue(shard: wanted.shard, shards: wanted.shards))
                if let rejection = submission.outcome.rejection { throw InputError("--shard", rejection.message) }
            case (let wanted?, let venue?):
                guard venue.shard == wanted.shard, venue.shards == wanted.shards else {
                    throw InputError(
                        "--shard",
                        "this journal is shard \(venue.shard)/\(venue.shards), not \(wanted.shard)/\(wanted.shards)")
                }
            case (nil, let venue?):
                throw InputError(
                    "--shard", "this journal is shard \(venue.shard)/\(venue.shards) of a venue: start it with --shard")
            case (nil, nil):
                return
            }
            service.isVenueShard.withLock { $0 = true }
        }

        func stop() { tasks.withLock { $0.forEach { $0.cancel() } } }
    }
}
