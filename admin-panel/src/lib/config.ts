// Where the SaaS API is. The panel is a static site, so this is decided in the browser, in order:
//   1. `?api=<url>` on any page (remembered in sessionStorage for the tab). Only URLs on this
//      page's own host or on loopback are accepted, so a crafted link cannot send the master key
//      typed at login to someone else's server.
//   2. `config.json` next to index.html, written by whoever serves the panel:
//      {"apiBaseUrl": "https://api.example.com", "litellmUiUrl": "https://llm.example.com/ui"}
//   3. `${protocol}//${hostname}:8003`, which is what `make up` runs.

export interface PanelConfig {
  apiBaseUrl: string;
  litellmUiUrl: string;
  apiSource: "link" | "config.json" | "default";
}

const OVERRIDE_KEY = "saas-admin.api-base";
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

let pending: Promise<PanelConfig> | null = null;

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** The `?api=` value if it is acceptable, else null. */
function acceptableOverride(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (url.hostname !== window.location.hostname && !LOOPBACK.has(url.hostname)) return null;
    return trimSlash(url.origin + url.pathname);
  } catch {
    return null;
  }
}

async function readConfigFile(): Promise<Partial<PanelConfig>> {
  try {
    const response = await fetch("/config.json", { cache: "no-store" });
    if (!response.ok) return {};
    const body: unknown = await response.json();
    return body && typeof body === "object" ? (body as Partial<PanelConfig>) : {};
  } catch {
    return {};
  }
}

async function resolveConfig(): Promise<PanelConfig> {
  const fromLink = new URLSearchParams(window.location.search).get("api");
  if (fromLink) {
    const accepted = acceptableOverride(fromLink);
    if (accepted) window.sessionStorage.setItem(OVERRIDE_KEY, accepted);
  }
  const file = await readConfigFile();
  const { protocol, hostname } = window.location;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const litellmUiUrl = file.litellmUiUrl || `${protocol}//${host}:8002/ui`;
  const remembered = window.sessionStorage.getItem(OVERRIDE_KEY);
  if (remembered) return { apiBaseUrl: remembered, litellmUiUrl, apiSource: "link" };
  if (file.apiBaseUrl) return { apiBaseUrl: trimSlash(file.apiBaseUrl), litellmUiUrl, apiSource: "config.json" };
  return { apiBaseUrl: `${protocol}//${host}:8003`, litellmUiUrl, apiSource: "default" };
}

/** The panel's configuration, resolved once per page load. */
export function loadConfig(): Promise<PanelConfig> {
  if (!pending) pending = resolveConfig();
  return pending;
}
