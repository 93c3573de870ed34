/** US dollars per million tokens, as providers list their prices. */
export interface Price {
  readonly inputPerMillionUsd: number;
  readonly outputPerMillionUsd: number;
}

/**
 * Keys are a model id (`openai:gpt-4o-mini`), a bare model name (`gpt-4o-mini`, also matching
 * dated names such as `gpt-4o-mini-2024-07-18` by prefix) or a provider wildcard (`sim:*`).
 */
export type PriceTable = Record<string, Price>;

/**
 * List prices when this table was written (mid 2025). Prices change: set your own with
 * `setPrices`; a model without a price costs 0 and its calls are counted as `unpricedCalls`.
 */
const DEFAULT_PRICES: PriceTable = {
  "gpt-4o-mini": { inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 },
  "gpt-4o": { inputPerMillionUsd: 2.5, outputPerMillionUsd: 10 },
  "gpt-4.1-mini": { inputPerMillionUsd: 0.4, outputPerMillionUsd: 1.6 },
  "gpt-4.1": { inputPerMillionUsd: 2, outputPerMillionUsd: 8 },
  "claude-3-5-haiku": { inputPerMillionUsd: 0.8, outputPerMillionUsd: 4 },
  "claude-3-5-sonnet": { inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
  // Simulated calls cost nothing, but they are priced, so they do not count as unpriced.
  "sim:*": { inputPerMillionUsd: 0, outputPerMillionUsd: 0 },
};

let prices: PriceTable = { ...DEFAULT_PRICES };

/** Adds or replaces prices. @example setPrices({ "openai:gpt-4o-mini": { inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 } }) */
export function setPrices(table: PriceTable): void {
  prices = { ...prices, ...table };
}

/** Restores the built-in table (tests use it). */
export function resetPrices(): void {
  prices = { ...DEFAULT_PRICES };
}

/** The price for a model id, by exact id, then model name, then longest name prefix, then wildcard. */
export function priceFor(modelId: string): Price | undefined {
  const colon = modelId.indexOf(":");
  const provider = colon >= 0 ? modelId.slice(0, colon) : "";
  const name = colon >= 0 ? modelId.slice(colon + 1) : modelId;
  const exact = prices[modelId] ?? prices[name];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(prices)) {
    if (key.includes(":")) continue;
    if (name.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  if (best !== undefined) return prices[best];
  return prices[`${provider}:*`];
}

/** Cost of one call in USD, or undefined when the model has no price. */
export function costUsd(
  modelId: string,
  promptTokens: number,
  completionTokens: number,
): number | undefined {
  const price = priceFor(modelId);
  if (!price) return undefined;
  return (
    (promptTokens * price.inputPerMillionUsd + completionTokens * price.outputPerMillionUsd) / 1e6
  );
}
