// Small React hooks shared by the pages: load from the API, page through a list.
"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError } from "./api";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, "error", String(error));
}

/** Run `load` when `key` changes (null: don't load); keep the last data while reloading. */
export function useLoad<T>(key: string | null, load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(key !== null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (key === null) return;
    let current = true;
    setLoading(true);
    setError(undefined);
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setLoading(false);
      },
      (reason: unknown) => {
        if (!current) return;
        setError(asApiError(reason));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
    // `load` is a new closure each render; `key` says when its inputs changed.
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

/** Client-side pages over a list the API returns whole. */
export function usePages<T>(items: T[] | undefined, pageSize: number) {
  const [page, setPage] = useState(0);
  const total = items?.length ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(page, pageCount - 1);
  const rows = useMemo(
    () => (items ?? []).slice(current * pageSize, (current + 1) * pageSize),
    [items, current, pageSize],
  );
  return { rows, page: current, pageCount, total, setPage };
}

/** Run an API mutation with a busy flag and its error kept for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (reason) {
      setError(asApiError(reason));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
