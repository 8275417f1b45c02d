/**
 * Deribit's live hooks (`deribitLive` in venues/deribit.ts) on the real 2021 book frames, through ccxt.pro's own
 * handleMessage: the snapshot fix-up removes levels ccxt would otherwise keep across a second snapshot, and the
 * rate-limit recognition knows error 10028.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { deribitLive } from '../../../adapters/venues/deribit.js';
import { deribitFrameTexts } from './deribitFrames.js';

const SYMBOL = 'ETH/USD:ETH-210730-2800-C';

interface BookSide {
  storeArray(level: number[]): void;
  [index: number]: [number, number];
  length: number;
}

function bookSetup() {
  const ex = new ccxt.pro.deribit({ enableRateLimit: false });
  ex.setMarkets([]);
  const client = ex.client(ex.urls.api.ws as string);
  const snapshot = deribitFrameTexts().find((t) => t.includes('"channel":"book.ETH-30JUL21-2800-C.raw"'))!;
  const apply = (text: string): void => ex.handleMessage(client, JSON.parse(text));
  const asks = (): BookSide => (ex.orderbooks[SYMBOL] as unknown as { asks: BookSide }).asks;
  const context = { exchange: ex, symbolOf: (id: string) => (id === 'ETH-30JUL21-2800-C' ? SYMBOL : undefined) };
  return { ex, snapshot, apply, asks, context };
}

describe('deribit live hooks', () => {
  it('a repeated snapshot rebuilds the book: a level deleted in between does not survive as a ghost', () => {
    const { snapshot, apply, asks, context } = bookSetup();
    expect(snapshot).toContain('"type":"snapshot"');
    apply(snapshot);
    const recorded = asks().length;
    expect(recorded).toBe(13);
    // A level the venue has since deleted (as if a delta added it and the deleting delta was lost in a drop).
    asks().storeArray([0.9, 5, 1]);
    expect(asks().length).toBe(recorded + 1);
    // ccxt 4.5.84 applies the next snapshot onto the cached book: the ghost level stays.
    apply(snapshot);
    expect(asks().length).toBe(recorded + 1);
    // With the hook run ahead of ccxt's parse, the snapshot starts from an empty book.
    deribitLive.beforeParse!(snapshot, context);
    apply(snapshot);
    expect(asks().length).toBe(recorded);
  });

  it('leaves other frames and other instruments alone', () => {
    const { ex, snapshot, apply, context } = bookSetup();
    apply(snapshot);
    const ticker = deribitFrameTexts().find((t) => t.includes('"channel":"ticker.'))!;
    deribitLive.beforeParse!(ticker, context);
    deribitLive.beforeParse!(snapshot, { ...context, symbolOf: () => undefined });
    deribitLive.beforeParse!('{"params":', context);
    expect(ex.orderbooks[SYMBOL]).toBeDefined();
  });

  it('recognises error 10028 too_many_requests, and nothing else', () => {
    const isRateLimit = deribitLive.isRateLimit!;
    expect(isRateLimit('deribit {"code":10028,"message":"too_many_requests"}')).toBe(true);
    expect(isRateLimit('{"jsonrpc":"2.0","error":{"message":"too_many_requests","code":10028}}')).toBe(true);
    expect(isRateLimit('deribit {"code":-32602,"message":"Invalid params"}')).toBe(false);
    expect(isRateLimit('{"code":100280}')).toBe(false);
  });
});
