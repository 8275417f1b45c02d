/**
 * Venue balances (collateral) in the book (hedging/collateral.ts): fills move the balance of the currency they
 * settle in, coin collateral carries delta, and the premium-adjusted delta of a coin-settled option plus the coin
 * paid for it out of the balance is the option's forward (Black-76) delta: the book's net delta is the USD delta of
 * the venue account, checked against a finite difference of that account's USD value.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMarketSnapshot, type LoadedSnapshot, type OptionQuote } from '../../adapters/index.js';
import { black76Greeks, black76Price } from '../../pricing/black.js';
import { yearFractionAct365 } from '../../adapters/model.js';
import {
  balanceBookPosition,
  balanceMoves,
  balancePositionSpecSchema,
  foldFills,
  marketContext,
  netBook,
  resolvePolicy,
  valueBook,
  InvalidHedgeInputError,
  UnknownPositionError,
  type BookPosition,
  type Fill,
} from '../../hedging/index.js';
import { ConfigError, deskBook, parseDeskConfig } from '../../src/config/deskConfig.js';

let market: LoadedSnapshot;
let options: OptionQuote[];
beforeAll(async () => {
  market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
  const asOf = market.asOfMs;
  // Options with a model price worth checking (a month or more to run, not deep in the wings).
  options = market.chains
    .flatMap((c) => c.options)
    .filter(
      (o) =>
        o.instrument.inverse &&
        o.forward !== null &&
        o.markIv !== null &&
        o.instrument.expiryMs! - asOf > 7 * 86_400_000 &&
        Math.abs(Math.log(o.instrument.strike! / o.forward)) < 0.3,
    );
});

let fillSeq = 0;
function fill(over: Partial<Fill> & Pick<Fill, 'instrument' | 'kind' | 'contracts' | 'price'>): Fill {
  return {
    id: `f${fillSeq++}`,
    atMs: 1_000,
    venue: 'deribit',
    underlying: 'BTC',
    feeQuote: 0,
    venueOrderId: null,
    ticketId: null,
    legIndex: null,
    scope: [],
    source: 'manual',
    actor: 'test',
    contractSize: over.kind === 'option' ? 1 : null,
    contractValueQuote: over.kind === 'option' ? null : 10,
    priceCurrency: over.kind === 'option' ? 'BTC' : 'USD',
    ...over,
  };
}

/** The coin price of one base unit of the option: its Black-76 USD value at mark IV over the forward. */
function coinPrice(o: OptionQuote, asOfMs: number): number {
  const i = o.instrument;
  const years = yearFractionAct365(asOfMs, i.expiryMs!);
  return black76Price(i.optionType!, o.forward!, i.strike!, years, o.markIv!) / o.forward!;
}

describe('venue balances in the book', () => {
  it('buying a coin-settled option at its price moves the coin balance by -premium; net delta stays the account USD delta', () => {
    const asOf = market.asOfMs;
    const spot = valueBook([], market, asOf).price;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: options.length - 1 }),
        // Deribit lots: tenths of a contract, long or short.
        fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (index, tenths, startingCoin) => {
          const o = options[index]!;
          const contracts = tenths / 10;
          const c = coinPrice(o, asOf);
          const fills = [fill({ instrument: o.instrument.venueId, kind: 'option', contracts, price: c })];
          const holdings = foldFills(fills);
          const spec = { venue: 'deribit' as const, currency: 'BTC', amountCoin: startingCoin };
          const balance = balanceBookPosition('bal', spec, holdings, spot);
          // The premium left the balance: -contracts x 1 BTC per contract x c.
          expect(balance.premiumInCurrency).toBeCloseTo(-contracts * c, 12);
          expect(balance.pnlInCurrency).toBe(0);

          const held: BookPosition = {
            id: 'opt',
            kind: 'option',
            venue: 'deribit',
            instrument: o.instrument.venueId,
            contracts,
          };
          const before = valueBook([balanceBookPosition('bal', spec, [], spot)], market, asOf);
          const after = valueBook([held, balance], market, asOf);
          const optionRow = after.positions[0]!;
          const balanceRow = after.positions[1]!;
          const i = o.instrument;
          const years = yearFractionAct365(asOf, i.expiryMs!);
          const forwardDelta = black76Greeks(i.optionType!, o.forward!, i.strike!, years, o.markIv!).delta;

          // The book holds the option at its premium-adjusted delta, n (delta - c) ...
          expect(optionRow.delta).toBeCloseTo(contracts * (forwardDelta - c), 9);
          // ... and adjusted delta + the coin paid for it = the forward delta of the option (USD terms).
          expect(optionRow.delta + -balance.premiumInCurrency).toBeCloseTo(contracts * forwardDelta, 9);
          // The balance's own coin moved by -n c, the coin held as the option (+n c) came back: its delta is as before.
          expect(balanceRow.balance!.balanceInCurrency).toBeCloseTo(startingCoin - contracts * c, 9);
          expect(balanceRow.delta).toBeCloseTo(before.total.delta, 9);
          // So the trade moved the book's delta by what a ticket prices it at: the premium-adjusted delta.
          expect(after.total.delta - before.total.delta).toBeCloseTo(optionRow.delta, 9);

          // And the net is the USD delta of the venue account: coin x price + n x C(F), by central difference.
          const h = 1;
          const account = (bump: number) =>
            balanceRow.balance!.balanceInCurrency * (spot + bump) +
            contracts * black76Price(i.optionType!, o.forward! + bump, i.strike!, years, o.markIv!);
          const usdDelta = (account(h) - account(-h)) / (2 * h);
          expect(after.total.delta).toBeCloseTo(usdDelta, 6);
          // Value: coin at the book's price plus the option's USD value.
          expect(after.total.value).toBeCloseTo(account(0), 6);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an inverse perp: realised coin P&L and coin fees move the balance; its unrealised coin P&L counts in the delta', () => {
    const asOf = market.asOfMs;
    const mark = market.perp!.mark!;
    const fills = [
      fill({ instrument: 'BTC-PERPETUAL', kind: 'perp', contracts: 10_000, price: 70_000, feeQuote: 35, atMs: 1 }),
      fill({ instrument: 'BTC-PERPETUAL', kind: 'perp', contracts: -4_000, price: 72_000, feeQuote: 14.4, atMs: 2 }),
    ];
    const holdings = foldFills(fills);
    const b = balanceBookPosition('bal', { venue: 'deribit', currency: 'BTC', amountCoin: 2 }, holdings);
    // 4,000 contracts x 10 USD closed: 40,000 x (1/70,000 - 1/72,000) BTC.
    expect(b.pnlInCurrency).toBeCloseTo(40_000 * (1 / 70_000 - 1 / 72_000), 12);
    expect(b.feesInCurrency).toBeCloseTo(-(35 / 70_000 + 14.4 / 72_000), 12);
    expect(b.premiumInCurrency).toBe(0);

    const open = holdings[0]!;
    const perpRow: BookPosition = {
      id: 'perp',
      kind: 'perp',
      venue: 'deribit',
      instrument: 'BTC-PERPETUAL',
      contracts: open.netContracts,
      averagePrice: open.averagePrice,
    };
    const v = valueBook([perpRow, b], market, asOf);
    const balance = b.startingInCurrency + b.pnlInCurrency + b.feesInCurrency;
    // The open 6,000 contracts (60,000 USD) entered at 70,000: their USD value 60,000 (P/70,000 - 1) has delta
    // 60,000 / 70,000, of which the book's perp row holds 60,000 / mark; the coin balance adds the rest.
    expect(v.positions[0]!.delta).toBeCloseTo(60_000 / mark, 9);
    expect(v.total.delta).toBeCloseTo(balance + 60_000 / 70_000, 9);
    expect(v.positions[1]!.balance!.coinHeldBase).toBeCloseTo(60_000 * (1 / 70_000 - 1 / mark), 9);
  });

  it('fills up to the entry time are already in the stated balance; later ones move it', () => {
    const fills = [
      fill({
        instrument: 'BTC-PERPETUAL',
        kind: 'perp',
        contracts: 1_000,
        price: 60_000,
        atMs: Date.parse('2026-05-01T00:00:00Z'),
      }),
      fill({
        instrument: 'BTC-PERPETUAL',
        kind: 'perp',
        contracts: -1_000,
        price: 66_000,
        atMs: Date.parse('2026-05-10T00:00:00Z'),
      }),
      fill({
        instrument: 'BTC-PERPETUAL',
        kind: 'perp',
        contracts: 1_000,
        price: 70_000,
        atMs: Date.parse('2026-05-12T00:00:00Z'),
      }),
      fill({
        instrument: 'BTC-PERPETUAL',
        kind: 'perp',
        contracts: -1_000,
        price: 77_000,
        atMs: Date.parse('2026-05-20T00:00:00Z'),
      }),
    ];
    const holdings = foldFills(fills);
    const since = (iso: string) =>
      balanceMoves({ venue: 'deribit', currency: 'BTC', sinceMs: Date.parse(iso) }, holdings).pnlInCurrency;
    const first = 10_000 * (1 / 60_000 - 1 / 66_000);
    const second = 10_000 * (1 / 70_000 - 1 / 77_000);
    expect(since('2026-04-01T00:00:00Z')).toBeCloseTo(first + second, 12);
    expect(since('2026-05-11T00:00:00Z')).toBeCloseTo(second, 12);
    expect(since('2026-05-21T00:00:00Z')).toBe(0);
    // Another venue's or currency's balance is not moved.
    expect(balanceMoves({ venue: 'okx', currency: 'BTC', sinceMs: null }, holdings).fills).toBe(0);
    expect(balanceMoves({ venue: 'deribit', currency: 'ETH', sinceMs: null }, holdings).fills).toBe(0);
  });

  it('a stablecoin balance: linear premiums and fees move it at par, it carries value and no delta', () => {
    const linear = (over: Partial<Fill>) =>
      fill({
        instrument: 'BTC_USDC-26JUN26-80000-C',
        kind: 'option',
        contracts: 2,
        price: 1_500,
        priceCurrency: 'USDC',
        contractSize: 1,
        ...over,
      });
    const holdings = foldFills([linear({ feeQuote: 6 }), linear({ contracts: -1, price: 1_700, feeQuote: 3 })]);
    const moves = balanceMoves({ venue: 'deribit', currency: 'USDC', sinceMs: null }, holdings);
    expect(moves.premiumInCurrency).toBeCloseTo(-2 * 1_500 + 1_700, 9);
    expect(moves.feesInCurrency).toBeCloseTo(-9, 9);
    // The coin balance is not moved by a USDC-settled option.
    expect(balanceMoves({ venue: 'deribit', currency: 'BTC', sinceMs: null }, holdings).fills).toBe(0);

    const usdc = balanceBookPosition('usdc', { venue: 'deribit', currency: 'USDC', amountQuote: 250_000 }, []);
    const v = valueBook([usdc], market, market.asOfMs);
    expect(v.positions[0]!).toMatchObject({ kind: 'balance', delta: 0, gamma: 0, value: 250_000, baseAmount: 0 });
  });

  it("the net book's collateral section is in net, and toTrade hedges the coin collateral", () => {
    const policy = resolvePolicy({ deltaHedge: 'perp' });
    const ctx = marketContext(market, market.asOfMs);
    const lp: BookPosition[] = [
      ...deskBook(
        parseDeskConfig({ positions: [{ id: 'lp', kind: 'lp', model: 'v2', price: 75_800, depositValue: 1_000_000 }] }),
      ),
      { id: 'perp', kind: 'perp', venue: 'deribit', instrument: 'BTC-PERPETUAL', contracts: -10_000 },
    ];
    const coin = balanceBookPosition('btc', { venue: 'deribit', currency: 'BTC', amountCoin: 7.5 });
    const usd = balanceBookPosition('usdt', { venue: 'deribit', currency: 'USDT', amountQuote: 100_000 });
    const without = netBook(lp, ctx, policy);
    const withBalances = netBook([...lp, coin, usd], ctx, policy);
    expect(withBalances.collateral.delta).toBeCloseTo(7.5, 12);
    expect(withBalances.collateral.gamma).toBe(0);
    expect(withBalances.collateral.valueQuote).toBeCloseTo(7.5 * withBalances.price + 100_000, 6);
    expect(withBalances.net.delta).toBeCloseTo(
      withBalances.lp.delta + withBalances.holdings.delta + withBalances.collateral.delta,
      9,
    );
    expect(withBalances.net.valueQuote).toBeCloseTo(without.net.valueQuote + withBalances.collateral.valueQuote, 6);
    expect(withBalances.balances.map((b) => [b.id, b.currency, b.deltaBase])).toEqual([
      ['btc', 'BTC', 7.5],
      ['usdt', 'USDT', 0],
    ]);
    // The perp to trade sells the 7.5 BTC of collateral on top of what it traded before.
    const perBase = withBalances.toTrade!.baseAmount / withBalances.toTrade!.contracts;
    expect((withBalances.toTrade!.contractsUnrounded - without.toTrade!.contractsUnrounded) * perBase).toBeCloseTo(
      -7.5,
      6,
    );
  });

  it('refuses a balance valued on another venue or coin, and two balances of one venue and currency', () => {
    const asOf = market.asOfMs;
    const okx = balanceBookPosition('okx-btc', { venue: 'okx', currency: 'BTC', amountCoin: 1 });
    expect(() => valueBook([okx], market, asOf)).toThrow(UnknownPositionError);
    const eth = balanceBookPosition('eth', { venue: 'deribit', currency: 'ETH', amountCoin: 1 });
    expect(() => valueBook([eth], market, asOf)).toThrow(/counted in the deribit\/ETH book, not BTC/);
    const a = balanceBookPosition('a', { venue: 'deribit', currency: 'BTC', amountCoin: 1 });
    const b = balanceBookPosition('b', { venue: 'deribit', currency: 'BTC', amountCoin: 2 });
    expect(() => valueBook([a, b], market, asOf)).toThrow(/one balance per venue and currency: a is already/);
  });

  it('bad balance input gets a coded error naming the field', () => {
    const config = (position: Record<string, unknown>) => () =>
      parseDeskConfig({ positions: [{ id: 'b', kind: 'balance', venue: 'deribit', ...position }] });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ currency: 'BTC', amountCoin: -0.5 }, 'positions[0].amountCoin', /at least 0/],
      [{ currency: 'DOGE', amountCoin: 1 }, 'positions[0].currency', /deribit holds no DOGE collateral/],
      [
        { currency: 'USDC', amountCoin: 1 },
        'positions[0].amountCoin',
        /USD stablecoin: give its amount as amountQuote/,
      ],
      [{ currency: 'BTC', amountQuote: 1 }, 'positions[0].amountQuote', /a coin: give its amount as amountCoin/],
      [{ currency: 'BTC' }, 'positions[0].amountCoin', /required for a BTC balance/],
      [{ currency: 'ETH', amountCoin: 1, underlying: 'BTC' }, 'positions[0].underlying', /deribit\/ETH book/],
      [{ currency: 'BTC', amountCoin: 1, entryTime: 'yesterday' }, 'positions[0].entryTime', /./],
    ];
    for (const [position, field, message] of cases) {
      let error: unknown;
      try {
        config(position)();
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(position)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('invalid-config');
      expect((error as ConfigError).fields).toEqual([field]);
      expect((error as Error).message).toMatch(message);
    }
    // The builder refuses the same input with the field named (code invalid-input), for callers past the schema.
    let error: unknown;
    try {
      balanceBookPosition('b', { venue: 'binance', currency: 'XRP', amountCoin: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidHedgeInputError);
    expect((error as InvalidHedgeInputError).code).toBe('invalid-input');
    expect((error as InvalidHedgeInputError).field).toBe('currency');
    expect(
      balancePositionSpecSchema.safeParse({ kind: 'balance', venue: 'deribit', currency: 'BTC', amountCoin: 0 })
        .success,
    ).toBe(true);
  });
});
