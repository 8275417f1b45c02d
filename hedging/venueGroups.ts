/**
 * A ticket's legs grouped by venue: per venue the legs traded there, their subtotals (premium, fees, cost,
 * notional; USD) and the initial margin they need there (hedging/venueMargin.ts). The subtotals are sums of the
 * legs' own figures, so over the venues they add up to the ticket's totals.
 */
import type { Instrument } from '../adapters/model.js';
import { findQuote, linearMark } from './book.js';
import { InvalidHedgeInputError } from './errors.js';
import type { HedgePolicy } from './policySchema.js';
import type { TicketLeg, TicketVenue } from './ticket.js';
import { MARGIN_MODEL_TEXT, legInitialMarginQuote, marginCurrencyOf, marginInSettle } from './venueMargin.js';
import type { VenueMarket } from './venueMarkets.js';

/**
 * The quote-currency price a leg's notional and margin are measured at, USD per base: an option's forward (its
 * underlying), a perp's or future's mark (the price its base units were sized at, so an inverse perp's notional is
 * exactly its contracts' USD value).
 */
function legPriceQuote(leg: TicketLeg, quote: NonNullable<ReturnType<typeof findQuote>>): number {
  if (quote.kind === 'option') return leg.forward ?? quote.forward!;
  return linearMark(quote);
}

/** Every market's venue with its legs, subtotals and margin, in the order of `markets` (the ticket's own first). */
export function venueGroups(
  legs: readonly TicketLeg[],
  markets: readonly VenueMarket[],
  policy: HedgePolicy,
): TicketVenue[] {
  const allowed = policy.candidates.venues as readonly string[];
  return markets.map((m) => {
    const mine = legs.filter((l) => l.venue === m.venue);
    const subtotals = { premiumQuote: 0, feesQuote: 0, costQuote: 0, notionalQuote: 0 };
    const byCurrency = new Map<string, { initialMargin: number; initialMarginQuote: number }>();
    let initialMarginQuote = 0;
    for (const leg of mine) {
      const quote = findQuote(m.market, leg.instrument);
      if (!quote) {
        throw new InvalidHedgeInputError('legs.instrument', leg.instrument, `is not in the ${m.venue} snapshot`);
      }
      const instrument: Instrument = quote.instrument;
      const price = legPriceQuote(leg, quote);
      subtotals.premiumQuote += leg.premiumQuote;
      subtotals.feesQuote += leg.fees;
      subtotals.costQuote += leg.cost;
      subtotals.notionalQuote += Math.abs(leg.baseAmount) * price;
      const marginQuote = legInitialMarginQuote({
        instrument,
        kind: leg.kind,
        baseAmount: leg.baseAmount,
        premiumQuote: leg.premiumQuote,
        priceQuote: price,
        markQuote: quote.kind === 'option' ? quote.markQuote : null,
      });
      initialMarginQuote += marginQuote;
      const currency = marginCurrencyOf(instrument);
      const entry = byCurrency.get(currency) ?? { initialMargin: 0, initialMarginQuote: 0 };
      entry.initialMargin += marginInSettle(instrument, marginQuote, price);
      entry.initialMarginQuote += marginQuote;
      byCurrency.set(currency, entry);
    }
    return {
      venue: m.venue,
      primary: m.primary,
      optionsAllowed: allowed.includes(m.venue),
      source: m.market.source.label,
      asOf: new Date(m.asOfMs).toISOString(),
      dataTime: new Date(m.market.source.dataTimeMs).toISOString(),
      legs: mine.map((l) => l.instrument),
      subtotals,
      margin: {
        initialMarginQuote,
        byCurrency: [...byCurrency].map(([currency, v]) => ({ currency, ...v })),
        model: MARGIN_MODEL_TEXT,
      },
    };
  });
}
