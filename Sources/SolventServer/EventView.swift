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
        guard let (type, accounts, object) = describe(event, scale: scale) else { return nil }
        var body = object
        body["type"] = type
        body["sequence"] = sequence
        return StreamEvent(
            sequence: sequence, type: type, accounts: accounts, json: String(decoding: JSON.data(body), as: UTF8.self))
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

    /// (type, accounts concerned, fields) of the events the API shows; nil for the rest. A
    /// liquidation step's amounts are decimal strings in the settlement asset (`scale`).
    static func describe(_ event: Event, scale scales: Scales) -> (String, [UInt64], [String: Any])? {
        switch event {
        case .marginStateChanged(let change):
            return (
                "marginStateChanged", [change.pool.account.rawValue],
                [
                    "account": change.pool.account.rawValue,
                    "isolatedMarket": change.pool.isolatedMarket.map { Int($0.rawValue) } as Any? ?? NSNull(),
                    "market": Int(change.market.rawValue), "mark": change.mark.description,
                    "from": change.from?.rawValue ?? "normal", "to": change.to?.rawValue ?? "normal",
                    "status": change.status.rawValue,
                ]
            )
        case .positionLiquidated(let step):
            let counterparties = step.counterparties.map { $0.account.rawValue }
            let scale = scales.market(step.market)
            return (
                "positionLiquidated", [step.account.account.rawValue] + counterparties,
                [
                    "account": step.account.account.rawValue, "market": Int(step.market.rawValue), "long": step.long,
                    "quantity": Quantity(atoms: step.quantity).description, "marketPrice": step.marketPrice.description,
                    "accountPrice": step.accountPrice.description,
                    "bankruptcyPrice": step.bankruptcyPrice?.description as Any? ?? NSNull(),
                    "closesPosition": step.closesPosition, "penalty": amount(step.penalty, scale: scale),
                    "clearanceFee": amount(step.clearanceFee, scale: scale),
                    "fundDraw": amount(step.fundDraw, scale: scale),
                    "uncovered": amount(step.uncovered, scale: scale),
                    "reallocated": amount(step.reallocated, scale: scale),
                    "deleveraged": step.counterparties.map {
                        ["account": $0.account.rawValue, "realizedPnl": amount($0.realizedPnl, scale: scale)]
                    },
                    "auction": step.auction as Any? ?? NSNull(),
                ]
            )
        case .breakerTripped(let trip):
            return (
                "breakerTripped", [],
                ["market": Int(trip.market.rawValue), "rule": trip.rule.rawValue, "detail": trip.detail]
            )
        case .breakerResumed(let market, let rule):
            return ("breakerResumed", [], ["market": Int(market.rawValue), "rule": rule.rawValue])
        case .auctionStarted(let auction, _), .auctionReset(let auction, _):
            let type: String
            if case .auctionStarted = event { type = "auctionStarted" } else { type = "auctionReset" }
            return (
                type, [auction.account.rawValue],
                [
                    "auction": auction.id, "account": auction.account.rawValue,
                    "market": Int(auction.market.rawValue), "lot": Quantity(atoms: auction.lot).description,
                    "top": Price(atoms: auction.clock.top).description,
                ]
            )
        case .insuranceFunded(let asset, let amount):
            return (
                "insuranceFunded", [],
                ["asset": Int(asset.rawValue), "amount": Self.amount(amount.atoms, scale: scales.asset(asset))]
            )
        case .deficitCovered(let asset, let amount):
            return (
                "deficitCovered", [],
                ["asset": Int(asset.rawValue), "amount": Self.amount(amount.atoms, scale: scales.asset(asset))]
            )
        case .fillApplied(let fill):
            return (
                "fillApplied", [fill.buyer.account.rawValue, fill.seller.account.rawValue],
                [
                    "market": Int(fill.fill.market.rawValue), "quantity": fill.fill.quantity.description,
                    "price": fill.fill.price.description,
                ]
            )
        case .markPriceSet(let market, let mark, _):
            return ("markPriceSet", [], ["market": Int(market.rawValue), "mark": mark.description])
        case .deposited(let account, let asset, let amount, _):
            return (
                "deposited", [account.rawValue],
                [
                    "account": account.rawValue, "asset": Int(asset.rawValue),
                    "amount": Self.amount(amount.atoms, scale: scales.asset(asset)),
                ]
            )
        case .withdrawn(let account, let asset, let amount, _):
            return (
                "withdrawn", [account.rawValue],
                [
                    "account": account.rawValue, "asset": Int(asset.rawValue),
                    "amount": Self.amount(amount.atoms, scale: scales.asset(asset)),
                ]
            )
        case .commitmentRecorded(let root):
            return (
                "commitmentRecorded", [],
                [
                    "root": root.hash, "committedSequence": root.sequence, "stateDigest": root.stateDigest,
                    "assets": root.assets.map(Int.init), "sums": root.sums, "leaves": root.leaves,
                ]
            )
        default:
            return nil
        }
    }
}
