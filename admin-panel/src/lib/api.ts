// The one client of the SaaS API. Admin routes get `X-Admin-Session: <token>`; a 401 means the
// session is over, so the panel drops it and goes back to the login page.
import { loadConfig } from "./config";
import { clearSession, readSession, redirectToLogin } from "./session";

/** An error as the API reports it: {"error": {"type", "message", "param", "code"}}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type QueryValue = string | number | boolean | null | undefined;

interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** false for the login call, which has no session yet */
  auth?: boolean;
}

function buildUrl(base: string, path: string, query?: Record<string, QueryValue>): string {
  const url = new URL(base + path);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  return url.toString();
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: fall through to the status text
  }
  const error = (body as { error?: { type?: string; message?: string; param?: string | null } } | null)?.error;
  if (error?.message) return new ApiError(response.status, error.type ?? "error", error.message, error.param ?? null);
  const detail = (body as { detail?: unknown } | null)?.detail;
  const message = typeof detail === "string" ? detail : `${response.status} ${response.statusText || "error"}`;
  return new ApiError(response.status, "error", message);
}

export async function apiRequest<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const { apiBaseUrl } = await loadConfig();
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.auth !== false) {
    const session = readSession();
    if (!session) {
      redirectToLogin("expired");
      throw new ApiError(401, "authentication_error", "the admin session has expired; log in again");
    }
    headers["X-Admin-Session"] = session.token;
  }
  let response: Response;
  try {
    response = await fetch(buildUrl(apiBaseUrl, path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network_error", `Cannot reach the SaaS API at ${apiBaseUrl}. Is it running?`);
  }
  if (response.status === 401 && options.auth !== false) {
    clearSession();
    redirectToLogin("expired");
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>) => apiRequest<T>("GET", path, { query }),
  post: <T>(path: string, body?: unknown) => apiRequest<T>("POST", path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => apiRequest<T>("PUT", path, { body }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>("PATCH", path, { body }),
  delete: <T>(path: string) => apiRequest<T>("DELETE", path),
};

/** The path segment for an id typed by people (team ids may contain ':' or '.'). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
