/**
 * A base URL as it may be printed: user name and password (a key some proxies take in the
 * URL) and the query string are dropped.
 */
export function describeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, "")}`;
  } catch {
    return "(invalid URL)";
  }
}
