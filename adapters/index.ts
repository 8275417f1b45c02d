/** adapters/ public surface. */
export {};
