import SolventCore
import SolventTestSupport
import Testing

/// Goal: tiered haircuts apply piecewise, as the venues' published examples show.
/// Method: BG-1, BG-2 (Bitget mirror) and BY-CV (Bybit table, derived), exchanges.md §4.
struct CollateralTests {
    @Test func bitgetPiecewiseStablecoinHaircut() {
        // BG-2: 11,000,000 USDT with ratios 1 up to 5M, 0.98 for 5–10M, 0.975 for 10–20M → 10,875,000.
        let usdt = AssetSpec(
            id: AssetID(1), symbol: "USDT", scale: 6,
            collateralTiers: [
                CollateralTier(quantityCap: amount("5000000", scale: 6), ratio: rate("1")),
                CollateralTier(quantityCap: amount("10000000", scale: 6), ratio: rate("0.98")),
                CollateralTier(quantityCap: amount("20000000", scale: 6), ratio: rate("0.975")),
            ])
        #expect(usdt.collateralAtoms(of: amount("11000000", scale: 6).atoms) == amount("10875000", scale: 6).atoms)
    }

    @Test func bybitBTCCollateralValueRatio() {
        // BY-CV: 25 BTC at 60,000 with 0.98 / 0.95 / 0.90 for 0–10 / 10–20 / 20–30 BTC → 1,428,000 USD.
        var asset = AssetState(
            spec: AssetSpec(
                id: AssetID(2), symbol: "BTC", scale: 8,
                collateralTiers: [
                    CollateralTier(quantityCap: amount("10", scale: 8), ratio: rate("0.98")),
                    CollateralTier(quantityCap: amount("20", scale: 8), ratio: rate("0.95")),
                    CollateralTier(quantityCap: amount("30", scale: 8), ratio: rate("0.90")),
                    CollateralTier(quantityCap: amount("40", scale: 8), ratio: rate("0.85")),
                    CollateralTier(quantityCap: amount("50", scale: 8), ratio: rate("0.80")),
                    CollateralTier(quantityCap: nil, ratio: rate("0")),
                ]))
        asset.price = Price("60000")!.atoms
        let counted = asset.spec.collateralAtoms(of: amount("25", scale: 8).atoms)
        #expect(asset.value(of: counted, .down) == amount("1428000", scale: 6).atoms)
        // Debts count at 100 %: no haircut advantage on a negative balance.
        #expect(asset.spec.collateralAtoms(of: -5) == -5)
    }

    @Test func bitgetMixedCollateralAccount() {
        // BG-1: 1 BTC at 50,000 (ratio 1) + 60,000 APT at 1 (0.8 for the first 50,000, 0 beyond) = 90,000 USD.
        var harness = Harness()
        harness.standardAssets(btcPrice: "50000")
        harness.ok(
            .createAsset(
                AssetSpec(
                    id: AssetID(9), symbol: "APT", scale: 8,
                    collateralTiers: [
                        CollateralTier(quantityCap: amount("50000", scale: 8), ratio: rate("0.8")),
                        CollateralTier(quantityCap: nil, ratio: rate("0")),
                    ])))
        harness.ok(.setIndexPrice(asset: AssetID(9), price: Price("1")!))
        harness.ok(.openAccount(AccountID(7)))
        harness.ok(.deposit(account: AccountID(7), asset: Harness.btc, amount: amount("1", scale: 8)))
        harness.ok(.deposit(account: AccountID(7), asset: AssetID(9), amount: amount("60000", scale: 8)))
        let pool = try! harness.engine.crossPool(of: harness.engine.account(AccountID(7))!).get()
        #expect(pool.equity == amount("90000", scale: 6).atoms)
    }
}
