/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Milliseconds with as many decimals as their size deserves. */
export function formatMs(ms: number): string {
  if (ms === 0) return "0 ms";
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function formatUsd(usd: number): string {
  return usd === 0 ? "$0" : `$${usd.toFixed(6)}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A percentage for CSS positions, precise enough that bars land within 0.001% of their time. */
export function percent(part: number, whole: number): string {
  const p = whole > 0 ? (part / whole) * 100 : 0;
  return `${Math.min(100, Math.max(0, p)).toFixed(4)}%`;
}
