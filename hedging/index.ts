/** hedging/ public surface. */
export {};
