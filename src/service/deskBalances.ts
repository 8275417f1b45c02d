/**
 * The desk's venue balances (collateral, hedging/collateral.ts) in the service: stored as positions of kind
 * `balance` (the amount stated and when), moved by the ledger's fills on their venue (premiums, perp P&L, fees),
 * re-derived whenever the holdings are re-read, and handed to a market's book as book positions on its snapshot.
 * A balance that cannot be counted (an invalid stored spec, a second balance of one venue and currency) is kept with
 * the reason, which the market's book reports.
 */
import {
  balanceBookPositionOf,
  balanceMoves,
  balanceSinceMs,
  spotPrice,
  type BalanceMoves,
  type BookPosition,
  type Holding,
} from '../../hedging/index.js';
import { marketKey } from './types.js';
import type { BalanceStoredSpec, FeedSnapshot, StoredPosition } from './types.js';

interface DeskBalance {
  stored: BalanceStoredSpec & { id: string };
  market: string;
  /** When it was stated (fills up to then are in it), UTC ms; null: before any fill. */
  sinceMs: number | null;
  /** What the ledger's fills moved it by; null until derived. */
  moves: BalanceMoves | null;
  /** Why it is not counted, else null. */
  error: string | null;
}

export class DeskBalances {
  private balances: DeskBalance[] = [];
  /** Every holding, flat ones too: their fills moved the balances. */
  private holdings: readonly Holding[] = [];

  /** The balances among the stored positions (the rest are ignored here). */
  set(stored: readonly StoredPosition[]): void {
    this.balances = [];
    const first = new Map<string, string>();
    for (const p of stored) {
      if (p.kind !== 'balance') continue;
      const balance: DeskBalance = {
        stored: p,
        market: marketKey(p.venue, p.underlying),
        sinceMs: null,
        moves: null,
        error: null,
      };
      const key = `${p.venue}/${p.currency}`;
      try {
        balance.sinceMs = balanceSinceMs(p);
        const other = first.get(key);
        if (other !== undefined)
          balance.error = `one balance per venue and currency: ${other} is already the ${key} balance`;
        else first.set(key, p.id);
      } catch (error) {
        balance.error = (error as Error).message;
      }
      this.balances.push(balance);
    }
    this.move();
  }

  /** The ledger's holdings changed: every balance's moves are derived again. */
  setHoldings(holdings: readonly Holding[]): void {
    this.holdings = holdings;
    this.move();
  }

  private move(): void {
    for (const b of this.balances) {
      if (b.error) continue;
      const s = b.stored;
      b.moves = balanceMoves({ venue: s.venue, currency: s.currency, sinceMs: b.sinceMs }, this.holdings);
    }
  }

  /** The balances counted in `market`'s book on `snapshot`, and why any of its balances is not. */
  on(market: string, snapshot: FeedSnapshot): { book: BookPosition[]; errors: string[] } {
    const book: BookPosition[] = [];
    const errors: string[] = [];
    for (const b of this.balances) {
      if (b.market !== market) continue;
      if (b.error || !b.moves) {
        errors.push(`balance ${b.stored.id} not counted: ${b.error ?? 'not derived'}`);
        continue;
      }
      try {
        // Coin fees of coin-settled options go back to coin at the book's price (their fills carry no USD rate).
        book.push(balanceBookPositionOf(b.stored.id, b.stored, b.moves, spotPrice(snapshot.market)));
      } catch (error) {
        errors.push(`balance ${b.stored.id} not counted: ${(error as Error).message}`);
      }
    }
    return { book, errors };
  }
}
