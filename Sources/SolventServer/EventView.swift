import Foundation
import SolventCore

/// Events and engine state as JSON objects (decimals as strings, DESIGN.md §3).
enum EventView {
    /// The decimals of assets and of markets' settlement assets: events carry amounts in atoms,
    /// the API shows them as decimal strings (0 decimals for an id the engine does not know).
    struct Scales {
        var asset: (AssetID) -> Int
        var market: (MarketID) -> Int

        init(_ engine: Engine) {
            asset = { engine.asset($0)?.spec.scale ?? 0 }
            market = { market in engine.market(market).flatMap { engine.asset($0.spec.settleAsset)?.spec.scale } ?? 0 }
        }

        init(assets: [AssetID: Int], markets: [MarketID: Int]) {
            asset = { assets[$0] ?? 0 }
            market = { markets[$0] ?? 0 }
        }
    }

    static func stream(_ event: Event, sequence: UInt64, scale: Scales) -> StreamEvent? {
        // The document's types hold only strings, integers and booleans: encoding them cannot fail.
        guard let type = type(of: event), let (accounts, view) = describe(event, scale: scale) else { return nil }
        let sequenced = view.sequenced(Int(sequence))
        guard let json = try? JSON.encoded(sequenced) else { return nil }
        // Only a liquidation keeps its typed form: the liquidation history's reply is built from it.
        return StreamEvent(
            sequence: sequence, type: type, accounts: accounts, json: String(decoding: json, as: UTF8.self),
            view: type == "positionLiquidated" ? sequenced : nil)
    }

    /// The API's name for an event's type (nil: not shown), without building its fields.
    static func type(of event: Event) -> String? {
        switch event {
        case .marginStateChanged: return "marginStateChanged"
        case .positionLiquidated: return "positionLiquidated"
        case .breakerTripped: return "breakerTripped"
        case .breakerResumed: return "breakerResumed"
        case .auctionStarted: return "auctionStarted"
        case .auctionReset: return "auctionReset"
        case .insuranceFunded: return "insuranceFunded"
        case .deficitCovered: return "deficitCovered"
        case .fillApplied: return "fillApplied"
        case .markPriceSet: return "markPriceSet"
        case .deposited: return "deposited"
        case .withdrawn: return "withdrawn"
        case .commitmentRecorded: return "commitmentRecorded"
        default: return nil
        }
    }

    static func amount(_ atoms: Int64, scale: Int) -> String { DecimalText.format(atoms, scale: scale) }

    /// (accounts concerned, the event as the document's `Event` schema) of the events the API
    /// shows; nil for the rest. A liquidation step's amounts are decimal strings in the
    /// settlement asset.
    static func describe(_ event: Event, scale scales: Scales) -> ([UInt64], Components.Schemas.Event)? {
        typealias S = Components.Schemas
        switch event {
        case .marginStateChanged(let change):
            return (
                [change.pool.account.rawValue],
                .marginStateChanged(
                    S.MarginStateChangedEvent(
                        _type: .marginStateChanged, account: APIAccountID(change.pool.account.rawValue),
                        isolatedMarket: change.pool.isolatedMarket.map { Int($0.rawValue) },
                        market: APIID32(change.market.rawValue), mark: change.mark.description,
                        from: change.from?.rawValue ?? "normal", to: change.to?.rawValue ?? "normal",
                        status: change.status.rawValue))
            )
        case .positionLiquidated(let step):
            let scale = scales.market(step.market)
            return (
                [step.account.account.rawValue] + step.counterparties.map { $0.account.rawValue },
                .positionLiquidated(
                    S.PositionLiquidatedEvent(
                        _type: .positionLiquidated, account: APIAccountID(step.account.account.rawValue),
                        market: APIID32(step.market.rawValue), long: step.long,
                        quantity: Quantity(atoms: step.quantity).description,
                        marketPrice: step.marketPrice.description, accountPrice: step.accountPrice.description,
                        bankruptcyPrice: step.bankruptcyPrice?.description, closesPosition: step.closesPosition,
                        penalty: amount(step.penalty, scale: scale),
                        clearanceFee: amount(step.clearanceFee, scale: scale),
                        fundDraw: amount(step.fundDraw, scale: scale), uncovered: amount(step.uncovered, scale: scale),
                        reallocated: amount(step.reallocated, scale: scale),
                        deleveraged: step.counterparties.map {
                            .init(
                                account: APIAccountID($0.account.rawValue),
                                realizedPnl: amount($0.realizedPnl, scale: scale))
                        },
                        auction: step.auction.map { Int($0) }))
            )
        case .deposited(let account, let asset, let amount, _):
            return (
                [account.rawValue],
                .deposited(
                    S.TransferEvent(
                        _type: .deposited, account: APIAccountID(account.rawValue), asset: APIID32(asset.rawValue),
                        amount: Self.amount(amount.atoms, scale: scales.asset(asset))))
            )
        case .withdrawn(let account, let asset, let amount, _):
            return (
                [account.rawValue],
                .withdrawn(
                    S.TransferEvent(
                        _type: .withdrawn, account: APIAccountID(account.rawValue), asset: APIID32(asset.rawValue),
                        amount: Self.amount(amount.atoms, scale: scales.asset(asset))))
            )
        default:
            return describeVenueEvent(event, scale: scales)
        }
    }

    /// `describe` for the events of the venue (breakers, auctions, funds, prices, commitments).
    private static func describeVenueEvent(
        _ event: Event, scale scales: Scales
    ) -> ([UInt64], Components.Schemas.Event)? {
        typealias S = Components.Schemas
        switch event {
        case .breakerTripped(let trip):
            return (
                [],
                .breakerTripped(
                    S.BreakerTrippedEvent(
                        _type: .breakerTripped, market: APIID32(trip.market.rawValue), rule: trip.rule.rawValue,
                        detail: trip.detail))
            )
        case .breakerResumed(let market, let rule):
            return (
                [],
                .breakerResumed(
                    S.BreakerResumedEvent(_type: .breakerResumed, market: APIID32(market.rawValue), rule: rule.rawValue)
                )
            )
        case .auctionStarted(let auction, _), .auctionReset(let auction, _):
            let started: Bool
            if case .auctionStarted = event { started = true } else { started = false }
            let view = S.AuctionEvent(
                _type: started ? .auctionStarted : .auctionReset, auction: Int(auction.id),
                account: APIAccountID(auction.account.rawValue), market: APIID32(auction.market.rawValue),
                lot: Quantity(atoms: auction.lot).description, top: Price(atoms: auction.clock.top).description)
            return ([auction.account.rawValue], started ? .auctionStarted(view) : .auctionReset(view))
        case .insuranceFunded(let asset, let amount):
            return (
                [],
                .insuranceFunded(
                    S.FundEvent(
                        _type: .insuranceFunded, asset: APIID32(asset.rawValue),
                        amount: Self.amount(amount.atoms, scale: scales.asset(asset))))
            )
        case .deficitCovered(let asset, let amount):
            return (
                [],
                .deficitCovered(
                    S.FundEvent(
                        _type: .deficitCovered, asset: APIID32(asset.rawValue),
                        amount: Self.amount(amount.atoms, scale: scales.asset(asset))))
            )
        case .fillApplied(let fill):
            return (
                [fill.buyer.account.rawValue, fill.seller.account.rawValue],
                .fillApplied(
                    S.FillAppliedEvent(
                        _type: .fillApplied, market: APIID32(fill.fill.market.rawValue),
                        quantity: fill.fill.quantity.description, price: fill.fill.price.description))
            )
        case .markPriceSet(let market, let mark, _):
            return (
                [],
                .markPriceSet(
                    S.MarkPriceSetEvent(_type: .markPriceSet, market: APIID32(market.rawValue), mark: mark.description))
            )
        case .commitmentRecorded(let root):
            return (
                [],
                .commitmentRecorded(
                    S.CommitmentRecordedEvent(
                        _type: .commitmentRecorded, root: root.hash, committedSequence: Int(root.sequence),
                        stateDigest: root.stateDigest, assets: root.assets.map(APIID32.init),
                        sums: root.sums.map(Int.init),
                        leaves: Int(root.leaves)))
            )
        default:
            return nil
        }
    }
}

extension Components.Schemas.Event {
    /// The event with the sequence of the input that caused it (the stream and the liquidation
    /// history show it; a write's reply, which carries the sequence once, does not).
    func sequenced(_ sequence: Int) -> Self {
        switch self {
        case .marginStateChanged(var event): event.sequence = sequence; return .marginStateChanged(event)
        case .positionLiquidated(var event): event.sequence = sequence; return .positionLiquidated(event)
        case .breakerTripped(var event): event.sequence = sequence; return .breakerTripped(event)
        case .breakerResumed(var event): event.sequence = sequence; return .breakerResumed(event)
        case .auctionStarted(var event): event.sequence = sequence; return .auctionStarted(event)
        case .auctionReset(var event): event.sequence = sequence; return .auctionReset(event)
        case .insuranceFunded(var event): event.sequence = sequence; return .insuranceFunded(event)
        case .deficitCovered(var event): event.sequence = sequence; return .deficitCovered(event)
        case .fillApplied(var event): event.sequence = sequence; return .fillApplied(event)
        case .markPriceSet(var event): event.sequence = sequence; return .markPriceSet(event)
        case .deposited(var event): event.sequence = sequence; return .deposited(event)
        case .withdrawn(var event): event.sequence = sequence; return .withdrawn(event)
        case .commitmentRecorded(var event): event.sequence = sequence; return .commitmentRecorded(event)
        }
    }
}
