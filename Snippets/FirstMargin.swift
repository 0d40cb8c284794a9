// A venue with one market, two accounts and a fill, then the long's margin report:
// every change is a command the engine plans and applies, at a sequence and time you give it.
import SolventCore

var engine = Engine()
var sequence: UInt64 = 0
@MainActor func run(_ command: Command) -> [Event] {
    sequence += 1
    let input = SequencedInput(
        sequence: sequence, timestamp: Timestamp(seconds: 1_700_000_000 + Int64(sequence)),
        commandID: nil, command: command)
    switch engine.execute(input) {
    case .applied(let events): return events
    case .rejected(let rejection): fatalError("rejected: \(rejection)")
    }
}

let usdt = AssetID(1), btcusdt = MarketID(1)
_ = run(.createAsset(AssetSpec(id: usdt, symbol: "USDT", scale: 6)))
_ = run(.setIndexPrice(asset: usdt, price: Price("1")!))
// Binance's first two BTCUSDT tiers: 0.8 % / 0.4 % up to 50,000 USDT of notional, then 1 % / 0.5 %.
let tiers = try! RiskTierTable.make(tiers: [
    RiskTier(notionalCap: Amount(atoms: 50_000_000_000), initialRate: Rate("0.008")!, maintenanceRate: Rate("0.004")!),
    RiskTier(notionalCap: nil, initialRate: Rate("0.01")!, maintenanceRate: Rate("0.005")!),
]).get()
let spec = MarketSpec(
    id: btcusdt, symbol: "BTCUSDT", kind: .linear, settleAsset: usdt,
    contractSize: Quantity("1")!, tickSize: Price("0.1")!, lotSize: Quantity("0.001")!)
_ = run(.createMarket(spec, RiskParameters(margin: .tiered(tiers))))
_ = run(.setMarkPrice(market: btcusdt, mark: Price("50000")!, index: Price("50000")!))
for id: UInt64 in [1, 2] {
    _ = run(.openAccount(AccountID(id)))
    _ = run(.deposit(account: AccountID(id), asset: usdt, amount: Amount(atoms: 10_000_000_000)))  // 10,000 USDT
}
_ = run(
    .applyFill(
        Fill(
            market: btcusdt, buyer: AccountID(1), seller: AccountID(2),
            quantity: Quantity("1")!, price: Price("50000")!, taker: .buyer)))

let report = try! engine.marginReport(of: AccountID(1))!.get()
print("equity \(report.equity), initial \(report.initialMargin), maintenance \(report.maintenanceMargin)")
if let position = report.positions.first, let liquidation = position.liquidationPrice {
    print("\(position.symbol): liquidation price \(liquidation)")
}
print("state digest \(engine.digestHex())")
