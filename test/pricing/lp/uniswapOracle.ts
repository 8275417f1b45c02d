/**
 * The Uniswap v3-sdk as a dev-only test oracle (the project's code never imports it). Its ESM build uses
 * extensionless imports Node cannot resolve, so the CommonJS build is loaded with createRequire. JSBI values are
 * converted to and from BigInt through decimal strings.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
export const sdk: any = require('@uniswap/v3-sdk');
export const core: any = require('@uniswap/sdk-core');
export const JSBI: any = require('jsbi');

export const toJsbi = (value: bigint): unknown => JSBI.BigInt(value.toString());
export const fromJsbi = (value: { toString(): string }): bigint => BigInt(value.toString());

/** Mainnet tokens: USDC sorts before WETH (token0 = USDC), WBTC sorts before WETH (token0 = WBTC). */
export const USDC = new core.Token(1, '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', 6, 'USDC');
export const WETH = new core.Token(1, '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', 18, 'WETH');
export const WBTC = new core.Token(1, '0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599', 8, 'WBTC');
